//! Payments recorded in the books that flow back to ServiceTitan: what the adapters read
//! ([`BooksPayment`]), the stable id the ServiceTitan payment carries, and the payments parked
//! until someone acts (an unmapped payment method, an invoice not linked yet).
//!
//! Design decisions:
//!
//! * **The adapter knows no links.** A [`BooksPayment`]'s allocations and customer are keyed
//!   by accounting ids (`acct:`); the engine translates them through the ledger's links
//!   (a linked invoice becomes `st:<id>`) when it plans, so a parked payment is translated
//!   again with the links of the run that retries it.
//! * **The payment method key.** The reverse payment-type mapping
//!   (`MappingKind::PaymentTypeReverse`) maps, for QuickBooks, the **PaymentMethod name**
//!   (`Check`, `Visa`; resolved from its id when the reference carries no name; a payment
//!   without a method is `(no payment method)`), and for Xero, which has no payment
//!   methods, the **code of the account the payment was deposited to** (`090`). The mapping
//!   target is a ServiceTitan payment type name (or its numeric id).
//! * **A stable id on the ServiceTitan side.** The payment created in ServiceTitan carries
//!   `exportId` = [`export_id`] (`qbo:<Id>`, `xero:<PaymentID>`) and the same id in
//!   brackets at the end of its memo: the payment list does not return `exportId`, so an
//!   unknown outcome is settled by listing the invoice's payments and finding the memo.
//! * **Parked beside the cursor.** A payment that cannot be brought over yet is kept in a
//!   cursor row of its own, written in the transaction that moves the payment cursor, and
//!   retried every run (like ServiceTitan records, see [`crate::parked`]).

use std::collections::BTreeMap;

use ledgerbridge_core::System;
use ledgerbridge_ledger::{CursorKey, Ledger, LedgerError, LedgerTx, MappingKind, RunId};
use serde::{Deserialize, Serialize};

use crate::mapping::{MappingSet, Unmapped};
use ledgerbridge_protocol::BooksPayment;

/// The stable id of an accounting payment: the ServiceTitan payment's `exportId`.
pub fn export_id(system: System, id: &str) -> String {
    let prefix = match system {
        System::QuickBooks => "qbo",
        System::Xero => "xero",
        System::ServiceTitan => "st",
    };
    format!("{prefix}:{id}")
}

/// The memo of the ServiceTitan payment: says where it came from and ends with the stable id.
pub fn memo_for(system: System, export_id: &str) -> String {
    let books = match system {
        System::Xero => "Xero",
        _ => "QuickBooks",
    };
    format!("Recorded in {books} [{export_id}]")
}

/// Whether a ServiceTitan payment's memo names `export_id` (see [`memo_for`]).
pub fn memo_names(memo: Option<&str>, export_id: &str) -> bool {
    memo.is_some_and(|m| m.trim_end().ends_with(&format!("[{export_id}]")))
}

/// A payment waiting in the ledger for the next run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParkedBooksPayment {
    /// Why it waits.
    pub reason: String,
    /// The payment as last read.
    pub payment: BooksPayment,
}

/// Parked payments by accounting id.
pub type ParkedBooks = BTreeMap<String, ParkedBooksPayment>;

/// The cursor of the payment pull of one tenant's accounting company.
pub fn cursor_key(tenant: &str, system: System, company: &str) -> CursorKey {
    CursorKey::new(tenant, system, format!("books/{company}/payments"))
}

fn parked_key(tenant: &str, system: System, company: &str) -> CursorKey {
    CursorKey::new(
        tenant,
        system,
        format!("reconcile/parked/books/{company}/payments"),
    )
}

fn corrupt(e: &serde_json::Error) -> LedgerError {
    LedgerError::Corrupt {
        what: "parked payments from the books",
        detail: e.to_string(),
    }
}

/// The parked payments of a tenant's company (empty when none were ever parked).
pub async fn load_parked(
    ledger: &Ledger,
    tenant: &str,
    system: System,
    company: &str,
) -> Result<ParkedBooks, LedgerError> {
    match ledger
        .cursors()
        .get(&parked_key(tenant, system, company))
        .await?
    {
        Some(c) => serde_json::from_str(&c.value).map_err(|e| corrupt(&e)),
        None => Ok(ParkedBooks::new()),
    }
}

/// When the parked payments of a tenant's company were last saved (`None`: never).
pub async fn parked_saved_at(
    ledger: &Ledger,
    tenant: &str,
    system: System,
    company: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, LedgerError> {
    let cursor = ledger
        .cursors()
        .get(&parked_key(tenant, system, company))
        .await?;
    Ok(cursor.map(|c| c.updated_at))
}

/// Writes the parked payments inside `tx` (with the payment cursor they go with).
pub async fn save_parked(
    tx: &mut LedgerTx,
    (tenant, system, company): (&str, System, &str),
    parked: &ParkedBooks,
    run: Option<RunId>,
) -> Result<(), LedgerError> {
    let text = serde_json::to_string(parked).map_err(|e| corrupt(&e))?;
    tx.advance_cursor(&parked_key(tenant, system, company), &text, run)
        .await
}

/// The unmapped payment methods of the parked payments, one entry per payment: what
/// `ledgerbridge mappings unmapped` adds to the ServiceTitan values.
pub async fn parked_unmapped(
    ledger: &Ledger,
    tenant: &str,
    system: System,
    set: &MappingSet,
) -> Result<Vec<Unmapped>, LedgerError> {
    let mut out = Vec::new();
    for company in companies(ledger, tenant, system).await? {
        for p in load_parked(ledger, tenant, system, &company)
            .await?
            .values()
        {
            if let Err(u) = set.payment_type_reverse(&p.payment.method) {
                out.push(u);
            }
        }
    }
    Ok(out)
}

/// The companies of `system` the tenant has parked payments for.
async fn companies(
    ledger: &Ledger,
    tenant: &str,
    system: System,
) -> Result<Vec<String>, LedgerError> {
    let rows = ledger.cursors().list(Some(tenant)).await?;
    Ok(rows
        .into_iter()
        .filter(|c| c.key.system == system)
        .filter_map(|c| {
            c.key
                .feed
                .strip_prefix("reconcile/parked/books/")
                .and_then(|rest| rest.strip_suffix("/payments"))
                .map(str::to_owned)
        })
        .collect())
}

/// The reason of a payment blocked by its payment method.
pub fn unmapped_method_reason(method: &str) -> String {
    let u = Unmapped {
        kind: MappingKind::PaymentTypeReverse,
        value: method.to_owned(),
    };
    crate::mapping::blocked_reason(&[u])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memo_names_its_payment_and_no_other() {
        let id = export_id(System::QuickBooks, "88");
        assert_eq!(id, "qbo:88");
        let memo = memo_for(System::QuickBooks, &id);
        assert!(memo_names(Some(&memo), "qbo:88"));
        assert!(!memo_names(Some(&memo), "qbo:8"));
        assert!(!memo_names(
            Some("Recorded in QuickBooks [qbo:881]"),
            "qbo:88"
        ));
        assert!(!memo_names(None, "qbo:88"));
        assert_eq!(export_id(System::Xero, "a-b"), "xero:a-b");
    }

    #[test]
    fn an_unmapped_method_names_the_mapping_kind() {
        let reason = unmapped_method_reason("Visa");
        assert!(
            reason.starts_with("unmapped accounting payment method \"Visa\""),
            "{reason}"
        );
    }
}
