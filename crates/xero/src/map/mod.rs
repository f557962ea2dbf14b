//! Canonical records <-> Xero's shapes.
//!
//! Pure functions: the caller passes the ids the ledger knows (the Xero contact of a customer,
//! the `LineItemID` of each ServiceTitan line) and the value mappings (items, GL accounts, tax
//! types, business units, payment accounts), and gets Xero elements ready to batch, or the
//! reason a record cannot be written (a value to map, or something Xero cannot express).
//!
//! The money rule: ServiceTitan's amounts are the truth. Line amounts are sent so that Xero's
//! `Quantity x UnitAmount` reproduces them to the cent ([`fit_line`]), and ServiceTitan's
//! invoice-level tax is spread over the taxable lines as line `TaxAmount`s by largest
//! remainder, so Xero's `TotalTax` and `Total` equal ServiceTitan's exactly.

mod contact;
mod invoice;
mod payment;
mod read;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use ledgerbridge_core::{AllocationError, MoneyError};

pub use contact::{contact_number, contact_to_xero, disambiguated_name};
pub use invoice::{
    CreditNoteTarget, InvoiceTarget, credit_note_to_xero, fit_line, invoice_to_xero,
};
pub use payment::{MappedPayment, payment_to_xero};
pub use read::{contact_from_xero, invoice_from_xero, payment_from_xero, status_from_xero};

/// The value mappings of one tenant (the ledger's `mappings` table, by kind), ServiceTitan
/// value -> Xero value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mappings {
    /// ServiceTitan sku -> Xero `ItemCode`. An unmapped sku is sent without an item code (the
    /// account code carries the revenue).
    pub items: HashMap<String, String>,
    /// ServiceTitan GL account -> Xero `AccountCode`.
    pub gl_accounts: HashMap<String, String>,
    /// The revenue account for lines whose GL account is not mapped; `None` makes an
    /// unmapped GL account an error.
    pub default_account: Option<String>,
    /// ServiceTitan tax code / zone -> Xero `TaxType`.
    pub tax_types: HashMap<String, String>,
    /// `TaxType` of a taxable line whose tax code is not mapped.
    pub taxable_tax_type: Option<String>,
    /// `TaxType` of a non-taxable line (`NONE`).
    pub exempt_tax_type: String,
    /// The tracking category business units go to ("Business Unit"); `None` sends no tracking.
    pub tracking_category: Option<String>,
    /// ServiceTitan business unit -> tracking option name.
    pub business_units: HashMap<String, String>,
    /// ServiceTitan payment type -> deposit account code.
    pub payment_accounts: HashMap<String, String>,
}

impl Mappings {
    /// Mappings with `NONE` as the exempt tax type and nothing else.
    pub fn new() -> Self {
        Self {
            exempt_tax_type: "NONE".to_owned(),
            ..Self::default()
        }
    }

    /// The ServiceTitan value a Xero value came from (for reading back), if one maps to it.
    pub(crate) fn reverse<'a>(map: &'a HashMap<String, String>, xero: &str) -> Option<&'a str> {
        let mut sources: Vec<&String> = map
            .iter()
            .filter(|(_, target)| target.eq_ignore_ascii_case(xero))
            .map(|(source, _)| source)
            .collect();
        // Several sources may share a target; the smallest is a stable choice.
        sources.sort();
        sources.first().map(|s| s.as_str())
    }
}

/// Why a record cannot be written to (or read from) Xero, grouped by what fixes it.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// A ServiceTitan value has no Xero counterpart yet: add a mapping
    /// (`ledgerbridge mappings set …`), then sync again.
    #[error("no Xero {kind} is mapped for ServiceTitan {kind} {value:?}")]
    NeedsMapping {
        /// `gl_account`, `business_unit`, `payment_type`, `tax_type`.
        kind: &'static str,
        /// The ServiceTitan value.
        value: String,
    },
    /// The record cannot be expressed in Xero as it stands (tax with no taxable line, a
    /// refund, lines that do not add up); a person must look at it.
    #[error("cannot be written to Xero: {reason}")]
    Unsupported {
        /// What is wrong, without customer data.
        reason: String,
    },
    /// A text is longer than Xero takes for its field (named with the limit and the length).
    #[error("{0}")]
    TooLong(#[from] ledgerbridge_core::limits::TooLong),
    /// An amount could not be split or represented.
    #[error("amount arithmetic failed")]
    Money(#[from] MoneyArithmetic),
}

/// The money errors a mapping can meet.
#[derive(Debug, thiserror::Error)]
pub enum MoneyArithmetic {
    /// A `Money` was refused (mixed currencies, out of range).
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// The tax could not be allocated.
    #[error(transparent)]
    Allocation(#[from] AllocationError),
}

impl From<MoneyError> for MapError {
    fn from(e: MoneyError) -> Self {
        Self::Money(e.into())
    }
}

impl From<AllocationError> for MapError {
    fn from(e: AllocationError) -> Self {
        Self::Money(e.into())
    }
}

pub(crate) fn unsupported(reason: impl Into<String>) -> MapError {
    MapError::Unsupported {
        reason: reason.into(),
    }
}

/// The first `max_chars` characters: only for making room for a disambiguating suffix, never
/// for a value itself (a value too long for Xero blocks its record, see
/// `ledgerbridge_core::limits`).
pub(crate) fn clip(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
