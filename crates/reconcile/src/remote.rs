//! What the engine reads from an accounting system: customers to match, invoices to link
//! and verify, and the lists mapping choices come from.

use chrono::NaiveDate;
use ledgerbridge_core::{Customer, InvoiceStatus};
use rust_decimal::Decimal;
use serde::Serialize;

/// An accounting customer, for matching.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteCustomer {
    /// Its id.
    pub id: String,
    /// Its version.
    pub version: Option<String>,
    /// The ServiceTitan customer id the bridge stamped on it when it created it (QuickBooks
    /// notes, Xero `ContactNumber`), if any.
    pub servicetitan_id: Option<i64>,
    /// The customer in canonical form (its display name as the remote shows it).
    pub customer: Customer,
}

/// An accounting invoice, for linking pre-existing records and verifying writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteInvoice {
    /// Its id.
    pub id: String,
    /// Its version.
    pub version: Option<String>,
    /// Its number.
    pub number: String,
    /// Its customer's id.
    pub customer_id: String,
    /// Its date.
    pub date: Option<NaiveDate>,
    /// Its total.
    pub total: Decimal,
    /// Its tax.
    pub tax: Decimal,
    /// What is still owed.
    pub balance: Decimal,
    /// Draft, posted or voided.
    pub status: InvoiceStatus,
}

/// One choice a mapping can point at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// The value a mapping stores (id or code).
    pub value: String,
    /// Its name.
    pub label: String,
}

/// The target's lists mapping choices come from, per mapping kind.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReferenceChoices {
    /// Items (QuickBooks items also stand for GL accounts).
    pub items: Vec<Choice>,
    /// Revenue accounts (Xero account codes; QuickBooks lines take items instead).
    pub accounts: Vec<Choice>,
    /// Classes / tracking options.
    pub business_units: Vec<Choice>,
    /// Tax codes / tax types.
    pub tax_codes: Vec<Choice>,
    /// Deposit accounts.
    pub payment_types: Vec<Choice>,
    /// Payment methods (QuickBooks; a payment type maps to `ACCOUNT/METHOD`).
    pub payment_methods: Vec<Choice>,
}
