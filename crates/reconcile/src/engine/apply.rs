//! Applying writes through the outbox.
//!
//! For each batch: the operation rows and the request row (idempotency key + the exact body)
//! are committed in one transaction **before** the request goes out. The answer settles each
//! operation. An unknown outcome (timeout, dropped connection, an item without an answer) is
//! resolved at once by [`Target::recover`] (same key, same bytes, then look-ups); if
//! it stays unknown, the request is left in flight and the next run resolves it before
//! planning anything. Nothing is ever re-created blindly.

use std::collections::BTreeMap;

use chrono::Utc;
use ledgerbridge_connector::ConnectorError;
use ledgerbridge_core::EntityKind;
use ledgerbridge_ledger::{
    IdempotencyKey, NewOperation, NewRequest, OperationAction, OperationId, Side,
};

use super::Engine;
use crate::error::SyncError;
use ledgerbridge_protocol::{
    EncodedRequest, Rejection, RejectionKind, Source, Target, Write, WriteKind, WriteOutcome,
};

/// One write and what became of it.
#[derive(Debug)]
pub(crate) struct Applied {
    pub(crate) write: Write,
    pub(crate) op: Option<OperationId>,
    pub(crate) outcome: WriteOutcome,
}

pub(crate) fn entity_of(write: &Write) -> EntityKind {
    match write {
        Write::CreateCustomer { .. } | Write::UpdateCustomer { .. } => EntityKind::Customer,
        Write::CreateInvoice { .. } | Write::UpdateInvoice { .. } | Write::VoidInvoice { .. } => {
            EntityKind::Invoice
        }
        Write::CreatePayment { .. } | Write::VoidPayment { .. } => EntityKind::Payment,
    }
}

fn action_of(kind: WriteKind) -> OperationAction {
    match kind {
        WriteKind::CreateCustomer
        | WriteKind::CreateInvoice
        | WriteKind::CreateCreditNote
        | WriteKind::CreatePayment
        | WriteKind::CreateRefund => OperationAction::Create,
        WriteKind::UpdateCustomer | WriteKind::UpdateInvoice => OperationAction::Update,
        WriteKind::VoidInvoice | WriteKind::VoidPayment => OperationAction::Void,
    }
}

fn target_id_of(write: &Write) -> Option<String> {
    match write {
        Write::UpdateCustomer { target_id, .. }
        | Write::UpdateInvoice { target_id, .. }
        | Write::VoidInvoice { target_id, .. } => Some(target_id.clone()),
        Write::VoidPayment { target_ids, .. } => target_ids.first().cloned(),
        _ => None,
    }
}

/// Whether an error from sending means "it may or may not have happened".
fn outcome_unknown(e: &ConnectorError) -> bool {
    matches!(
        e,
        ConnectorError::OutcomeUnknown { .. }
            | ConnectorError::Transient { .. }
            | ConnectorError::RateLimited { .. }
    )
}

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// Writes `writes` (batched by kind, at most the target's limit per request) and returns
    /// one [`Applied`] per write. Never called in a dry run.
    pub(crate) async fn apply(&mut self, writes: Vec<Write>) -> Result<Vec<Applied>, SyncError> {
        let mut by_kind: BTreeMap<WriteKind, Vec<Write>> = BTreeMap::new();
        for w in writes {
            by_kind.entry(w.kind()).or_default().push(w);
        }
        let mut out = Vec::new();
        for (kind, group) in by_kind {
            let limit = self.cx.target.batch_limit(kind).max(1);
            for chunk in group.chunks(limit) {
                out.extend(self.apply_batch(kind, chunk).await?);
            }
        }
        Ok(out)
    }

    async fn apply_batch(
        &mut self,
        kind: WriteKind,
        chunk: &[Write],
    ) -> Result<Vec<Applied>, SyncError> {
        let system = self.system().as_str();
        let prepared = self
            .cx
            .target
            .prepare(chunk)
            .map_err(|e| SyncError::remote(system, e))?;
        let mut out: Vec<Applied> = prepared
            .refused
            .iter()
            .map(|(i, reason)| Applied {
                write: chunk[*i].clone(),
                op: None,
                outcome: WriteOutcome::Rejected(Rejection {
                    kind: RejectionKind::Invalid,
                    message: reason.clone(),
                }),
            })
            .collect();
        let Some(request) = prepared.request else {
            return Ok(out);
        };
        let accepted: Vec<Write> = prepared
            .accepted
            .iter()
            .map(|i| chunk[*i].clone())
            .collect();
        let new_ops: Vec<NewOperation> = accepted
            .iter()
            .map(|w| {
                Ok(NewOperation {
                    run: Some(self.cx.run),
                    tenant: self.tenant().to_owned(),
                    entity: entity_of(w),
                    side: Side::Accounting,
                    action: action_of(kind),
                    servicetitan_id: Some(w.servicetitan_id().to_string()),
                    target_system: self.system(),
                    target_company: self.cx.tenant.company.clone(),
                    target_id: target_id_of(w),
                    payload: serde_json::to_value(w).map_err(|e| {
                        SyncError::Config(format!("a write could not be encoded: {e}"))
                    })?,
                })
            })
            .collect::<Result<_, SyncError>>()?;
        let (run, tenant) = (self.cx.run, self.tenant().to_owned());
        let target_system = self.system();
        let body = request.body.clone();
        let (method, path) = (request.method.clone(), request.path.clone());
        let (ops, key) = self
            .cx
            .ledger
            .transaction(async |tx| {
                let ops = tx.outbox().enqueue_all(&new_ops).await?;
                let ids: Vec<OperationId> = ops.iter().map(|o| o.id).collect();
                let stored = tx
                    .requests()
                    .prepare(&NewRequest {
                        run: Some(run),
                        tenant,
                        system: target_system,
                        method,
                        path,
                        body,
                        members: ids.clone(),
                    })
                    .await?;
                Ok::<_, SyncError>((ids, stored.key))
            })
            .await?;
        let outcomes = self
            .send_request(key, &request, &accepted, std::time::Duration::ZERO)
            .await?;
        for ((write, op), outcome) in accepted.into_iter().zip(ops).zip(outcomes) {
            out.push(Applied {
                write,
                op: Some(op),
                outcome,
            });
        }
        Ok(out)
    }

    /// Sends (or, after a crash, replays) a recorded request and resolves unknown outcomes
    /// with one recovery attempt. A request still unresolved stays in flight.
    pub(crate) async fn send_request(
        &mut self,
        key: IdempotencyKey,
        request: &EncodedRequest,
        writes: &[Write],
        age: std::time::Duration,
    ) -> Result<Vec<WriteOutcome>, SyncError> {
        let system = self.system().as_str();
        let ledger = self.cx.ledger;
        ledger.requests().start_attempt(key).await?;
        ledgerbridge_core::crash::point("request.recorded");
        let text = key.to_string();
        let first = if age.is_zero() {
            self.cx.target.send(&text, request, writes).await
        } else {
            self.cx.target.recover(&text, request, writes, age).await
        };
        if first.is_ok() {
            // The remote has the write; the ledger does not know yet.
            ledgerbridge_core::crash::point("request.answered");
        }
        let outcomes = match first {
            Ok(outcomes) if !outcomes.contains(&WriteOutcome::Unknown) => outcomes,
            Ok(_) => self.retry_recover(&text, request, writes).await?,
            Err(e) if e.needs_reconnect() => return Err(SyncError::remote(system, e)),
            Err(e) if outcome_unknown(&e) => {
                tracing::warn!(tenant = %self.tenant(), error = %e, "write outcome unknown; recovering");
                self.retry_recover(&text, request, writes).await?
            }
            Err(
                e @ (ConnectorError::Validation { .. }
                | ConnectorError::Conflict { .. }
                | ConnectorError::NotFound { .. }
                | ConnectorError::NotSupported { .. }),
            ) => {
                let status = e.problem().map_or(400, |p| p.status);
                ledger.requests().complete(key, status).await?;
                let rejection = Rejection {
                    kind: RejectionKind::Invalid,
                    message: e.to_string(),
                };
                return Ok(vec![WriteOutcome::Rejected(rejection); writes.len()]);
            }
            Err(e) => return Err(SyncError::remote(system, e)),
        };
        if !outcomes.contains(&WriteOutcome::Unknown) {
            ledger.requests().complete(key, 200).await?;
            ledgerbridge_core::crash::point("request.settled");
        }
        Ok(outcomes)
    }

    async fn retry_recover(
        &mut self,
        key: &str,
        request: &EncodedRequest,
        writes: &[Write],
    ) -> Result<Vec<WriteOutcome>, SyncError> {
        let system = self.system().as_str();
        // The request was recorded moments ago; a replay inside the remote's idempotency
        // window is answered from its memory, and look-ups settle what is still open.
        let age = std::time::Duration::from_secs(1);
        match self.cx.target.recover(key, request, writes, age).await {
            Ok(outcomes) => Ok(outcomes),
            Err(e) if e.needs_reconnect() => Err(SyncError::remote(system, e)),
            Err(e) => {
                tracing::warn!(tenant = %self.tenant(), error = %e, at = %Utc::now(),
                    "write outcome still unknown; the next run resolves it");
                Ok(vec![WriteOutcome::Unknown; writes.len()])
            }
        }
    }
}
