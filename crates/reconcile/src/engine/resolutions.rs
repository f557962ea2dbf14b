//! Applying resolved conflicts, at the start of each run (before any feed is read).
//!
//! For each resolved-but-unapplied invoice conflict of the tenant and this company: both
//! systems are read again, merged against the base (which the open conflict kept frozen) and
//! settled by the policies; the person's choices are put in on top (a side's value as the
//! conflict recorded it, or the typed value); derived amounts are recomputed and the record
//! must pass `Invoice::check`. Then ServiceTitan is patched where it differs, the books are
//! updated through the outbox where they differ, the result becomes the base snapshot with
//! both versions, and the conflict is marked applied.
//!
//! **Idempotent.** Nothing is marked applied until both writes and the base are durable. A crash
//! in between re-applies next run: ServiceTitan PATCHes set fields (sending them again
//! changes nothing), the books update went through the outbox (recovered first), and the
//! choices are stored values, so the same record is built again and only what still differs
//! is written.
//!
//! **Held.** A resolution with a value longer than ServiceTitan or the books take for its
//! field (`ledgerbridge_core::limits`) is checked before either side is written: nothing is
//! written, the same conflict is opened again without its decision, and the report says why.
//! The CLI and the web UI refuse such a value before recording it; this catches decisions
//! recorded before the check existed, or a record that changed since.
//!
//! **Refused.** A resolution that cannot be built (a value that does not fit, a record that no
//! longer adds up) is reported, not written: it is marked applied with the reason in the audit
//! log and the record's conflict is raised again, open, so a person decides anew.

use ledgerbridge_core::limits;
use ledgerbridge_core::resolution::{Decision, ResolutionError, check_limits, resolve_record};
use ledgerbridge_core::{EntityKind, FieldConflict, FieldPath, Invoice, InvoiceStatus, System};
use ledgerbridge_ledger::Conflict;
use serde_json::json;

use super::Engine;
use crate::error::SyncError;
use crate::invoice_merge::recompute;
use crate::report::Outcome;
use ledgerbridge_protocol::{Source, Target};

const INVOICE: EntityKind = EntityKind::Invoice;

fn fields_of(conflict: &Conflict) -> Result<Vec<FieldConflict>, String> {
    conflict
        .fields
        .iter()
        .map(|f| {
            Ok(FieldConflict {
                path: FieldPath::parse(&f.path).map_err(|e| format!("{}: {e}", f.path))?,
                base: f.base.clone(),
                servicetitan: f.servicetitan.clone(),
                accounting: f.accounting.clone(),
            })
        })
        .collect()
}

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// Applies the tenant's resolved conflicts of this company (nothing in a dry run).
    pub(crate) async fn apply_resolutions(&mut self) -> Result<(), SyncError> {
        if self.dry() {
            return Ok(());
        }
        let pending = self
            .cx
            .ledger
            .conflicts()
            .resolved_unapplied(self.tenant())
            .await?;
        for conflict in pending {
            let ours = conflict.entity == INVOICE
                && conflict.target_system == self.system()
                && conflict.target_company == self.cx.tenant.company;
            if ours {
                self.apply_resolution(&conflict).await?;
            }
        }
        Ok(())
    }

    async fn apply_resolution(&mut self, conflict: &Conflict) -> Result<(), SyncError> {
        let Ok(id) = conflict.servicetitan_id.parse::<i64>() else {
            return Ok(());
        };
        let fields = match fields_of(conflict) {
            Ok(f) => f,
            Err(reason) => return self.refuse(conflict, id, &[], reason).await,
        };
        let decision = match conflict.resolution.as_ref().map(Decision::from_json) {
            Some(Ok(d)) => d,
            Some(Err(e)) => return self.refuse(conflict, id, &fields, e.to_string()).await,
            None => {
                return self
                    .refuse(conflict, id, &fields, "no resolution".into())
                    .await;
            }
        };
        // Before anything is read or written: a value one side would refuse must not reach
        // the other (issue #5: ServiceTitan took it, QuickBooks refused it).
        // Other faults of the decision are judged below, against the merged record.
        if let Err(e @ ResolutionError::TooLong(_)) =
            check_limits(self.system(), &fields, &decision)
        {
            return self.hold(conflict, id, e.to_string()).await;
        }
        let Some((snapshot, base)) = self.base::<Invoice>(INVOICE, id).await? else {
            let reason = "the invoice has no base snapshot".to_owned();
            return self.refuse(conflict, id, &fields, reason).await;
        };
        let st = self
            .cx
            .servicetitan
            .invoices_by_id(&[id])
            .await
            .map_err(|e| SyncError::remote("servicetitan", e))?;
        let system = self.system().as_str();
        let books = self
            .cx
            .target
            .books_invoices(std::slice::from_ref(&conflict.target_id))
            .await
            .map_err(|e| SyncError::remote(system, e))?;
        let (Some(st), Some(books)) = (st.into_iter().next(), books.into_iter().next()) else {
            let reason = "the invoice is gone from ServiceTitan or the books".to_owned();
            return self.refuse(conflict, id, &fields, reason).await;
        };
        self.saw(INVOICE, &st);
        let merged = match self.merge_invoice(&st, &books, &base).await? {
            Ok(m) => m,
            Err(reason) => return self.refuse(conflict, id, &fields, reason).await,
        };
        let mut resolved = match resolve_record(&merged.merged, &fields, &decision) {
            Ok(r) => r,
            Err(e) => return self.refuse(conflict, id, &fields, e.to_string()).await,
        };
        recompute(&mut resolved, &merged.merged);
        let too_long = [System::ServiceTitan, self.system()]
            .into_iter()
            .find_map(|system| limits::check_invoice(system, &resolved).err());
        if let Some(e) = too_long {
            return self.hold(conflict, id, e.to_string()).await;
        }
        let problems = resolved.check();
        if !problems.is_empty() {
            let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
            let reason = format!("the resolved invoice does not add up: {}", text.join("; "));
            return self.refuse(conflict, id, &fields, reason).await;
        }
        if books.invoice.status == InvoiceStatus::Voided && resolved.status != InvoiceStatus::Voided
        {
            let reason = format!(
                "the invoice is voided in {}: the bridge cannot un-void it; re-enter it there \
                 by hand, or resolve taking the accounting side",
                self.system()
            );
            return self.refuse(conflict, id, &fields, reason).await;
        }
        let edit =
            crate::invoice_merge::servicetitan_edit(&base, &st.record, &resolved, &books.invoice);
        if let Some(line) = edit.refused.iter().find(|f| f.path.segments().len() == 1) {
            let reason = format!(
                "{} would keep a line ServiceTitan does not have (or drop one it has), which its \
                 API cannot do: change the line in ServiceTitan by hand, then resolve again",
                line.path
            );
            return self.refuse(conflict, id, &fields, reason).await;
        }
        if !edit.refused.is_empty() {
            let paths: Vec<String> = edit.refused.iter().map(|f| f.path.to_string()).collect();
            self.report.warnings.push(format!(
                "conflict #{} on invoice {id}: ServiceTitan's API cannot take {}; make that \
                 change in ServiceTitan by hand",
                conflict.id,
                paths.join(", ")
            ));
        }
        self.handled.insert((INVOICE, id));
        self.write_both(&st, &books, &snapshot, &merged.view, resolved)
            .await?;
        let paths: Vec<&str> = conflict.fields.iter().map(|f| f.path.as_str()).collect();
        self.cx
            .ledger
            .conflicts()
            .mark_applied(conflict.id, Some(self.cx.run), json!({"paths": paths}))
            .await?;
        Ok(())
    }

    /// Reports a resolution whose values one of the systems would refuse: nothing is written
    /// to either side, and the same conflict is opened again (without the decision) for a
    /// person to decide anew.
    async fn hold(
        &mut self,
        conflict: &Conflict,
        id: i64,
        reason: String,
    ) -> Result<(), SyncError> {
        let message = format!(
            "resolution of conflict #{} not applied, nothing was written: {reason}; the \
             conflict is open again for a new decision",
            conflict.id
        );
        self.report.block(INVOICE, id, Outcome::Blocked, message);
        self.cx
            .ledger
            .conflicts()
            .reopen(conflict.id, Some(self.cx.run), &reason)
            .await?;
        Ok(())
    }

    /// Reports a resolution that cannot be applied, closes it as applied-with-refusal in the
    /// audit log, and opens the conflict again for a new decision.
    async fn refuse(
        &mut self,
        conflict: &Conflict,
        id: i64,
        fields: &[FieldConflict],
        reason: String,
    ) -> Result<(), SyncError> {
        let message = format!(
            "resolution of conflict #{} not applied: {reason}",
            conflict.id
        );
        self.report.block(INVOICE, id, Outcome::Error, message);
        self.cx
            .ledger
            .conflicts()
            .mark_applied(conflict.id, Some(self.cx.run), json!({"refused": reason}))
            .await?;
        if !fields.is_empty() {
            self.raise(id, &conflict.target_id, fields).await?;
        }
        Ok(())
    }
}
