//! What the engine reads from an accounting system: customers to match, invoices to link
//! and verify, and the lists mapping choices come from.

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_core::{Customer, Invoice, InvoiceStatus};
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

/// An invoice as the books hold it now, in canonical form, for the two-way merge.
///
/// The adapter knows no links: its lines are keyed `acct:{line id}` (QuickBooks `Line.Id`,
/// Xero `LineItemID`) and its customer `acct:{customer id}`. The engine translates the lines
/// through the ledger's line links (`st:{item id}` for a line the bridge wrote; `acct:` stays
/// for a line an accountant added) before comparing it with the base snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct BooksInvoice {
    /// Its id.
    pub id: String,
    /// Its version (QuickBooks SyncToken, Xero UpdatedDateUTC), as snapshots store it.
    pub version: Option<String>,
    /// When it was last modified (QuickBooks `MetaData.LastUpdatedTime`, Xero
    /// `UpdatedDateUTC`), for `newest_wins`.
    pub updated: Option<DateTime<Utc>>,
    /// The invoice.
    pub invoice: Invoice,
}

/// Invoices changed in the books since a cursor, and the cursor to store once they are
/// handled.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BooksChanges {
    /// The changed invoices (credit notes excluded).
    pub invoices: Vec<BooksInvoice>,
    /// Records that could not be read into the canonical form: (id, reason).
    pub unreadable: Vec<(String, String)>,
    /// The newest modification time delivered (or the cursor given).
    pub cursor: Option<DateTime<Utc>>,
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
