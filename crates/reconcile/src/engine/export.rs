//! Marking synced invoices and payments exported in ServiceTitan (with the accounting id as
//! the external id), through the outbox: the operations are recorded `sent` before the call,
//! and an interrupted call is simply sent again next run (marking is idempotent).
//!
//! Which records need a mark is level-triggered: besides the marks a page queues for what it
//! just wrote, every run asks the ledger which linked invoices and payments have no mark
//! confirmed, in flight or given up ([`Engine::mark_unmarked`]), and marks them. A crash
//! between a create and its mark (the mark lived only in memory) therefore costs one run's
//! delay, never a record left `Posted` in ServiceTitan for a second export path to post again.

use std::collections::HashSet;

use ledgerbridge_connector::{ConnectorError, ExportMark};
use ledgerbridge_core::{EntityKind, Invoice};
use ledgerbridge_ledger::{
    NewOperation, OperationAction, OperationFilter, OperationId, OperationState, Side,
};

use super::Engine;
use crate::error::SyncError;
use ledgerbridge_protocol::{Source, Target};

impl<S: Source, T: Target> Engine<'_, S, T> {
    fn mark_op(&self, entity: EntityKind, id: i64, external: Option<&str>) -> NewOperation {
        NewOperation {
            run: Some(self.cx.run),
            tenant: self.tenant().to_owned(),
            entity,
            side: Side::ServiceTitan,
            action: OperationAction::MarkExported,
            servicetitan_id: Some(id.to_string()),
            target_system: self.system(),
            target_company: self.cx.tenant.company.clone(),
            target_id: external.map(str::to_owned),
            payload: serde_json::json!({ "external_id": external }),
        }
    }

    async fn record_sent(&self, ops: Vec<NewOperation>) -> Result<Vec<OperationId>, SyncError> {
        let ids = self
            .cx
            .ledger
            .transaction(async |tx| {
                let stored = tx.outbox().enqueue_all(&ops).await?;
                let mut ids = Vec::with_capacity(stored.len());
                for op in stored {
                    tx.outbox().transition(op.id, OperationState::Sent).await?;
                    ids.push(op.id);
                }
                Ok::<_, SyncError>(ids)
            })
            .await?;
        Ok(ids)
    }

    /// Sends the marks queued by this page's invoices and payments.
    pub(crate) async fn flush_marks(&mut self) -> Result<(), SyncError> {
        if self.dry() {
            return Ok(());
        }
        let marks = std::mem::take(&mut self.marks);
        if !marks.is_empty() {
            let ops = marks
                .iter()
                .map(|m| self.mark_op(EntityKind::Invoice, m.invoice_id, Some(&m.external_id)))
                .collect();
            let ids = self.record_sent(ops).await?;
            ledgerbridge_core::crash::point("mark.recorded");
            self.send_invoice_marks(ids, &marks).await?;
        }
        let payments = std::mem::take(&mut self.payment_marks);
        if !payments.is_empty() {
            let ops = payments
                .iter()
                .map(|p| self.mark_op(EntityKind::Payment, *p, None))
                .collect();
            let ids = self.record_sent(ops).await?;
            ledgerbridge_core::crash::point("mark.recorded");
            self.send_payment_marks(ids, &payments).await?;
        }
        Ok(())
    }

    /// Sends invoice marks recorded `sent` (`ops` in the order of `marks`) and settles each by
    /// ServiceTitan's answer for it: a refused mark is given up with the reason, never
    /// confirmed and never sent again by the sweep.
    async fn send_invoice_marks(
        &mut self,
        ops: Vec<OperationId>,
        marks: &[ExportMark],
    ) -> Result<(), SyncError> {
        let results = self
            .cx
            .servicetitan
            .mark_invoices_exported(marks)
            .await
            .map_err(|e| SyncError::remote("servicetitan", e))?;
        ledgerbridge_core::crash::point("mark.sent");
        // One transaction for the call's marks: before it commits they are all `sent`, and
        // the next run sends them again (a mark is idempotent).
        let why = "servicetitan refused the export mark";
        self.cx
            .ledger
            .transaction(async |tx| {
                for (id, result) in ops.into_iter().zip(results) {
                    match result.outcome {
                        Ok(()) => tx.outbox().confirm(id, None).await.map(drop)?,
                        Err(_) => {
                            tx.outbox().fail(id, why).await?;
                            tx.outbox().give_up(id, why).await.map(drop)?;
                        }
                    }
                }
                Ok::<_, SyncError>(())
            })
            .await
    }

    /// Sends payment marks recorded `sent`. ServiceTitan takes or refuses a call's ids
    /// together; a refusal (an id it no longer has) gives those marks up with the reason
    /// instead of stopping this run and every later one on the same batch.
    async fn send_payment_marks(
        &mut self,
        ops: Vec<OperationId>,
        payments: &[i64],
    ) -> Result<(), SyncError> {
        let sent = self.cx.servicetitan.mark_payments_exported(payments).await;
        ledgerbridge_core::crash::point("mark.sent");
        let why = match sent {
            Ok(()) => None,
            Err(
                e @ (ConnectorError::Validation { .. }
                | ConnectorError::NotFound { .. }
                | ConnectorError::Conflict { .. }),
            ) => Some(format!("servicetitan refused the export marks: {e}")),
            Err(e) => return Err(SyncError::remote("servicetitan", e)),
        };
        // One transaction for the call's marks, as for invoices.
        self.cx
            .ledger
            .transaction(async |tx| {
                for id in ops {
                    match &why {
                        None => tx.outbox().confirm(id, None).await.map(drop)?,
                        Some(why) => {
                            tx.outbox().fail(id, why).await?;
                            tx.outbox().give_up(id, why).await.map(drop)?;
                        }
                    }
                }
                Ok::<_, SyncError>(())
            })
            .await
    }

    /// Marks every linked invoice and payment that ServiceTitan was never told about (see the
    /// module doc): the state says what is missing, not a plan an earlier run kept in memory.
    /// A dry run reads the same state and plans the marks (`mark_exported`), sending none.
    pub(crate) async fn mark_unmarked(&mut self) -> Result<(), SyncError> {
        if !self.cx.settings.mark_exported {
            return Ok(());
        }
        let company = self.cx.tenant.company.clone();
        let unmarked = self
            .cx
            .ledger
            .links()
            .unmarked(self.tenant(), self.system(), &company)
            .await?;
        if !unmarked.is_empty() {
            tracing::info!(tenant = %self.tenant(), records = unmarked.len(),
                "linked records without an export mark in ServiceTitan; marking them");
        }
        // A payment ServiceTitan no longer has (deleted there) cannot be marked; asking would
        // have the whole call refused.
        let payment_ids: Vec<i64> = unmarked
            .iter()
            .filter(|l| l.key.entity == EntityKind::Payment)
            .filter_map(|l| l.key.servicetitan_id.parse().ok())
            .collect();
        let present: HashSet<i64> = if payment_ids.is_empty() {
            HashSet::new()
        } else {
            self.cx
                .servicetitan
                .payments_by_id(&payment_ids)
                .await
                .map_err(|e| SyncError::remote("servicetitan", e))?
                .into_iter()
                .map(|p| p.id)
                .collect()
        };
        for link in unmarked {
            let Ok(id) = link.key.servicetitan_id.parse::<i64>() else {
                continue;
            };
            let entity = link.key.entity;
            if self.dry() {
                if entity == EntityKind::Invoice || present.contains(&id) {
                    self.dry_plan.unmarked.insert((entity, id));
                    self.plan_mark(entity, id);
                }
                continue;
            }
            match entity {
                EntityKind::Invoice => {
                    let number = self
                        .base::<Invoice>(EntityKind::Invoice, id)
                        .await?
                        .map_or_else(|| link.target_id.clone(), |(_, i)| i.number);
                    self.queue_mark(id, &link.target_id, &number);
                }
                EntityKind::Payment if present.contains(&id) => self.payment_marks.push(id),
                _ => {}
            }
        }
        self.flush_marks().await
    }

    /// Marks left `sent` by an interrupted run are sent again (idempotent).
    pub(crate) async fn resend_marks(&mut self) -> Result<(), SyncError> {
        let filter = OperationFilter {
            state: Some(OperationState::Sent),
            tenant: Some(self.tenant().to_owned()),
            run: None,
            limit: Some(10_000),
        };
        let open = self.cx.ledger.outbox().list(&filter).await?;
        let mut invoices = Vec::new();
        let mut payments = Vec::new();
        for op in open
            .into_iter()
            .filter(|o| o.action == OperationAction::MarkExported)
        {
            let Some(id) = op
                .servicetitan_id
                .as_deref()
                .and_then(|s| s.parse::<i64>().ok())
            else {
                continue;
            };
            match (op.entity, op.target_id.clone()) {
                (EntityKind::Invoice, Some(external)) => invoices.push((op.id, id, external)),
                (EntityKind::Payment, _) => payments.push((op.id, id)),
                _ => {}
            }
        }
        if !invoices.is_empty() {
            let marks: Vec<_> = invoices
                .iter()
                .map(|(_, id, external)| ledgerbridge_connector::ExportMark {
                    invoice_id: *id,
                    external_id: external.clone(),
                    message: None,
                })
                .collect();
            let ops = invoices.iter().map(|(op, _, _)| *op).collect();
            self.send_invoice_marks(ops, &marks).await?;
        }
        if !payments.is_empty() {
            let ids: Vec<i64> = payments.iter().map(|(_, id)| *id).collect();
            let ops = payments.iter().map(|(op, _)| *op).collect();
            self.send_payment_marks(ops, &ids).await?;
        }
        Ok(())
    }
}
