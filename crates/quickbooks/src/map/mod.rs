//! The canonical model to QuickBooks bodies ([`write`]) and back ([`read`]).
//!
//! Pure functions: everything they need (links resolved to QuickBooks ids, value mappings,
//! stored line ids) is passed in, so the mapping is tested without HTTP. A record that cannot
//! be written as the bookkeeper would expect (an unmapped item, a number too long for
//! `DocNumber`) is refused with a [`MapError`] that names what to fix; nothing is guessed.

pub mod read;
#[cfg(test)]
mod tests;
pub mod write;

use std::collections::HashMap;

/// Value mappings for one tenant's QuickBooks company (the ledger's mappings table, by kind).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mappings {
    /// ServiceTitan item / SKU code -> QuickBooks Item id.
    pub items: HashMap<String, String>,
    /// Item for lines whose code is not mapped; `None` refuses such lines.
    pub default_item: Option<String>,
    /// ServiceTitan business unit -> QuickBooks Class id. Empty: classes are not used.
    pub classes: HashMap<String, String>,
    /// ServiceTitan tax key (a tax line's key, `st:11`, or its name) -> QuickBooks TaxCode id
    /// for `TxnTaxDetail.TxnTaxCodeRef` (US) or the lines' `TaxCodeRef` (elsewhere).
    pub tax_codes: HashMap<String, String>,
    /// Tax code when none of an invoice's tax keys is mapped.
    pub default_tax_code: Option<String>,
    /// ServiceTitan payment type -> where the money goes and how it was paid.
    pub payment_types: HashMap<String, PaymentTarget>,
    /// The Item a refund receipt's single line uses (QuickBooks refunds are sales forms).
    pub refund_item: Option<String>,
    /// US sales tax model: lines carry `TAX`/`NON`, the transaction one tax code. `false`:
    /// every line carries a real tax code (non-US companies).
    pub us_tax: bool,
}

/// Where a payment type's money goes in QuickBooks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentTarget {
    /// `DepositToAccountRef`: Undeposited Funds or a bank account.
    pub deposit_account: String,
    /// `PaymentMethodRef`, when mapped.
    pub payment_method: Option<String>,
}

/// Why a record cannot be written. Each names what the user fixes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// A value has no mapping (`ledgerbridge mappings set …`).
    #[error("no QuickBooks {kind} is mapped for {value:?}")]
    MissingMapping {
        /// Which mapping (`item`, `class`, `payment type`, `tax code`).
        kind: &'static str,
        /// The unmapped ServiceTitan value.
        value: String,
    },
    /// A referenced record is not linked yet (sync it first).
    #[error("{what} is not linked to QuickBooks yet")]
    NotLinked {
        /// What is missing (`customer`, `invoice st:1679`).
        what: String,
    },
    /// A value is longer than QuickBooks allows.
    #[error("{field} is {len} characters; QuickBooks allows {max}")]
    TooLong {
        /// The QuickBooks field.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The record cannot be expressed in QuickBooks as it is.
    #[error("{0}")]
    Unsupported(String),
}

/// The display name a ServiceTitan customer gets when its plain name is taken in QuickBooks
/// (Fault 6240): readable, unique by the ServiceTitan id, and recognisable on the way back
/// ([`read::canonical_display_name`]). The link lives in the ledger, never in a name match.
pub fn disambiguated_name(name: &str, servicetitan_id: i64) -> String {
    let suffix = format!(" (ST {servicetitan_id})");
    // Keep the suffix whole within DisplayName's room (`ledgerbridge_core::limits`); the
    // plain name was checked against the same room before, so only a name within a few
    // characters of it loses its end here.
    let max = ledgerbridge_core::limits::of(
        ledgerbridge_core::System::QuickBooks,
        "customer.display_name",
    )
    .map_or(usize::MAX, |l| l.max);
    let room = max.saturating_sub(suffix.chars().count());
    let base: String = name.trim().chars().take(room).collect();
    format!("{base}{suffix}")
}
