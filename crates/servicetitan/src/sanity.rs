//! Checks that a ServiceTitan record means what the bridge would write: a status word it
//! knows, amounts that add up. A record failing one is quarantined with the reason (its raw
//! payload kept), never mapped to a default and never written, whether or not it is linked
//! yet: a linked invoice whose `syncStatus` turned into a word the bridge does not know must
//! not become a draft in the books, and a total that disagrees with its own lines must not be
//! sent as an update.
//!
//! A negative total is not refused as such: a credit (a "Warranty Credit" larger than the
//! visit) and an adjustment invoice that takes something back (`adjustmentToId`) are negative
//! and written as credit notes. Such a total always adds up from its lines and tax; one that
//! does not (the "-500.00" over positive lines) is refused by the sum check, whatever
//! its sign.

use ledgerbridge_core::{Discrepancy, Invoice, Payment};

/// ServiceTitan's `syncStatus` words (api/servicetitan.md: the `TransactionStatus` enum,
/// `Pending | Posted | Exported`, for invoices and payments alike).
pub(crate) const SYNC_STATUSES: [&str; 3] = ["Pending", "Posted", "Exported"];

/// `ok` when `status` is one of [`SYNC_STATUSES`] (in any case, as they are compared
/// elsewhere), else why not. `required`: whether a missing word is refused too (an invoice's
/// status is mapped from it; a payment only checks it for `Exported`).
pub(crate) fn sync_status(status: Option<&str>, required: bool) -> Result<(), String> {
    match status {
        Some(s)
            if SYNC_STATUSES
                .iter()
                .any(|k| k.eq_ignore_ascii_case(s.trim())) =>
        {
            Ok(())
        }
        Some(s) => Err(format!(
            "syncStatus {s:?} is not one the bridge knows ({})",
            SYNC_STATUSES.join(", ")
        )),
        None if required => Err(format!(
            "syncStatus is missing (expected one of {})",
            SYNC_STATUSES.join(", ")
        )),
        None => Ok(()),
    }
}

/// ServiceTitan's customer `type` words (api/servicetitan.md: a string enum
/// `Residential | Commercial`). A non-string value (the spec's examples render it as `{}`)
/// or none is taken as residential, as before; an unknown word is refused.
pub(crate) fn customer_type(kind: Option<&serde_json::Value>) -> Result<(), String> {
    match kind.and_then(serde_json::Value::as_str) {
        Some(k)
            if ["Residential", "Commercial"]
                .iter()
                .any(|w| w.eq_ignore_ascii_case(k.trim())) =>
        {
            Ok(())
        }
        Some(k) => Err(format!(
            "type {k:?} is not one the bridge knows (Residential, Commercial)"
        )),
        None => Ok(()),
    }
}

/// `ok` when the invoice's lines sum to its subtotal and subtotal + tax is its total, else
/// what does not add up. ServiceTitan's figures are taken as stated (never recomputed), so a
/// record whose own figures disagree has no true total to write.
pub(crate) fn invoice_adds_up(invoice: &Invoice) -> Result<(), String> {
    stated_amounts(invoice.check(), |d| {
        matches!(d, Discrepancy::Subtotal { .. } | Discrepancy::Total { .. })
    })
}

/// `ok` when the payment's applications plus its unapplied amount are its total, else what
/// does not add up (a negative payment, a refund, is fine when it adds up).
pub(crate) fn payment_adds_up(payment: &Payment) -> Result<(), String> {
    stated_amounts(payment.check(), |d| {
        matches!(d, Discrepancy::PaymentSplit { .. })
    })
}

fn stated_amounts(
    found: Vec<Discrepancy>,
    counts: impl Fn(&Discrepancy) -> bool,
) -> Result<(), String> {
    let wrong: Vec<String> = found
        .iter()
        .filter(|d| counts(d))
        .map(ToString::to_string)
        .collect();
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("amounts do not add up: {}", wrong.join("; ")))
    }
}
