//! [`Target`]: what the engine needs from an accounting system (the books side), shaped by the
//! engine's own steps (match, plan, apply, recover, verify) rather than by either API.
//!
//! Design decisions:
//!
//! * **Writes are self-contained values.** A [`Write`] carries the canonical record, the
//!   accounting ids it refers to (linked customer, invoices, line ids, version) and the mapping
//!   choices already resolved by the engine ([`InvoiceRefs`], [`PaymentRefs`]). It is stored as
//!   the outbox operation's payload, so a replay after a crash rebuilds exactly the same
//!   request without consulting mappings that may have changed since.
//! * **Two-phase writes.** [`Target::prepare`] encodes writes of one [`WriteKind`]
//!   into one [`EncodedRequest`] (method, path, exact body); the engine commits the operation
//!   rows and the request row, then [`Target::send`] sends those bytes under the
//!   request's idempotency key. [`Target::recover`] resolves a request whose outcome
//!   is unknown: replay the same key and bytes, then look records up, never a blind create.
//! * **Outcomes per write, by position.** Whatever the remote's batch shape (QuickBooks `bId`s,
//!   Xero arrays, one canonical payment as several Xero payments), the adapter answers one
//!   [`WriteOutcome`] per [`Write`], in order.
//! * **Static dispatch.** Methods return `impl Future + Send`; the engine is generic over its
//!   target, and the binary's `AnyTarget` is the enum over the adapters for callers that pick
//!   the target at run time.

use std::future::Future;
use std::time::Duration;

use chrono::NaiveDate;
use ledgerbridge_connector::ConnectorError;
use ledgerbridge_core::{Customer, Invoice, Payment, SourceRef, System};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::remote::{
    BooksChanges, BooksInvoice, BooksPayments, ReferenceChoices, RemoteCustomer, RemoteInvoice,
};

/// What kind of write; writes are batched by kind (Xero batches one resource and method per
/// request, and QuickBooks voids of payments go one per request).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteKind {
    /// A new customer.
    CreateCustomer,
    /// An update of a linked customer.
    UpdateCustomer,
    /// A new invoice.
    CreateInvoice,
    /// An update of a linked invoice.
    UpdateInvoice,
    /// A void (or, for a Xero draft, a delete) of a linked invoice.
    VoidInvoice,
    /// A new credit note (a ServiceTitan invoice with a negative total).
    CreateCreditNote,
    /// A new payment with its allocations.
    CreatePayment,
    /// A refund (a payment with a negative amount).
    CreateRefund,
    /// A void (QuickBooks) or delete (Xero) of a linked payment.
    VoidPayment,
}

/// The mapping choices of one invoice line, resolved by the engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRefs {
    /// The line.
    pub key: SourceRef,
    /// QuickBooks Item id / Xero item code.
    pub item: Option<String>,
    /// Xero account code (QuickBooks takes the account from the item).
    pub account: Option<String>,
}

/// The mapping choices of one invoice, resolved by the engine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceRefs {
    /// Per line, in the invoice's line order.
    pub lines: Vec<LineRefs>,
    /// QuickBooks TaxCode id / Xero TaxType of the invoice's tax zone.
    pub tax_code: Option<String>,
    /// QuickBooks Class id / Xero tracking option of the business unit.
    pub business_unit: Option<String>,
}

/// The mapping choices of one payment, resolved by the engine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRefs {
    /// Deposit account (QuickBooks account id / Xero account code).
    pub deposit_account: String,
    /// QuickBooks payment method id.
    pub method: Option<String>,
    /// QuickBooks item of a refund receipt's line.
    pub refund_item: Option<String>,
}

/// The source value of the `item` mapping whose target is [`PaymentRefs::refund_item`] (the
/// item of QuickBooks refund receipt lines).
pub const REFUND_ITEM: &str = "Refund";

/// One write, stored as its outbox operation's payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "write", rename_all = "snake_case")]
pub enum Write {
    /// Create a customer named `name` (plain or disambiguated).
    CreateCustomer {
        servicetitan_id: i64,
        customer: Customer,
        name: String,
    },
    /// Update a linked customer.
    UpdateCustomer {
        servicetitan_id: i64,
        customer: Customer,
        name: String,
        target_id: String,
        version: Option<String>,
    },
    /// Create an invoice (or, with a negative total, a credit note) for a linked customer.
    CreateInvoice {
        servicetitan_id: i64,
        invoice: Invoice,
        customer_id: String,
        refs: InvoiceRefs,
    },
    /// Update a linked invoice, keeping its line ids.
    UpdateInvoice {
        servicetitan_id: i64,
        invoice: Invoice,
        customer_id: String,
        refs: InvoiceRefs,
        target_id: String,
        version: Option<String>,
        line_ids: Vec<(SourceRef, String)>,
    },
    /// Void a linked invoice; `draft` when it was written as a draft (Xero deletes those).
    VoidInvoice {
        servicetitan_id: i64,
        target_id: String,
        version: Option<String>,
        draft: bool,
    },
    /// Create a payment (or, with a negative amount, a refund).
    CreatePayment {
        servicetitan_id: i64,
        payment: Payment,
        customer_id: String,
        invoice_ids: Vec<(SourceRef, String)>,
        refs: PaymentRefs,
    },
    /// Void a linked payment; `target_ids` are every remote payment it became.
    VoidPayment {
        servicetitan_id: i64,
        target_ids: Vec<String>,
        version: Option<String>,
    },
}

impl Write {
    /// Its kind, for batching.
    pub fn kind(&self) -> WriteKind {
        match self {
            Self::CreateCustomer { .. } => WriteKind::CreateCustomer,
            Self::UpdateCustomer { .. } => WriteKind::UpdateCustomer,
            Self::CreateInvoice { invoice, .. } if invoice.total.is_negative() => {
                WriteKind::CreateCreditNote
            }
            Self::CreateInvoice { .. } => WriteKind::CreateInvoice,
            Self::UpdateInvoice { .. } => WriteKind::UpdateInvoice,
            Self::VoidInvoice { .. } => WriteKind::VoidInvoice,
            Self::CreatePayment { payment, .. } if payment.amount.is_negative() => {
                WriteKind::CreateRefund
            }
            Self::CreatePayment { .. } => WriteKind::CreatePayment,
            Self::VoidPayment { .. } => WriteKind::VoidPayment,
        }
    }

    /// The ServiceTitan id of the record written.
    pub fn servicetitan_id(&self) -> i64 {
        match self {
            Self::CreateCustomer {
                servicetitan_id, ..
            }
            | Self::UpdateCustomer {
                servicetitan_id, ..
            }
            | Self::CreateInvoice {
                servicetitan_id, ..
            }
            | Self::UpdateInvoice {
                servicetitan_id, ..
            }
            | Self::VoidInvoice {
                servicetitan_id, ..
            }
            | Self::CreatePayment {
                servicetitan_id, ..
            }
            | Self::VoidPayment {
                servicetitan_id, ..
            } => *servicetitan_id,
        }
    }
}

/// A request encoded for the wire: exactly what the ledger stores and a replay sends again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedRequest {
    /// `POST`, `PUT`.
    pub method: String,
    /// Path and query below the API base.
    pub path: String,
    /// The exact body bytes.
    pub body: Vec<u8>,
}

/// What [`Target::prepare`] made of a slice of writes.
#[derive(Clone, Debug, Default)]
pub struct Prepared {
    /// The request carrying the accepted writes (none when every write was refused).
    pub request: Option<EncodedRequest>,
    /// Positions (in the slice given) of the writes the request carries, in its order.
    pub accepted: Vec<usize>,
    /// Writes that cannot be expressed for this target, with the reason (block the record).
    pub refused: Vec<(usize, String)>,
}

/// A record as the remote stored it after a write (or found it by a look-up).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Saved {
    /// Its id (for a payment written as several remote payments: all of them, first is the
    /// link).
    pub ids: Vec<String>,
    /// Its version (QuickBooks SyncToken, Xero UpdatedDateUTC).
    pub version: Option<String>,
    /// Line ids in the order the lines were sent.
    pub line_ids: Vec<String>,
    /// The remote's total, to compare with ServiceTitan's.
    pub total: Option<Decimal>,
    /// The remote's tax total.
    pub tax: Option<Decimal>,
    /// Found by a look-up after an unknown outcome rather than read from the answer.
    pub found_by_lookup: bool,
}

impl Saved {
    /// The id the link records.
    pub fn id(&self) -> &str {
        self.ids.first().map(String::as_str).unwrap_or_default()
    }
}

/// Refusals grouped by what the engine does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionKind {
    /// The number is taken: look the record up and link it if it clearly matches.
    DuplicateNumber,
    /// The display name is taken (QuickBooks 6240, Xero): write a disambiguated name.
    DuplicateName,
    /// The accounting period is closed for the record's date.
    PeriodClosed,
    /// Someone edited the record since our version (QuickBooks 5010).
    Stale,
    /// The document has payments, so the change is refused (Xero).
    PaidDocument,
    /// A referenced record or mapping target does not exist or is inactive.
    NotFound,
    /// A temporary refusal (throttled, remote fault): try again next run.
    Retryable,
    /// Anything else: the record as sent is invalid.
    Invalid,
}

/// Why the remote refused one write. The message may quote submitted values: it goes to the
/// report and the ledger, never to a log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// What to do about it.
    pub kind: RejectionKind,
    /// The remote's words.
    pub message: String,
}

/// What became of one write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The remote holds it.
    Saved(Saved),
    /// The remote refused it.
    Rejected(Rejection),
    /// A recovery proved it was never written: plan it again.
    Missing,
    /// Still unknown (no answer for it): resolved by the next recovery.
    Unknown,
}

/// What the engine needs from an accounting system. See the module docs.
pub trait Target: Send + Sync {
    /// QuickBooks or Xero.
    fn system(&self) -> System;

    /// The company (QuickBooks realm id, Xero tenant id).
    fn company(&self) -> &str;

    /// Most writes of `kind` one request carries.
    fn batch_limit(&self, kind: WriteKind) -> usize;

    /// Whether invoice lines need an item (QuickBooks) rather than an account (Xero).
    fn lines_need_items(&self) -> bool;

    /// The readable, unique display name of a customer whose plain name is taken.
    fn disambiguate(&self, name: &str, servicetitan_id: i64) -> String;

    /// Every customer, active or not (matching reads them once per run).
    fn customers(&self)
    -> impl Future<Output = Result<Vec<RemoteCustomer>, ConnectorError>> + Send;

    /// Every sales invoice (pre-existing records are found in this list once per run).
    fn invoices(&self) -> impl Future<Output = Result<Vec<RemoteInvoice>, ConnectorError>> + Send;

    /// Invoices by id: the verification re-read.
    fn read_invoices(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<RemoteInvoice>, ConnectorError>> + Send;

    /// Invoices changed in the books since `cursor` (`None`: all of them), in canonical form
    /// keyed by accounting ids (see [`BooksInvoice`]): the accountant's edits the two-way
    /// merge compares with the base snapshot.
    fn invoice_changes(
        &self,
        cursor: Option<chrono::DateTime<chrono::Utc>>,
    ) -> impl Future<Output = Result<BooksChanges, ConnectorError>> + Send;

    /// Invoices by id in canonical form (keyed by accounting ids), to compare the books'
    /// current version when ServiceTitan changed a linked invoice.
    fn books_invoices(
        &self,
        ids: &[String],
    ) -> impl Future<Output = Result<Vec<BooksInvoice>, ConnectorError>> + Send;

    /// The date on or before which the books are closed (QuickBooks closing date, Xero lock
    /// date), if any.
    fn closed_through(
        &self,
    ) -> impl Future<Output = Result<Option<NaiveDate>, ConnectorError>> + Send;

    /// The lists mapping choices are made from.
    fn reference_choices(
        &self,
    ) -> impl Future<Output = Result<ReferenceChoices, ConnectorError>> + Send;

    /// Payments recorded in the books changed since `cursor` (`None`: all of them), keyed by
    /// accounting ids ([`crate::BooksPayment`]): the payments that flow back to ServiceTitan.
    /// Records that cannot be read are returned quarantined, not as an error.
    fn payment_changes(
        &self,
        cursor: Option<chrono::DateTime<chrono::Utc>>,
    ) -> impl Future<Output = Result<BooksPayments, ConnectorError>> + Send;

    /// Encodes writes (all of one kind, at most [`Target::batch_limit`]) into one
    /// request, refusing alone those that cannot be expressed.
    fn prepare(&self, writes: &[Write]) -> Result<Prepared, ConnectorError>;

    /// Sends a prepared (and recorded) request under `key`; one outcome per write of
    /// `writes` (the accepted writes, in request order).
    fn send(
        &self,
        key: &str,
        request: &EncodedRequest,
        writes: &[Write],
    ) -> impl Future<Output = Result<Vec<WriteOutcome>, ConnectorError>> + Send;

    /// Resolves a request whose outcome is unknown, `age` after it was recorded: replays the
    /// same key and bytes, then looks records up; never creates blindly.
    fn recover(
        &self,
        key: &str,
        request: &EncodedRequest,
        writes: &[Write],
        age: Duration,
    ) -> impl Future<Output = Result<Vec<WriteOutcome>, ConnectorError>> + Send;
}

#[cfg(test)]
mod tests {
    use ledgerbridge_core::{Currency, Money, PaymentStatus};

    use super::*;

    fn payment(amount: &str) -> Payment {
        Payment {
            customer: SourceRef::ServiceTitan(1),
            date: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
            amount: Money::parse(amount, Currency::USD).expect("amount"),
            unapplied: Money::zero(Currency::USD),
            payment_type: "Check".to_owned(),
            reference: None,
            memo: None,
            status: PaymentStatus::Posted,
            allocations: Vec::new(),
        }
    }

    #[test]
    fn a_negative_payment_is_a_refund_and_the_write_survives_its_json() {
        let write = |amount| Write::CreatePayment {
            servicetitan_id: 9,
            payment: payment(amount),
            customer_id: "C-1".to_owned(),
            invoice_ids: Vec::new(),
            refs: PaymentRefs::default(),
        };
        assert_eq!(write("-5.00").kind(), WriteKind::CreateRefund);
        let paid = write("5.00");
        assert_eq!(paid.kind(), WriteKind::CreatePayment);
        assert_eq!(paid.servicetitan_id(), 9);
        // The outbox stores the write as JSON and a replay rebuilds the request from it.
        let stored = serde_json::to_string(&paid).expect("json");
        let back: Write = serde_json::from_str(&stored).expect("back");
        assert_eq!(back, paid);
    }
}
