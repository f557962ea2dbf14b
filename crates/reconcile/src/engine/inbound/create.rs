//! Creating a ServiceTitan payment from the books, exactly once.
//!
//! The operation (side `servicetitan`, the accounting payment as its `target_id`, the whole
//! write as its payload) and the request row are committed before the create goes out.
//! ServiceTitan has no idempotency key, so a create is never sent twice: an unknown outcome
//! (timeout, a response lost after the commit, a crash) is settled by listing the payments
//! of the invoices it splits to and finding ours by the stable id in its memo (the list does
//! not return `exportId`). Found: linked. Proven absent: the operation is given up and the
//! payment is planned again. Still unknown: the request stays in flight, the payment stays
//! parked, and the next run looks it up before planning anything. An outcome is recorded in
//! one ledger transaction (operation confirmed, request completed, payment linked): a crash
//! between those steps left a confirmed create with no link, which the next pull created
//! again.

use chrono::Utc;
use ledgerbridge_connector::{ConnectorError, SourceRecord};
use ledgerbridge_core::{EntityKind, Money, Payment, System};
use ledgerbridge_ledger::{
    IdempotencyKey, NewOperation, NewRequest, NewSnapshot, OperationAction, OperationId, Side,
    SnapshotTotals,
};
use ledgerbridge_protocol::NewPayment;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::super::Engine;
use crate::books_payments;
use crate::error::SyncError;
use crate::report::Outcome;
use ledgerbridge_protocol::BooksPayment;
use ledgerbridge_protocol::{Source, Target};

const PAYMENT: EntityKind = EntityKind::Payment;

/// One ServiceTitan payment to create, stored as its outbox operation's payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct StPaymentWrite {
    /// The payment of the books it comes from.
    pub(crate) books: BooksPayment,
    /// `qbo:<id>` / `xero:<id>`: its `exportId`, also at the end of its memo.
    pub(crate) export_id: String,
    /// The ServiceTitan payment type.
    pub(crate) type_id: i64,
    /// The memo (ends with the export id in brackets).
    pub(crate) memo: String,
    /// `(ServiceTitan invoice, amount)`.
    pub(crate) splits: Vec<(i64, Decimal)>,
}

impl StPaymentWrite {
    fn new_payment(&self) -> NewPayment {
        NewPayment {
            type_id: self.type_id,
            paid_on: self
                .books
                .payment
                .date
                .and_time(chrono::NaiveTime::MIN)
                .and_utc(),
            memo: Some(self.memo.clone()),
            check_number: self.books.payment.reference.clone(),
            export_id: self.export_id.clone(),
            splits: self.splits.clone(),
        }
    }

    /// The request body as the connector sends it (kept on the request row for the audit;
    /// a create is never replayed).
    fn body(&self) -> Vec<u8> {
        let p = self.new_payment();
        let splits: Vec<_> = p
            .splits
            .iter()
            .map(|(invoice, amount)| json!({"invoiceId": invoice, "amount": amount.to_string()}))
            .collect();
        let body = json!({
            "typeId": p.type_id, "memo": p.memo, "paidOn": p.paid_on, "checkNumber": p.check_number,
            "exportId": p.export_id, "status": "Posted", "splits": splits,
        });
        body.to_string().into_bytes()
    }
}

/// What became of one create.
pub(super) enum Created {
    /// ServiceTitan answered with the new id.
    Saved(i64),
    /// Found by the look-up after an unknown outcome.
    Found(Box<SourceRecord<Payment>>),
    /// The look-up proved it was never created.
    Missing,
    /// Still unknown (the look-up failed too).
    Unknown,
    /// Refused: the reason and the HTTP status.
    Refused(String, u16),
}

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// Creates one payment; returns why it must stay parked, if it must.
    pub(crate) async fn create_in_servicetitan(
        &mut self,
        write: StPaymentWrite,
    ) -> Result<Option<String>, SyncError> {
        let (op, key) = self.record_st_create(&write).await?;
        self.cx.ledger.requests().start_attempt(key).await?;
        ledgerbridge_core::crash::point("request.recorded");
        let created = match self
            .cx
            .servicetitan
            .create_payment(&write.new_payment())
            .await
        {
            Ok(id) => {
                ledgerbridge_core::crash::point("inbound.created");
                Created::Saved(id)
            }
            Err(e) if e.needs_reconnect() => return Err(SyncError::remote("servicetitan", e)),
            Err(
                e @ (ConnectorError::Validation { .. }
                | ConnectorError::Conflict { .. }
                | ConnectorError::NotFound { .. }
                | ConnectorError::NotSupported { .. }),
            ) => {
                let status = e.problem().map_or(400, |p| p.status);
                Created::Refused(e.to_string(), status)
            }
            Err(
                e @ (ConnectorError::OutcomeUnknown { .. }
                | ConnectorError::Transient { .. }
                | ConnectorError::RateLimited { .. }),
            ) => {
                tracing::warn!(tenant = %self.tenant(), books_payment = %write.books.id,
                    error = %e, "servicetitan payment create outcome unknown; looking it up");
                self.look_up_st(&write).await?
            }
            // The request stays in flight: the next run looks it up first.
            Err(e) => return Err(SyncError::remote("servicetitan", e)),
        };
        self.settle_st_create(op, key, &write, created, true).await
    }

    /// Commits the operation and its request row (members move to `sent`) before the call.
    async fn record_st_create(
        &self,
        write: &StPaymentWrite,
    ) -> Result<(OperationId, IdempotencyKey), SyncError> {
        let op = NewOperation {
            run: Some(self.cx.run),
            tenant: self.tenant().to_owned(),
            entity: PAYMENT,
            side: Side::ServiceTitan,
            action: OperationAction::Create,
            servicetitan_id: None,
            target_system: self.system(),
            target_company: self.cx.tenant.company.clone(),
            target_id: Some(write.books.id.clone()),
            payload: serde_json::to_value(write)
                .map_err(|e| SyncError::Config(format!("a write could not be encoded: {e}")))?,
        };
        let (run, tenant) = (self.cx.run, self.tenant().to_owned());
        let path = format!(
            "/accounting/v2/tenant/{}/payments",
            self.cx.servicetitan.tenant_id()
        );
        let body = write.body();
        let stored = self
            .cx
            .ledger
            .transaction(async |tx| {
                let op = tx.outbox().enqueue(&op).await?;
                let request = NewRequest {
                    run: Some(run),
                    tenant,
                    system: System::ServiceTitan,
                    method: "POST".to_owned(),
                    path,
                    body,
                    members: vec![op.id],
                };
                let request = tx.requests().prepare(&request).await?;
                Ok::<_, SyncError>((op.id, request.key))
            })
            .await?;
        Ok(stored)
    }

    /// Finds the payment by its stable id among the payments of the invoices it splits to.
    pub(super) async fn look_up_st(&self, write: &StPaymentWrite) -> Result<Created, SyncError> {
        let invoices: Vec<i64> = write.splits.iter().map(|(i, _)| *i).collect();
        match self.cx.servicetitan.payments_applied_to(&invoices).await {
            Ok(found) => Ok(found
                .into_iter()
                .find(|r| {
                    r.export_id.as_deref() == Some(write.export_id.as_str())
                        || books_payments::memo_names(r.record.memo.as_deref(), &write.export_id)
                })
                .map_or(Created::Missing, |r| Created::Found(Box::new(r)))),
            Err(e) if e.needs_reconnect() => Err(SyncError::remote("servicetitan", e)),
            Err(e) => {
                tracing::warn!(tenant = %self.tenant(), books_payment = %write.books.id,
                    error = %e, at = %Utc::now(), "servicetitan payment look-up failed");
                Ok(Created::Unknown)
            }
        }
    }

    /// Settles one create; `live` when this run sent it (a recovery's "never created" is
    /// planned again in the same run, so it is not reported).
    pub(super) async fn settle_st_create(
        &mut self,
        op: OperationId,
        key: IdempotencyKey,
        write: &StPaymentWrite,
        created: Created,
        live: bool,
    ) -> Result<Option<String>, SyncError> {
        let ledger = self.cx.ledger;
        let (id, record, found) = match created {
            Created::Saved(id) => {
                // The stored base is ServiceTitan's own reading of the payment, so the
                // payment feed later recognises it as unchanged.
                let read = self.cx.servicetitan.payments_by_id(&[id]).await;
                let record = read.ok().and_then(|r| r.into_iter().find(|p| p.id == id));
                (id, record, false)
            }
            Created::Found(record) => (record.id, Some(*record), true),
            Created::Missing => {
                // One transaction: a crash in between would leave the operation `sent`
                // under an abandoned request that no recovery reads again.
                let why = "not created (not found after an unknown outcome)";
                ledger
                    .transaction(async |tx| {
                        tx.requests().abandon(key).await?;
                        tx.outbox().fail(op, why).await?;
                        tx.outbox().give_up(op, why).await?;
                        Ok::<_, SyncError>(())
                    })
                    .await?;
                let reason = "not recorded in ServiceTitan (the create's answer was lost and \
                              the look-up found nothing); recorded next run";
                if live {
                    self.block_books(&write.books, None, Outcome::Error, reason);
                }
                return Ok(Some(reason.to_owned()));
            }
            Created::Unknown => {
                let reason = "outcome unknown (no answer, look-up failed); the next run looks \
                              it up before anything else";
                self.block_books(&write.books, None, Outcome::Error, reason);
                return Ok(Some(reason.to_owned()));
            }
            Created::Refused(message, status) => {
                let why = "rejected by servicetitan";
                ledger
                    .transaction(async |tx| {
                        tx.requests().complete(key, status).await?;
                        tx.outbox().fail(op, why).await?;
                        tx.outbox().give_up(op, why).await?;
                        Ok::<_, SyncError>(())
                    })
                    .await?;
                let reason = format!("ServiceTitan refused the payment: {message}");
                self.block_books(&write.books, None, Outcome::Blocked, &reason);
                return Ok(Some(reason));
            }
        };
        self.link_st_payment(op, key, write, id, record).await?;
        if self.cx.settings.mark_exported {
            self.payment_marks.push(id);
        }
        self.report.record(PAYMENT, Outcome::Created);
        let detail = json!({
            "target_id": write.books.id, "export_id": write.export_id, "found_by_lookup": found,
        });
        self.event("payment.from_books", Some((PAYMENT, id)), detail)
            .await?;
        Ok(None)
    }

    /// Confirms the operation, completes its request and links the new ServiceTitan payment
    /// to the books payment, with ServiceTitan's reading of it as the base (without a
    /// reading, the payment feed adopts it as the base), in one ledger transaction: a crash
    /// between a confirm and its link left the books payment unlinked with nothing `sent`,
    /// so the next pull created it in ServiceTitan a second time (convergence seeds 237,
    /// 618, 877, 993).
    async fn link_st_payment(
        &self,
        op: OperationId,
        request: IdempotencyKey,
        write: &StPaymentWrite,
        id: i64,
        record: Option<SourceRecord<Payment>>,
    ) -> Result<(), SyncError> {
        let key = self.key(PAYMENT, id);
        let books = &write.books;
        let snapshot = record.map(|r| {
            let currency = r.record.amount.currency();
            NewSnapshot {
                base: serde_json::to_value(&r.record).unwrap_or_default(),
                servicetitan_version: Some(r.modified_on.to_rfc3339()),
                target_version: books.version.clone(),
                totals: Some(SnapshotTotals {
                    total: r.record.amount,
                    tax: Money::zero(currency),
                    balance: r.record.unapplied,
                }),
                target_total: None,
                target_tax: None,
                document_date: Some(r.record.date),
                run: Some(self.cx.run),
            }
        });
        self.cx
            .ledger
            .transaction(async |tx| {
                tx.outbox().confirm(op, Some(&id.to_string())).await?;
                tx.requests().complete(request, 200).await?;
                if tx.links().get(&key).await?.is_none() {
                    tx.links().insert(&key, &books.id).await?;
                }
                if let Some(s) = &snapshot {
                    tx.snapshots().save(&key, s).await?;
                }
                Ok::<_, SyncError>(())
            })
            .await
    }
}
