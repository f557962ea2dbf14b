//! What the engine reads from an accounting system: customers to match, invoices to link
//! and verify, the books' own edits and payments, and the lists mapping choices come from.
//!
//! The adapter knows no links: records read from the books are keyed by accounting ids
//! (`acct:`); the engine translates them through the ledger's links when it plans.
//!
//! The payment method key of a [`BooksPayment`]: for QuickBooks the **PaymentMethod name**
//! (`Check`, `Visa`; resolved from its id when the reference carries no name; a payment
//! without a method is `(no payment method)`), for Xero, which has no payment methods, the
//! **code of the account the payment was deposited to** (`090`).

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_core::{Customer, Invoice, InvoiceStatus, Payment};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

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

/// A payment as the books hold it, in canonical form keyed by accounting ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BooksPayment {
    /// Its id (QuickBooks `Payment.Id`, Xero `PaymentID`).
    pub id: String,
    /// Its version (QuickBooks SyncToken, Xero UpdatedDateUTC).
    pub version: Option<String>,
    /// When it last changed.
    pub updated: Option<DateTime<Utc>>,
    /// The source value of the reverse payment-type mapping (see the module docs).
    pub method: String,
    /// The payment: allocations `acct:<invoice id>`, customer `acct:<customer id>`;
    /// `status` is `Voided` for a voided (QuickBooks) or deleted (Xero) payment.
    pub payment: Payment,
}

/// A record of the books that could not be read into a [`BooksPayment`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BooksQuarantined {
    /// Its id, when even that could be read.
    pub id: Option<String>,
    /// Why (may quote a value: for the quarantine table, never a log line).
    pub reason: String,
    /// What the books sent.
    pub raw: String,
}

/// Payments changed in the books since a cursor, and the cursor to store once they are
/// handled.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BooksPayments {
    /// Customer payments (refunds, supplier payments and payments of credit notes left out).
    pub payments: Vec<BooksPayment>,
    /// Records that could not be read.
    pub quarantined: Vec<BooksQuarantined>,
    /// The newest modification time delivered (or the cursor given).
    pub cursor: Option<DateTime<Utc>>,
}
