//! Open conflicts: raising (or refreshing) the one open conflict of a record, and the freeze
//! it puts on the record: no automatic write on either side until a person resolves or
//! dismisses it. Every frozen record counts once per run in the report's `conflicts`.

use ledgerbridge_core::{EntityKind, FieldConflict};
use ledgerbridge_ledger::{ConflictField, ConflictFilter, ConflictStatus, NewConflict};
use serde_json::json;

use super::Engine;
use crate::error::SyncError;
use crate::report::Outcome;
use ledgerbridge_protocol::{Source, Target};

const INVOICE: EntityKind = EntityKind::Invoice;

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// Whether the record has an open conflict (then nothing is written on either side); the
    /// conflict is counted once per run.
    pub(crate) async fn frozen(&mut self, id: i64) -> Result<bool, SyncError> {
        let key = self.key(INVOICE, id);
        let Some(open) = self.cx.ledger.conflicts().open_for(&key).await? else {
            return Ok(false);
        };
        if self.conflicted.insert(id) {
            let reason = format!(
                "open conflict #{} on {}: resolve it with `ledgerbridge conflicts resolve {}` \
                 or in the web UI",
                open.id,
                open.fields
                    .iter()
                    .map(|f| f.path.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                open.id
            );
            self.report.block(INVOICE, id, Outcome::Conflict, reason);
        }
        Ok(true)
    }

    /// Counts the tenant's open invoice conflicts of this company that no step met this run:
    /// each frozen record stays in the report's `conflicts` until it is settled.
    pub(crate) async fn count_open_conflicts(&mut self) -> Result<(), SyncError> {
        let filter = ConflictFilter {
            status: Some(ConflictStatus::Open),
            tenant: Some(self.tenant().to_owned()),
            entity: Some(INVOICE),
            limit: Some(100_000),
        };
        let open = self.cx.ledger.conflicts().list(&filter).await?;
        for conflict in open {
            let ours = conflict.target_system == self.system()
                && conflict.target_company == self.cx.tenant.company;
            if let (true, Ok(id)) = (ours, conflict.servicetitan_id.parse::<i64>()) {
                self.frozen(id).await?;
            }
        }
        Ok(())
    }

    /// Raises (or refreshes) the record's one open conflict.
    pub(crate) async fn raise(
        &mut self,
        id: i64,
        target_id: &str,
        fields: &[FieldConflict],
    ) -> Result<(), SyncError> {
        let conflict = NewConflict {
            key: self.key(INVOICE, id),
            target_id: target_id.to_owned(),
            run: Some(self.cx.run),
            fields: fields
                .iter()
                .map(|f| ConflictField {
                    path: f.path.to_string(),
                    base: f.base.clone(),
                    servicetitan: f.servicetitan.clone(),
                    accounting: f.accounting.clone(),
                })
                .collect(),
        };
        let raised = self.cx.ledger.conflicts().raise(&conflict).await?;
        let paths: Vec<String> = fields.iter().map(|f| f.path.to_string()).collect();
        self.event(
            "conflict.raised",
            Some((INVOICE, id)),
            json!({"conflict": raised.id.0, "paths": paths}),
        )
        .await?;
        self.conflicted.insert(id);
        let reason = format!(
            "conflict #{} on {}: resolve it with `ledgerbridge conflicts resolve {}` or in the \
             web UI",
            raised.id,
            paths.join(", "),
            raised.id
        );
        self.report.block(INVOICE, id, Outcome::Conflict, reason);
        Ok(())
    }
}
