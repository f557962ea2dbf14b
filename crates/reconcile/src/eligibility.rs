//! Which ServiceTitan records are eligible to sync (CONTRACTS.md): an invoice is eligible when
//! it is active, its `syncStatus` is Posted (config may add Pending) and its invoice date is on
//! or after `sync.start_date`; others are skipped with a reason. These rules apply to records
//! not linked yet; a linked record is the bridge's own and is always followed (edits, voids).

use chrono::NaiveDate;
use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::{Invoice, InvoiceStatus, Payment, PaymentStatus};

/// Whether to sync a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Eligibility {
    /// Plan it.
    Sync,
    /// Leave it, for this reason.
    Skip(String),
}

fn status_is(record: Option<&str>, word: &str) -> bool {
    record.is_some_and(|s| s.eq_ignore_ascii_case(word))
}

/// The rules for an invoice not linked yet.
pub fn invoice_eligibility(
    rec: &SourceRecord<Invoice>,
    start: Option<NaiveDate>,
    include_pending: bool,
) -> Eligibility {
    let invoice = &rec.record;
    if invoice.status == InvoiceStatus::Voided {
        return Eligibility::Skip("inactive (voided) before it was synced".into());
    }
    let status = rec.remote_status.as_deref();
    if status_is(status, "Exported") {
        return Eligibility::Skip("already exported by another integration".into());
    }
    let posted = status_is(status, "Posted");
    let pending = status_is(status, "Pending");
    if !(posted || (pending && include_pending)) {
        return Eligibility::Skip(format!(
            "syncStatus is {} (only Posted{} is synced)",
            status.unwrap_or("missing"),
            if include_pending { " and Pending" } else { "" }
        ));
    }
    if let Some(start) = start.filter(|s| invoice.invoice_date < *s) {
        return Eligibility::Skip(format!(
            "dated {} before the start date {start}",
            invoice.invoice_date
        ));
    }
    Eligibility::Sync
}

/// The rules for a payment not linked yet: posted, not zero, received on or after the start.
pub fn payment_eligibility(rec: &SourceRecord<Payment>, start: Option<NaiveDate>) -> Eligibility {
    let payment = &rec.record;
    if payment.status == PaymentStatus::Voided {
        return Eligibility::Skip("voided before it was synced".into());
    }
    if status_is(rec.remote_status.as_deref(), "Exported") {
        return Eligibility::Skip("already exported by another integration".into());
    }
    if payment.amount.is_zero() {
        return Eligibility::Skip("zero amount".into());
    }
    if let Some(start) = start.filter(|s| payment.date < *s) {
        return Eligibility::Skip(format!(
            "received {} before the start date {start}",
            payment.date
        ));
    }
    Eligibility::Sync
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use ledgerbridge_core::{Currency, Money, SourceRef};

    use super::*;

    fn rec(status: &str, invoice_status: InvoiceStatus, day: u32) -> SourceRecord<Invoice> {
        let zero = Money::zero(Currency::USD);
        SourceRecord {
            id: 1,
            modified_on: DateTime::<Utc>::UNIX_EPOCH,
            export_id: None,
            remote_status: Some(status.into()),
            record: Invoice {
                number: "1".into(),
                customer: SourceRef::ServiceTitan(1),
                invoice_date: NaiveDate::from_ymd_opt(2026, 3, day).unwrap(),
                due_date: None,
                status: invoice_status,
                currency: Currency::USD,
                lines: vec![],
                tax_lines: vec![],
                subtotal: zero,
                tax: zero,
                total: zero,
                balance: zero,
                memo: None,
                business_unit: None,
            },
        }
    }

    #[test]
    fn only_active_posted_invoices_from_the_start_date_are_eligible() {
        let start = NaiveDate::from_ymd_opt(2026, 3, 10);
        let posted = InvoiceStatus::Posted;
        assert_eq!(
            invoice_eligibility(&rec("Posted", posted, 10), start, false),
            Eligibility::Sync
        );
        let skip = |r, pending| {
            matches!(
                invoice_eligibility(&r, start, pending),
                Eligibility::Skip(_)
            )
        };
        assert!(skip(rec("Posted", posted, 9), false));
        assert!(skip(rec("Posted", InvoiceStatus::Voided, 12), false));
        assert!(skip(rec("Exported", posted, 12), true));
        assert!(skip(rec("Pending", InvoiceStatus::Draft, 12), false));
        assert!(!skip(rec("Pending", InvoiceStatus::Draft, 12), true));
    }
}
