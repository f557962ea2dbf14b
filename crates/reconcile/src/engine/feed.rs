//! Reading a feed: parked records first, then page by page from the durable cursor; the
//! cursor moves (with the records its page left parked) only after the page is settled.

use futures::{Stream, StreamExt};
use ledgerbridge_connector::{ChangeBatch, ConnectorError, FeedCursor, SourceRecord};
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{CursorKey, NewQuarantine};

use super::{Engine, Handle};
use crate::error::SyncError;
use crate::parked;
use crate::report::Outcome;
use ledgerbridge_protocol::{Source, Target};

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// Reads one feed from its cursor: parked records first, then page by page, moving the
    /// cursor (with the parked records) after each page is done.
    pub(crate) async fn run_feed<R, F>(
        &mut self,
        entity: EntityKind,
        open: impl Fn(Option<FeedCursor>) -> F,
    ) -> Result<(), SyncError>
    where
        F: Stream<Item = Result<ChangeBatch<R>, ConnectorError>> + Send,
        R: Clone + serde::Serialize + Send,
        Self: Handle<R>,
    {
        let mut parked: Vec<SourceRecord<R>> = self
            .parked_mut()
            .iter()
            .map(|(id, p)| p.to_source(*id))
            .collect();
        self.parked_mut().clear();
        // Customers carry no syncStatus; invoices and payments are planned on theirs.
        let unread: Vec<i64> = parked
            .iter()
            .filter(|p| p.remote_status.is_none() && entity != EntityKind::Customer)
            .map(|p| p.id)
            .collect();
        if !unread.is_empty() {
            let fresh = self.refresh(unread.clone()).await?;
            let gone: Vec<i64> = unread
                .into_iter()
                .filter(|id| !fresh.iter().any(|f| f.id == *id))
                .collect();
            for f in fresh {
                if let Some(p) = parked.iter_mut().find(|p| p.id == f.id) {
                    *p = f;
                }
            }
            // Not returned any more (deleted, or now unreadable and quarantined): kept parked
            // with that reason rather than judged on a status nobody read.
            let reason = "ServiceTitan no longer returns this record (deleted there, or \
                          unreadable: see the quarantine list)";
            for p in parked.iter().filter(|p| gone.contains(&p.id)) {
                self.park(entity, p, reason.to_owned());
            }
            parked.retain(|p| !gone.contains(&p.id));
        }
        for p in &parked {
            self.saw(entity, p);
        }
        if !parked.is_empty() {
            self.handle(parked).await?;
        }
        let key = CursorKey::new(
            self.tenant(),
            System::ServiceTitan,
            format!("export/{entity}s"),
        );
        let stored = if self.cx.settings.scope.from_start {
            None
        } else {
            self.cx.ledger.cursors().get(&key).await?
        };
        let mut from = stored.map(|c| FeedCursor(c.value));
        let mut full_pass_said = false;
        'pass: loop {
            let stream = open(from.clone());
            futures::pin_mut!(stream);
            let mut first = true;
            while let Some(batch) = stream.next().await {
                let batch = match batch {
                    Ok(b) => b,
                    // A cursor the feed no longer accepts: read everything again, and say so.
                    Err(ConnectorError::NotFound { .. } | ConnectorError::Validation { .. })
                        if first && from.is_some() && !full_pass_said =>
                    {
                        full_pass_said = true;
                        tracing::warn!(tenant = %self.tenant(), %entity, "feed cursor refused; full pass");
                        self.report.warnings.push(format!(
                            "ServiceTitan refused the stored {} cursor (too old or invalid); \
                             the whole feed was read again (full pass)",
                            key.feed
                        ));
                        self.event(
                            "feed.full_pass",
                            None,
                            serde_json::json!({"feed": key.feed}),
                        )
                        .await?;
                        from = None;
                        continue 'pass;
                    }
                    Err(e) => return Err(SyncError::remote("servicetitan", e)),
                };
                first = false;
                self.quarantine(entity, &batch).await?;
                let n = batch.records.len();
                let ids: Vec<i64> = batch.records.iter().map(|r| r.id).collect();
                for r in &batch.records {
                    self.saw(entity, r);
                    self.parked_mut().remove(&r.id);
                }
                self.handle(batch.records).await?;
                self.handled.extend(ids.into_iter().map(|id| (entity, id)));
                self.flush_marks().await?;
                self.cx.progress.records(self.tenant(), entity, n);
                if !self.dry() {
                    let (run, tenant) = (self.cx.run, self.cx.tenant.tenant.clone());
                    let parked = self.parked_mut().clone();
                    let cursor = batch.cursor.0.clone();
                    self.cx
                        .ledger
                        .transaction(async |tx| {
                            tx.advance_cursor(&key, &cursor, Some(run)).await?;
                            parked::save(tx, &tenant, entity, &parked, Some(run)).await
                        })
                        .await?;
                }
                from = Some(batch.cursor);
            }
            return Ok(());
        }
    }

    /// Stores malformed records in the quarantine and blocks them in the report.
    pub(crate) async fn quarantine<R>(
        &mut self,
        entity: EntityKind,
        batch: &ChangeBatch<R>,
    ) -> Result<(), SyncError> {
        for q in &batch.quarantined {
            let id = q.id.unwrap_or_default();
            if !self.dry() {
                self.cx
                    .ledger
                    .quarantine()
                    .add(&NewQuarantine {
                        run: Some(self.cx.run),
                        tenant: self.tenant().to_owned(),
                        system: System::ServiceTitan,
                        entity,
                        remote_id: q.id.map(|i| i.to_string()),
                        reason: q.reason.clone(),
                        raw: q.raw().as_bytes().to_vec(),
                    })
                    .await?;
            }
            self.report.block(
                entity,
                id,
                Outcome::Blocked,
                "malformed ServiceTitan record, quarantined (see the quarantine list)".to_owned(),
            );
        }
        Ok(())
    }
}
