//! Xero's edit rules, checked before a write so a refusal is reported once with a clear
//! reason instead of being sent (and spent from the day's budget) on every run.
//!
//! From the API facts §4: a paid or part-paid ACCREC invoice may change only its Reference,
//! DueDate, InvoiceNumber, Contact, Url and its lines' Description, AccountCode and Tracking;
//! nothing dated in a locked period may change; DRAFT/SUBMITTED documents are DELETED,
//! AUTHORISED ones without payments are VOIDED, and one with payments cannot be voided until
//! they are removed.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::wire::invoice::{Invoice, LineItem};

/// Why a write is not even attempted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Blocked {
    /// The date is on or before the organisation's lock date.
    #[error(
        "dated {date}, on or before the Xero lock date {lock_date}: reopen the period in Xero or move the date"
    )]
    PeriodLocked {
        /// The document's date.
        date: NaiveDate,
        /// The organisation's lock date.
        lock_date: NaiveDate,
    },
    /// The invoice has payments or credit applied, which freezes these fields.
    #[error(
        "the Xero invoice has payments or credit applied, so Xero refuses changes to {}; remove the payments in Xero first, or leave it",
        .fields.join(", ")
    )]
    PaidDocument {
        /// What the update would have changed.
        fields: Vec<&'static str>,
    },
}

/// What voiding an invoice means for its current state in Xero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusChange {
    /// Send this element (`{"InvoiceID", "Status": "VOIDED" | "DELETED"}`) in an update batch.
    Send(Box<Invoice>),
    /// Already voided or deleted: nothing to do.
    AlreadyDone,
    /// Payments are applied: Xero refuses to void it until they are removed.
    Blocked(Blocked),
}

/// Refuses a write dated on or before the organisation's lock date.
pub fn check_lock_date(date: NaiveDate, lock_date: Option<NaiveDate>) -> Result<(), Blocked> {
    match lock_date {
        Some(lock_date) if date <= lock_date => Err(Blocked::PeriodLocked { date, lock_date }),
        _ => Ok(()),
    }
}

fn has_payments(invoice: &Invoice) -> bool {
    let positive = |d: Option<Decimal>| d.is_some_and(|d| d > Decimal::ZERO);
    positive(invoice.amount_paid)
        || positive(invoice.amount_credited)
        || invoice
            .status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("PAID"))
}

/// The element that voids (or deletes) `current` as Xero allows, or why none is needed or
/// possible.
pub fn status_change(current: &Invoice) -> StatusChange {
    let status = current
        .status
        .as_deref()
        .unwrap_or("DRAFT")
        .to_ascii_uppercase();
    let target = match status.as_str() {
        "VOIDED" | "DELETED" => return StatusChange::AlreadyDone,
        "DRAFT" | "SUBMITTED" => "DELETED",
        _ if has_payments(current) => {
            return StatusChange::Blocked(Blocked::PaidDocument {
                fields: vec!["Status"],
            });
        }
        _ => "VOIDED",
    };
    StatusChange::Send(Box::new(Invoice {
        invoice_id: current.invoice_id.clone(),
        status: Some(target.to_owned()),
        ..Invoice::default()
    }))
}

/// Checks an update against the paid-invoice rule: `Ok` when `current` has no payments or the
/// update only touches what Xero still allows; otherwise the frozen fields it would change.
pub fn check_paid_edit(current: &Invoice, update: &Invoice) -> Result<(), Blocked> {
    if !has_payments(current) {
        return Ok(());
    }
    let mut fields = Vec::new();
    let changed = |new: &Option<String>, old: &Option<String>| new.is_some() && new != old;
    if update.date.is_some() && update.date != current.date {
        fields.push("Date");
    }
    if changed(&update.currency_code, &current.currency_code) {
        fields.push("CurrencyCode");
    }
    if changed(&update.line_amount_types, &current.line_amount_types) {
        fields.push("LineAmountTypes");
    }
    if let Some(status) = &update.status
        && !status.eq_ignore_ascii_case("AUTHORISED")
        && current.status.as_deref() != Some(status.as_str())
    {
        fields.push("Status");
    }
    if let Some(lines) = &update.line_items {
        let old = current.line_items.as_deref().unwrap_or_default();
        if lines_change_amounts(lines, old) {
            fields.push("LineItems (amounts, quantities, items or tax)");
        }
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(Blocked::PaidDocument { fields })
    }
}

/// Whether `new` adds, removes or changes the money side of any line (matched by
/// `LineItemID`); descriptions, accounts and tracking may still change.
fn lines_change_amounts(new: &[LineItem], old: &[LineItem]) -> bool {
    if new.len() != old.len() {
        return true;
    }
    let same =
        |a: Option<Decimal>, b: Option<Decimal>| a.unwrap_or_default() == b.unwrap_or_default();
    new.iter().any(|line| {
        let Some(before) = old
            .iter()
            .find(|o| o.line_item_id.is_some() && o.line_item_id == line.line_item_id)
        else {
            return true;
        };
        !same(line.quantity, before.quantity)
            || !same(line.unit_amount, before.unit_amount)
            || !same(line.line_amount, before.line_amount)
            || !same(line.tax_amount, before.tax_amount)
            || line.item_code != before.item_code
            || line.tax_type != before.tax_type
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn invoice(status: &str, paid: Decimal) -> Invoice {
        Invoice {
            invoice_id: Some("i-1".into()),
            status: Some(status.into()),
            amount_paid: Some(paid),
            date: NaiveDate::from_ymd_opt(2026, 10, 10),
            line_items: Some(vec![LineItem {
                line_item_id: Some("l-1".into()),
                description: Some("Service".into()),
                quantity: Some(dec!(1)),
                unit_amount: Some(dec!(100)),
                line_amount: Some(dec!(100)),
                tax_amount: Some(dec!(0)),
                ..LineItem::default()
            }]),
            ..Invoice::default()
        }
    }

    #[test]
    fn voids_and_deletes_follow_the_status() {
        let body = |c: StatusChange| match c {
            StatusChange::Send(i) => i.status.unwrap(),
            other => panic!("{other:?}"),
        };
        assert_eq!(body(status_change(&invoice("DRAFT", dec!(0)))), "DELETED");
        assert_eq!(
            body(status_change(&invoice("SUBMITTED", dec!(0)))),
            "DELETED"
        );
        assert_eq!(
            body(status_change(&invoice("AUTHORISED", dec!(0)))),
            "VOIDED"
        );
        assert!(matches!(
            status_change(&invoice("AUTHORISED", dec!(10))),
            StatusChange::Blocked(Blocked::PaidDocument { .. })
        ));
        assert!(matches!(
            status_change(&invoice("PAID", dec!(100))),
            StatusChange::Blocked(_)
        ));
        assert_eq!(
            status_change(&invoice("VOIDED", dec!(0))),
            StatusChange::AlreadyDone
        );
    }

    #[test]
    fn paid_invoices_allow_descriptions_but_not_amounts() {
        let current = invoice("AUTHORISED", dec!(40));
        let mut update = current.clone();
        update.line_items.as_mut().unwrap()[0].description = Some("Service, revised".into());
        update.reference = Some("new ref".into());
        assert_eq!(check_paid_edit(&current, &update), Ok(()));
        update.line_items.as_mut().unwrap()[0].quantity = Some(dec!(2));
        let blocked = check_paid_edit(&current, &update).unwrap_err();
        assert!(blocked.to_string().contains("LineItems"), "{blocked}");
        let unpaid = invoice("AUTHORISED", dec!(0));
        assert_eq!(check_paid_edit(&unpaid, &update), Ok(()));
    }

    #[test]
    fn the_lock_date_blocks_its_own_day_and_before() {
        let lock = NaiveDate::from_ymd_opt(2026, 9, 30);
        let day = |d| NaiveDate::from_ymd_opt(2026, 9, d).unwrap();
        assert!(check_lock_date(day(30), lock).is_err());
        assert!(check_lock_date(day(29), lock).is_err());
        assert!(check_lock_date(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(), lock).is_ok());
        assert!(check_lock_date(day(1), None).is_ok());
    }
}
