//! `resolved -> open`: a resolution the sync could not apply is handed back to a person.

use ledgerbridge_core::EntityKind;

use super::Conflicts;
use crate::db::{parse_col, ts};
use crate::error::write_error;
use crate::events::{NewEvent, append_event};
use crate::{ConflictId, LedgerError, RunId};

impl Conflicts<'_> {
    /// Opens a resolved, not yet applied conflict again, dropping its decision (the same
    /// conflict, fields unchanged), because the sync found the decision cannot be written to
    /// both systems; audited as `conflict.reopened` with `reason` (ids, paths and lengths
    /// only). Returns whether it was reopened (`false`: not resolved-and-unapplied any more).
    pub async fn reopen(
        &mut self,
        id: ConflictId,
        run: Option<RunId>,
        reason: &str,
    ) -> Result<bool, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let row: Option<(String, String, String)> = sqlx::query_as(
            "UPDATE conflicts SET status = 'open', resolution = NULL, resolved_by = NULL, \
             resolved_at = NULL WHERE id = ? AND status = 'resolved' AND applied_at IS NULL \
             RETURNING tenant, entity, servicetitan_id",
        )
        .bind(id.0)
        .fetch_optional(h.conn())
        .await
        .map_err(write_error("conflict"))?;
        let Some((tenant, entity, servicetitan_id)) = row else {
            return Ok(false);
        };
        let entity: EntityKind = parse_col("conflict entity", &entity)?;
        let mut event = NewEvent::new("conflict.reopened")
            .tenant(&tenant)
            .record(entity, &servicetitan_id)
            .detail(serde_json::json!({ "conflict": id.0, "reason": reason }));
        if let Some(run) = run {
            event = event.run(run);
        }
        append_event(h.conn(), &now, &event).await?;
        h.finish().await?;
        Ok(true)
    }
}
