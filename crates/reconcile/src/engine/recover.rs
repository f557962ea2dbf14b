//! Finishing what an earlier run left open: requests recorded but never answered (a crash, a
//! timeout) are replayed with their stored key and bytes, then looked up, before anything
//! new is planned; outcomes still unknown here are counted as errors of this run.

use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::EntityKind;
use ledgerbridge_ledger::{OperationId, OperationState, RequestStatus};

use super::apply::{Applied, entity_of};
use super::{Engine, Handle};
use crate::error::SyncError;
use crate::report::Outcome;
use ledgerbridge_protocol::{EncodedRequest, Source, Target, Write, WriteOutcome};

/// The age given to a request recorded by an earlier run (see `recover_unfinished`).
const EARLIER_RUN: std::time::Duration = std::time::Duration::MAX;

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// Replays and settles the tenant's unfinished requests to this target.
    pub(crate) async fn recover_unfinished(&mut self) -> Result<(), SyncError> {
        let ledger = self.cx.ledger;
        let unfinished = ledger.requests().unfinished(Some(self.tenant())).await?;
        let system = self.system();
        for request in unfinished.into_iter().filter(|r| r.system == system) {
            let members = ledger.requests().members(request.key).await?;
            // Every member in batch order (the stored body carries them all, and a replay's
            // answer is matched to them by position); only those still `sent` are settled.
            let mut all: Vec<(OperationId, bool, Write)> = Vec::new();
            for id in members {
                let Some(op) = ledger.outbox().get(id).await? else {
                    continue;
                };
                if let Ok(write) = serde_json::from_value::<Write>(op.payload) {
                    all.push((op.id, op.state == OperationState::Sent, write));
                }
            }
            if !all.iter().any(|(_, open, _)| *open) {
                if request.status == RequestStatus::InFlight {
                    ledger.requests().complete(request.key, 200).await?;
                }
                continue;
            }
            let encoded = EncodedRequest {
                method: request.method.clone(),
                path: request.path.clone(),
                body: request.body.clone(),
            };
            // Not the time since `created_at`: the remote forgets idempotency keys by its own
            // clock, which this process cannot read (a restart an hour later, a remote whose
            // clock runs ahead). A request of an earlier run is taken to be past every
            // remote's key window, so its creates are looked up by what the bridge wrote into
            // them and never sent again (a forgotten key would make a resend a duplicate).
            let age = EARLIER_RUN;
            let writes: Vec<Write> = all.iter().map(|(_, _, w)| w.clone()).collect();
            tracing::info!(tenant = %self.tenant(), key = %request.key, writes = writes.len(),
                "resolving an unfinished request");
            let outcomes = if request.status == RequestStatus::Done {
                // The answer was recorded but the run stopped before settling every member:
                // look them up again (the request stays done; nothing is sent blindly).
                self.recover_settled(request.key, &encoded, &writes, age)
                    .await?
            } else {
                self.send_request(request.key, &encoded, &writes, age)
                    .await?
            };
            for ((op, open, write), outcome) in all.into_iter().zip(outcomes) {
                if !open {
                    continue;
                }
                let applied = Applied {
                    write,
                    op: Some(op),
                    outcome,
                };
                self.settle(applied).await?;
            }
        }
        self.resend_marks().await
    }

    /// Resolves the members of a request whose answer is already recorded: a replay under
    /// the same key and look-ups, without moving the request again. Still unknown: left
    /// `sent` for the next run.
    async fn recover_settled(
        &mut self,
        key: ledgerbridge_ledger::IdempotencyKey,
        request: &EncodedRequest,
        writes: &[Write],
        age: std::time::Duration,
    ) -> Result<Vec<WriteOutcome>, SyncError> {
        let system = self.system().as_str();
        match self
            .cx
            .target
            .recover(&key.to_string(), request, writes, age)
            .await
        {
            Ok(outcomes) => Ok(outcomes),
            Err(e) if e.needs_reconnect() => Err(SyncError::remote(system, e)),
            Err(e) => {
                tracing::warn!(tenant = %self.tenant(), error = %e,
                    "settling a recorded request: outcome still unknown; the next run resolves it");
                Ok(vec![WriteOutcome::Unknown; writes.len()])
            }
        }
    }

    /// Settles any write by its entity.
    pub(crate) async fn settle(&mut self, applied: Applied) -> Result<(), SyncError> {
        match entity_of(&applied.write) {
            EntityKind::Customer => {
                // A retry with a disambiguated name goes through the normal path next run.
                if let Some(retry) = self.settle_customer(applied).await? {
                    let source = self.source_of(
                        EntityKind::Customer,
                        retry.servicetitan_id(),
                        match retry {
                            Write::CreateCustomer { customer, .. } => customer,
                            _ => return Ok(()),
                        },
                    );
                    self.park(EntityKind::Customer, &source, "display name taken".into());
                }
                Ok(())
            }
            EntityKind::Invoice => self.settle_invoice(applied).await,
            _ => self.settle_payment(applied).await,
        }
    }

    /// A write neither saved nor refused: `Missing` (never written) is parked to be planned
    /// again; `Unknown` stays with its request for the next recovery.
    pub(crate) async fn unsettled<R: Clone>(
        &mut self,
        entity: EntityKind,
        source: &SourceRecord<R>,
        op: Option<OperationId>,
        outcome: &WriteOutcome,
    ) -> Result<(), SyncError>
    where
        Self: Handle<R>,
    {
        if *outcome == WriteOutcome::Missing {
            self.give_up(op, "not written (found missing after an unknown outcome)")
                .await?;
            let reason = "not written after an unknown outcome; planned again next run";
            self.park(entity, source, reason.to_owned());
            return Ok(());
        }
        self.report.block(
            entity,
            source.id,
            Outcome::Error,
            "outcome unknown (no answer); the next run replays the request and looks it up"
                .to_owned(),
        );
        Ok(())
    }
}
