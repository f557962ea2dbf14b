//! The rules of invoice and credit-note writes: field readers, number uniqueness, the status
//! machine and what may change on a document with money applied.

use chrono::NaiveDate;
use uuid::Uuid;

use super::doc_write::ContactRef;
use crate::books::{Books, DocKind, Document, LineAmountTypes};
use crate::wire::Json;
use crate::wire::dates::parse_date;

pub(crate) fn read_date(input: &Json, key: &str, errors: &mut Vec<String>) -> Option<NaiveDate> {
    let text = input.str_of(key)?;
    let date = parse_date(text);
    if date.is_none() {
        errors.push(format!("{key} '{text}' is not a valid date."));
    }
    date
}

pub(crate) fn read_types(input: &Json, errors: &mut Vec<String>) -> Option<LineAmountTypes> {
    let text = input.str_of("LineAmountTypes")?;
    let types = LineAmountTypes::parse(text);
    if types.is_none() {
        errors.push(format!(
            "LineAmountTypes '{text}' is not valid: use Exclusive, Inclusive or NoTax."
        ));
    }
    types
}

pub(crate) fn number_taken(
    books: &Books,
    kind: DocKind,
    type_code: &str,
    number: &str,
    except: Option<Uuid>,
) -> bool {
    (type_code == "ACCREC" || type_code == "ACCRECCREDIT")
        && books.docs(kind).iter().any(|d| {
            d.kind == type_code
                && d.number == number
                && d.status != "DELETED"
                && Some(d.id) != except
        })
}

pub(crate) fn unique_message(kind: DocKind) -> String {
    match kind {
        DocKind::Invoice => "Invoice # must be unique.".into(),
        DocKind::CreditNote => "Credit Note # must be unique.".into(),
    }
}

/// Whether moving from `from` to `to` is a legal status change.
pub(crate) fn transition_ok(from: &str, to: &str, money_applied: bool) -> Result<(), String> {
    let ok = match from {
        "DRAFT" => ["DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"].contains(&to),
        "SUBMITTED" => ["SUBMITTED", "AUTHORISED", "DRAFT", "DELETED"].contains(&to),
        "AUTHORISED" => to == "AUTHORISED" || (to == "VOIDED" && !money_applied),
        "PAID" => to == "PAID" || to == "AUTHORISED",
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(match (from, to) {
        ("AUTHORISED" | "PAID", "VOIDED") => {
            "This document cannot be voided as it has a payment or credit note allocated to it. Remove the payments first.".into()
        }
        ("AUTHORISED" | "PAID", "DELETED") => "An AUTHORISED document cannot be DELETED: VOID it instead.".into(),
        _ => format!("The status cannot be changed from {from} to {to}."),
    })
}

/// On a part- or fully-paid document only Reference, DueDate, the number, Contact (unless a
/// credit note is allocated), Url and line Description/AccountCode/Tracking may change; a payable
/// document may not change at all.
pub(crate) fn paid_change(old: &Document, new: &Document, contact: Option<&ContactRef>) -> bool {
    let contact_changed = match contact {
        Some(ContactRef::Existing(id)) => *id != old.contact_id,
        Some(ContactRef::New(_)) => true,
        None => false,
    };
    if !old.is_receivable() {
        let same_lines = old.lines == new.lines;
        return !same_lines
            || contact_changed
            || old.reference != new.reference
            || old.due_date != new.due_date
            || old.number != new.number
            || old.date != new.date;
    }
    if contact_changed && !old.amount_credited.is_zero() {
        return true;
    }
    if old.date != new.date
        || old.line_amount_types != new.line_amount_types
        || old.currency != new.currency
        || old.currency_rate != new.currency_rate
        || old.status != new.status
        || old.lines.len() != new.lines.len()
    {
        return true;
    }
    old.lines.iter().any(|o| {
        new.lines.iter().find(|n| n.id == o.id).is_none_or(|n| {
            n.quantity != o.quantity
                || n.unit_amount != o.unit_amount
                || n.item_code != o.item_code
                || n.tax_type != o.tax_type
                || n.tax_amount != o.tax_amount
                || n.line_amount != o.line_amount
                || n.discount_rate != o.discount_rate
        })
    })
}
