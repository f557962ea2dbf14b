//! Settling, at the start of a run, the ServiceTitan payment creates an earlier run left
//! without an outcome (see [`super::create`]).

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{
    IdempotencyKey, Operation, OperationAction, OperationState, RequestStatus, Side,
};

use super::super::Engine;
use super::StPaymentWrite;
use crate::books_payments::{self, ParkedBooksPayment};
use crate::error::SyncError;
use ledgerbridge_protocol::BooksPayment;
use ledgerbridge_protocol::{Source, Target};

const PAYMENT: EntityKind = EntityKind::Payment;

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// Settles the ServiceTitan payment creates an earlier run left without an outcome, by
    /// look-up, before anything new is planned. One proven absent is parked to be planned
    /// again; one still unknown stays in flight.
    pub(crate) async fn recover_servicetitan_payments(&mut self) -> Result<(), SyncError> {
        let ledger = self.cx.ledger;
        let unfinished = ledger.requests().unfinished(Some(self.tenant())).await?;
        for request in unfinished
            .into_iter()
            .filter(|r| r.system == System::ServiceTitan)
        {
            for id in ledger.requests().members(request.key).await? {
                let Some(op) = ledger.outbox().get(id).await? else {
                    continue;
                };
                let ours = op.side == Side::ServiceTitan
                    && op.entity == PAYMENT
                    && op.action == OperationAction::Create
                    && op.target_system == self.system()
                    && op.target_company == self.cx.tenant.company;
                let Some(write) = ours
                    .then(|| serde_json::from_value::<StPaymentWrite>(op.payload.clone()).ok())
                    .flatten()
                else {
                    continue;
                };
                if op.state == OperationState::Confirmed
                    && request.status == RequestStatus::InFlight
                {
                    self.finish_confirmed(&op, request.key, &write).await?;
                    continue;
                }
                if op.state != OperationState::Sent {
                    continue;
                }
                if request.status == RequestStatus::Pending {
                    ledger.requests().start_attempt(request.key).await?;
                }
                tracing::info!(tenant = %self.tenant(), key = %request.key,
                    "resolving an unfinished servicetitan payment create");
                let created = self.look_up_st(&write).await?;
                if let Some(reason) = self
                    .settle_st_create(op.id, request.key, &write, created, false)
                    .await?
                {
                    self.park_books(&write.books, reason).await?;
                }
            }
        }
        Ok(())
    }

    /// Finishes a create confirmed by a run that stopped before completing its request and
    /// linking the payment (ledgers written before those steps shared one transaction):
    /// links the books payment to the ServiceTitan payment the operation recorded, so the
    /// pull does not create it a second time, and completes the request.
    async fn finish_confirmed(
        &self,
        op: &Operation,
        request: IdempotencyKey,
        write: &StPaymentWrite,
    ) -> Result<(), SyncError> {
        let Some(st) = op.remote_id.as_deref().and_then(|r| r.parse::<i64>().ok()) else {
            return Ok(());
        };
        tracing::info!(tenant = %self.tenant(), key = %request, servicetitan_payment = st,
            "linking a confirmed servicetitan payment create left unfinished");
        let key = self.key(PAYMENT, st);
        let (system, company) = (self.system(), self.cx.tenant.company.clone());
        let books = &write.books.id;
        self.cx
            .ledger
            .transaction(async |tx| {
                let linked = tx
                    .links()
                    .find_by_target(PAYMENT, system, &company, books)
                    .await?
                    .is_some();
                if !linked && tx.links().get(&key).await?.is_none() {
                    tx.links().insert(&key, books).await?;
                }
                tx.requests().complete(request, 200).await?;
                Ok::<_, SyncError>(())
            })
            .await
    }

    /// Parks one payment of the books outside the pull (recovery).
    async fn park_books(&self, payment: &BooksPayment, reason: String) -> Result<(), SyncError> {
        let (tenant, system) = (self.tenant().to_owned(), self.system());
        let company = self.cx.tenant.company.clone();
        let ledger = self.cx.ledger;
        let mut parked = books_payments::load_parked(ledger, &tenant, system, &company).await?;
        parked.insert(
            payment.id.clone(),
            ParkedBooksPayment {
                reason,
                payment: payment.clone(),
            },
        );
        let run = self.cx.run;
        ledger
            .transaction(async |tx| {
                books_payments::save_parked(tx, (&tenant, system, &company), &parked, Some(run))
                    .await
            })
            .await?;
        Ok(())
    }
}
