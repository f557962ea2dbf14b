//! Canonical write operations ([`WriteOp`]) mapped to one QuickBooks batch request.
//!
//! This is the connector's own convenience layer over [`QuickBooks::prepare_batch`]: the sync
//! engine speaks only `ledgerbridge_protocol::Target` (implemented by
//! [`crate::QuickBooksTarget`]); this module only composes the connector's body builders for callers that hold
//! canonical records. Writes stay two-phase: [`QuickBooks::prepare_ops`] maps operations to
//! one request whose key and exact bytes the caller records, then
//! [`QuickBooks::send_write`] sends them (again, after a crash). Outcomes come back per item,
//! by position.

use chrono::{DateTime, Utc};
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use ledgerbridge_core::{Customer, Invoice, Payment};

use crate::batch::{BatchItem, Operation, PreparedWrite};
use crate::client::{Entity, QuickBooks};
use crate::map::MapError;
use crate::map::write::{
    InvoiceContext, InvoiceDraft, PaymentContext, Sparse, customer_body, invoice_body,
    payment_body, refund_receipt_body,
};
use crate::read::Remote;

/// One canonical write.
#[derive(Clone, Debug)]
pub enum WriteOp<'a> {
    /// Create a customer; `disambiguate` after a duplicate-name refusal.
    CreateCustomer {
        servicetitan_id: i64,
        customer: &'a Customer,
        disambiguate: bool,
    },
    /// Sparse update of a linked customer at its stored version.
    UpdateCustomer {
        servicetitan_id: i64,
        customer: &'a Customer,
        disambiguate: bool,
        id: &'a str,
        version: &'a str,
    },
    /// Create an invoice.
    CreateInvoice {
        invoice: &'a Invoice,
        cx: InvoiceContext<'a>,
    },
    /// Sparse update of a linked invoice at its stored version (lines replaced, ids kept).
    UpdateInvoice {
        invoice: &'a Invoice,
        cx: InvoiceContext<'a>,
        id: &'a str,
        version: &'a str,
    },
    /// Void a linked invoice.
    VoidInvoice { id: &'a str, version: &'a str },
    /// Create a credit memo from a credit note.
    CreateCreditNote {
        note: &'a Invoice,
        cx: InvoiceContext<'a>,
    },
    /// Create a payment with its allocations.
    CreatePayment {
        payment: &'a Payment,
        cx: PaymentContext<'a>,
    },
    /// Create a refund receipt for a negative payment.
    CreateRefund {
        refund: &'a Payment,
        cx: PaymentContext<'a>,
    },
}

/// Why operations could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// One operation cannot be mapped: block that record with this reason, prepare the rest.
    #[error("operation {position}: {source}")]
    Map {
        /// Its position in the slice given.
        position: usize,
        /// Why.
        #[source]
        source: MapError,
    },
    /// The batch itself is not acceptable (too many operations).
    #[error(transparent)]
    Connector(#[from] ConnectorError),
}

/// A request ready to be recorded, with the invoice drafts needed to link line ids after.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// What to store and send.
    pub write: PreparedWrite,
    /// Per operation (same order), the draft of an invoice or credit-note write.
    pub drafts: Vec<Option<InvoiceDraft>>,
}

/// A record found by a look-up: enough to link it or to update it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Its id in the accounting system.
    pub id: String,
    /// Its version (QuickBooks SyncToken).
    pub version: String,
    /// When it last changed.
    pub updated_at: Option<DateTime<Utc>>,
}

impl<T> From<&Remote<T>> for Found {
    fn from(r: &Remote<T>) -> Self {
        Self {
            id: r.id.clone(),
            version: r.sync_token.clone(),
            updated_at: r.last_updated,
        }
    }
}

impl<A: TokenProvider> QuickBooks<A> {
    /// Invoices numbered `number`, as [`Found`] records: the look-up before any create after
    /// an unknown outcome.
    pub async fn find_invoice(&self, number: &str) -> Result<Vec<Found>, ConnectorError> {
        let found = self.find_invoices_by_doc_number(number).await?;
        Ok(found.iter().map(Found::from).collect())
    }

    /// Maps canonical operations to one batch request (at most the batch size), keeping the
    /// invoice drafts needed to link line ids after the answer.
    pub fn prepare_ops(&self, ops: &[WriteOp<'_>]) -> Result<Prepared, PrepareError> {
        let home = self.config.home_currency;
        let mappings = &self.mappings;
        let mut items = Vec::with_capacity(ops.len());
        let mut drafts = Vec::with_capacity(ops.len());
        for (position, op) in ops.iter().enumerate() {
            let map = |source| PrepareError::Map { position, source };
            let (item, draft) = match op {
                WriteOp::CreateCustomer {
                    servicetitan_id,
                    customer,
                    disambiguate,
                } => {
                    let body = customer_body(customer, *servicetitan_id, *disambiguate, home);
                    (
                        BatchItem::new(position, Operation::Create, Entity::Customer, &body)?,
                        None,
                    )
                }
                WriteOp::UpdateCustomer {
                    servicetitan_id,
                    customer,
                    disambiguate,
                    id,
                    version,
                } => {
                    let body = customer_body(customer, *servicetitan_id, *disambiguate, home)
                        .sparse(id, version);
                    (
                        BatchItem::new(position, Operation::Update, Entity::Customer, &body)?,
                        None,
                    )
                }
                WriteOp::CreateInvoice { invoice, cx } => {
                    let draft = invoice_body(invoice, *cx, mappings).map_err(map)?;
                    (
                        BatchItem::new(position, Operation::Create, Entity::Invoice, &draft.body)?,
                        Some(draft),
                    )
                }
                WriteOp::UpdateInvoice {
                    invoice,
                    cx,
                    id,
                    version,
                } => {
                    let mut draft = invoice_body(invoice, *cx, mappings).map_err(map)?;
                    draft.body = draft.body.sparse(id, version);
                    (
                        BatchItem::new(position, Operation::Update, Entity::Invoice, &draft.body)?,
                        Some(draft),
                    )
                }
                WriteOp::VoidInvoice { id, version } => (
                    BatchItem::void(position, Entity::Invoice, id, version)?,
                    None,
                ),
                WriteOp::CreateCreditNote { note, cx } => {
                    let draft = invoice_body(note, *cx, mappings).map_err(map)?;
                    (
                        BatchItem::new(
                            position,
                            Operation::Create,
                            Entity::CreditMemo,
                            &draft.body,
                        )?,
                        Some(draft),
                    )
                }
                WriteOp::CreatePayment { payment, cx } => {
                    let body = payment_body(payment, *cx, mappings).map_err(map)?;
                    (
                        BatchItem::new(position, Operation::Create, Entity::Payment, &body)?,
                        None,
                    )
                }
                WriteOp::CreateRefund { refund, cx } => {
                    let body = refund_receipt_body(refund, *cx, mappings).map_err(map)?;
                    (
                        BatchItem::new(position, Operation::Create, Entity::RefundReceipt, &body)?,
                        None,
                    )
                }
            };
            items.push(item);
            drafts.push(draft);
        }
        Ok(Prepared {
            write: self.prepare_batch(&items)?,
            drafts,
        })
    }
}
