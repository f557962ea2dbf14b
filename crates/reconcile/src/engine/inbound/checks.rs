//! The checks a payment of the books passes before it is created in ServiceTitan: its
//! allocations (all to linked invoices, nothing unapplied), its payment type, and what a void
//! in the books means for a linked payment.

use std::collections::BTreeMap;

use ledgerbridge_core::{EntityKind, Payment, PaymentStatus, SourceRef};
use rust_decimal::Decimal;
use serde_json::json;

use super::{PAYMENT, Plan, PullState};
use crate::books_payments::{self, export_id};
use crate::engine::Engine;
use crate::error::SyncError;
use ledgerbridge_protocol::BooksPayment;
use ledgerbridge_protocol::{Source, Target};

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// `(ServiceTitan invoice, amount)` per invoice paid, or why the payment must wait.
    pub(super) async fn splits(
        &self,
        p: &BooksPayment,
    ) -> Result<Result<Vec<(i64, Decimal)>, String>, SyncError> {
        let (system, payment) = (self.system(), &p.payment);
        if payment.allocations.is_empty() {
            return Ok(Err(format!(
                "applied to no invoice in {system}; only payments of invoices the bridge \
                 synced are recorded in ServiceTitan"
            )));
        }
        if !payment.unapplied.is_zero() {
            return Ok(Err(format!(
                "{} of it is applied to no invoice in {system}; the whole payment waits until \
                 it is fully applied (a payment is brought over whole or not at all)",
                payment.unapplied
            )));
        }
        let mut by_invoice: BTreeMap<i64, Decimal> = BTreeMap::new();
        let mut links = self.cx.ledger.links();
        for a in &payment.allocations {
            let st = match &a.invoice {
                SourceRef::ServiceTitan(st) => Some(*st),
                SourceRef::Accounting(id) => links
                    .find_by_target(EntityKind::Invoice, system, &self.cx.tenant.company, id)
                    .await?
                    .filter(|l| l.key.tenant == self.tenant())
                    .and_then(|l| l.key.servicetitan_id.parse::<i64>().ok())
                    .or_else(|| self.planned_invoice_of(id)),
            };
            let Some(st) = st else {
                return Ok(Err(format!(
                    "pays {system} invoice {} which is not linked to a ServiceTitan invoice; \
                     the whole payment waits (a payment is brought over whole or not at all, \
                     so ServiceTitan never shows it short)",
                    a.invoice
                )));
            };
            *by_invoice.entry(st).or_default() += a.amount.amount();
        }
        Ok(Ok(by_invoice
            .into_iter()
            .filter(|(_, a)| !a.is_zero())
            .collect()))
    }

    /// Why ServiceTitan's invoices cannot take `splits`, if they cannot: a voided invoice, or
    /// less open than the payment applies (the payment may already be recorded there, by a
    /// person or as ServiceTitan's own payment; a second one would overpay the invoice).
    pub(super) async fn servicetitan_refusal(
        &self,
        splits: &[(i64, Decimal)],
    ) -> Result<Option<String>, SyncError> {
        let ids: Vec<i64> = splits.iter().map(|(i, _)| *i).collect();
        let invoices = self
            .cx
            .servicetitan
            .invoices_by_id(&ids)
            .await
            .map_err(|e| SyncError::remote("servicetitan", e))?;
        for (id, amount) in splits {
            let Some(invoice) = invoices.iter().find(|i| i.id == *id) else {
                return Ok(Some(format!("ServiceTitan has no invoice {id}")));
            };
            if invoice.record.status == ledgerbridge_core::InvoiceStatus::Voided {
                return Ok(Some(format!("ServiceTitan invoice {id} is voided")));
            }
            let open = invoice.record.balance.amount();
            if *amount > open {
                return Ok(Some(format!(
                    "applies {amount} to ServiceTitan invoice {id}, which has only {open} open: \
                     the payment may already be recorded in ServiceTitan; record or link it by \
                     hand"
                )));
            }
        }
        Ok(None)
    }

    /// The ServiceTitan payment type a mapping names (by name, or by numeric id).
    pub(super) async fn payment_type_id(
        &self,
        state: &mut PullState,
        mapped: &str,
    ) -> Result<Option<i64>, SyncError> {
        if state.types.is_none() {
            let types = self
                .cx
                .servicetitan
                .payment_types()
                .await
                .map_err(|e| SyncError::remote("servicetitan", e))?;
            let by_name = types
                .iter()
                .map(|t| (t.name.trim().to_lowercase(), t.id))
                .collect();
            let ids = types.iter().map(|t| t.id).collect();
            state.types = Some((by_name, ids));
        }
        let (by_name, ids) = state.types.as_ref().expect("just loaded");
        let mapped = mapped.trim();
        Ok(by_name
            .get(&mapped.to_lowercase())
            .copied()
            .or_else(|| mapped.parse::<i64>().ok().filter(|id| ids.contains(id))))
    }

    /// A linked payment voided (QuickBooks) or deleted (Xero) in the books: ServiceTitan's
    /// API cannot void a payment, so a person must. The base is marked voided so that the
    /// ServiceTitan side's eventual void is recognised, not sent back to the books.
    pub(super) async fn voided_in_books(
        &mut self,
        p: &BooksPayment,
        st: i64,
    ) -> Result<Plan, SyncError> {
        let Some((snapshot, mut base)) = self.base::<Payment>(PAYMENT, st).await? else {
            return Ok(Plan::Nothing);
        };
        if base.status == PaymentStatus::Voided {
            return Ok(Plan::Nothing);
        }
        let system = self.system();
        let ours = books_payments::memo_names(base.memo.as_deref(), &export_id(system, &p.id));
        let reason = if ours {
            format!(
                "payment {} was voided in {system} after the bridge recorded it in ServiceTitan \
                 as payment {st}; ServiceTitan's API cannot void a payment: void payment {st} \
                 in ServiceTitan by hand",
                p.id
            )
        } else {
            format!(
                "payment {} was voided in {system} but ServiceTitan payment {st} is still \
                 posted: void it in ServiceTitan too, or record it again in the books",
                p.id
            )
        };
        if !self.dry() {
            base.status = PaymentStatus::Voided;
            let key = self.key(PAYMENT, st);
            let saved = ledgerbridge_ledger::NewSnapshot {
                base: serde_json::to_value(&base).unwrap_or_default(),
                servicetitan_version: snapshot.servicetitan_version.clone(),
                target_version: p.version.clone(),
                totals: snapshot.totals,
                target_total: snapshot.target_total,
                target_tax: snapshot.target_tax,
                document_date: snapshot.document_date,
                run: Some(self.cx.run),
            };
            self.cx.ledger.snapshots().save(&key, &saved).await?;
        }
        let detail = json!({"target_id": p.id, "created_by_bridge": ours});
        self.event("payment.voided_in_books", Some((PAYMENT, st)), detail)
            .await?;
        Ok(Plan::Warn(reason, st))
    }
}
