//! Payments: allocations to linked invoices (partial, split, over-payment), refunds, voids.
//!
//! A payment waits (parked) until its customer and every invoice it pays are in the books,
//! so it is never written half-applied. A payment that became several remote payments (Xero
//! pays one invoice per payment) is linked by the first, the others recorded as its lines
//! (allocation -> remote payment id), so a void reaches all of them.

use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::{EntityKind, Money, Payment, PaymentStatus};
use ledgerbridge_ledger::{LineLink, NewSnapshot, OperationId, SnapshotTotals};
use serde_json::json;

use super::Engine;
use super::apply::Applied;
use crate::error::SyncError;
use crate::report::Outcome;
use ledgerbridge_protocol::{RejectionKind, Source, Target, Write, WriteOutcome};

const PAYMENT: EntityKind = EntityKind::Payment;

impl<S: Source, T: Target> Engine<'_, S, T> {
    pub(crate) async fn handle_payments(
        &mut self,
        records: Vec<SourceRecord<Payment>>,
    ) -> Result<(), SyncError> {
        let mut writes = Vec::new();
        for rec in &records {
            if let Some(w) = self.plan_payment(rec).await? {
                writes.push(w);
            }
        }
        if self.dry() {
            self.plan_writes(PAYMENT, writes).await?;
            return Ok(());
        }
        if writes.is_empty() {
            return Ok(());
        }
        for applied in self.apply(writes).await? {
            self.settle_payment(applied).await?;
        }
        Ok(())
    }

    /// Links the payment and saves its base; `confirm` is its create/void operation, confirmed
    /// in the same transaction: a crash between a separate confirm and the link left the
    /// operation `confirmed` (so recovery never looked at it again) and the payment unlinked
    /// (so the next run created it again and the books refused it as an over-payment).
    pub(crate) async fn save_payment_base(
        &self,
        rec: &SourceRecord<Payment>,
        target_id: &str,
        extra: &[LineLink],
        version: Option<String>,
        confirm: Option<OperationId>,
    ) -> Result<(), SyncError> {
        // A dry run records no record state (a payment linked by hand gets its base in the
        // real run), as the invoice and customer bases are not saved in one either.
        if self.dry() {
            return Ok(());
        }
        let key = self.key(PAYMENT, rec.id);
        let zero = Money::zero(rec.record.amount.currency());
        let snapshot = NewSnapshot {
            base: serde_json::to_value(&rec.record).unwrap_or_default(),
            servicetitan_version: Some(rec.modified_on.to_rfc3339()),
            target_version: version,
            totals: Some(SnapshotTotals {
                total: rec.record.amount,
                tax: zero,
                balance: rec.record.unapplied,
            }),
            target_total: None,
            target_tax: None,
            document_date: Some(rec.record.date),
            run: Some(self.cx.run),
        };
        self.cx
            .ledger
            .transaction(async |tx| {
                if let Some(op) = confirm {
                    tx.outbox().confirm(op, Some(target_id)).await?;
                }
                if tx.links().get(&key).await?.is_none() {
                    tx.links().insert(&key, target_id).await?;
                }
                if !extra.is_empty() {
                    tx.links().set_lines(&key, extra).await?;
                }
                tx.snapshots().save(&key, &snapshot).await
            })
            .await?;
        Ok(())
    }

    /// A payment found by look-up (it has no number: matched by invoice, date, amount and
    /// reference) that is already another ServiceTitan payment's twin was not this write's:
    /// two identical payments on one invoice are two. Then this one was never written.
    async fn unclaimed(&self, id: i64, outcome: WriteOutcome) -> Result<WriteOutcome, SyncError> {
        let WriteOutcome::Saved(saved) = &outcome else {
            return Ok(outcome);
        };
        if !saved.found_by_lookup {
            return Ok(outcome);
        }
        let (system, company) = (self.system(), self.cx.tenant.company.as_str());
        for remote in &saved.ids {
            let mut links = self.cx.ledger.links();
            let owner = match links
                .find_by_target(PAYMENT, system, company, remote)
                .await?
            {
                Some(link) => Some(link),
                None => {
                    links
                        .find_by_target_line(PAYMENT, system, company, remote)
                        .await?
                }
            };
            if owner.is_some_and(|l| l.key.servicetitan_id != id.to_string()) {
                return Ok(WriteOutcome::Missing);
            }
        }
        Ok(outcome)
    }

    pub(crate) async fn settle_payment(&mut self, applied: Applied) -> Result<(), SyncError> {
        let Applied { write, op, outcome } = applied;
        let id = write.servicetitan_id();
        let payment = match &write {
            Write::CreatePayment { payment, .. } => payment.clone(),
            _ => {
                let (_, mut base) = self
                    .base::<Payment>(PAYMENT, id)
                    .await?
                    .ok_or_else(|| SyncError::Config(format!("payment {id} has no base")))?;
                base.status = PaymentStatus::Voided;
                base
            }
        };
        let create = matches!(write, Write::CreatePayment { .. });
        let rec = self.source_of(PAYMENT, id, payment);
        let outcome = self.unclaimed(id, outcome).await?;
        match outcome {
            WriteOutcome::Saved(saved) => {
                let mut extra = Vec::new();
                if create && saved.ids.len() > 1 {
                    let live = rec
                        .record
                        .allocations
                        .iter()
                        .filter(|a| !a.amount.is_zero());
                    for (allocation, remote) in live.zip(&saved.ids) {
                        extra.push(LineLink::new(allocation.invoice.to_string(), remote));
                    }
                }
                self.save_payment_base(&rec, saved.id(), &extra, saved.version.clone(), op)
                    .await?;
                ledgerbridge_core::crash::point("payment.linked");
                if create {
                    if self.cx.settings.mark_exported {
                        self.payment_marks.push(id);
                    }
                    if !rec.record.unapplied.is_zero() {
                        self.event(
                            "payment.unapplied",
                            Some((PAYMENT, id)),
                            json!({"unapplied": rec.record.unapplied.to_string()}),
                        )
                        .await?;
                    }
                    self.report.record(PAYMENT, Outcome::Created);
                } else {
                    self.report.record(PAYMENT, Outcome::Updated);
                }
            }
            WriteOutcome::Rejected(r) => {
                self.give_up(op, &format!("rejected: {:?}", r.kind)).await?;
                if r.kind == RejectionKind::PeriodClosed {
                    self.closed_at_least(rec.record.date);
                    let reason = self.period_reason(rec.record.date);
                    self.park(PAYMENT, &rec, reason);
                } else if create {
                    let reason = format!("{} refused the payment: {}", self.system(), r.message);
                    self.park(PAYMENT, &rec, reason);
                } else {
                    let reason = format!("{} refused the void: {}", self.system(), r.message);
                    self.report.block(PAYMENT, id, Outcome::Blocked, reason);
                }
            }
            other => self.unsettled(PAYMENT, &rec, op, &other).await?,
        }
        Ok(())
    }
}
