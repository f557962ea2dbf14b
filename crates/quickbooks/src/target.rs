//! [`AccountingTarget`]: the shape of what the orchestrator needs from an accounting system,
//! implemented here for QuickBooks. Kept in this crate until the Xero connector exists too;
//! then it moves to `ledgerbridge-connector` beside `FieldServiceSource`.
//!
//! Writes are two-phase because the ledger commits each request (key + exact bytes) before
//! it goes out: [`AccountingTarget::prepare`] maps canonical operations to one request,
//! [`AccountingTarget::send`] sends stored bytes under a stored key, and a replay after a
//! crash calls `send` again with the same row. Outcomes come back per item, by position.

use std::future::Future;

use chrono::{DateTime, Utc};
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use ledgerbridge_core::{Customer, Invoice, Payment, System};

use crate::batch::{BatchItem, Operation, PreparedWrite};
use crate::client::{Entity, QuickBooks};
use crate::map::MapError;
use crate::map::write::{
    InvoiceContext, InvoiceDraft, PaymentContext, Sparse, customer_body, invoice_body,
    payment_body, refund_receipt_body,
};
use crate::outcome::ItemResult;
use crate::read::Remote;
use crate::reference::ReferenceData;

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

/// What the orchestrator needs from an accounting system.
pub trait AccountingTarget: Send + Sync {
    /// Which system.
    fn system(&self) -> System;
    /// The company (QuickBooks realm id, Xero tenant id).
    fn company(&self) -> &str;
    /// Most operations one request carries.
    fn max_batch(&self) -> usize;
    /// Invoices numbered `number`: the look-up before any create after an unknown outcome.
    fn find_invoice(
        &self,
        number: &str,
    ) -> impl Future<Output = Result<Vec<Found>, ConnectorError>> + Send;
    /// Customers named exactly `name` (for reporting; never for a silent link).
    fn find_customer(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Vec<Found>, ConnectorError>> + Send;
    /// Maps up to [`AccountingTarget::max_batch`] operations to one request.
    fn prepare(&self, ops: &[WriteOp<'_>]) -> Result<Prepared, PrepareError>;
    /// Sends a prepared (or stored) request under its idempotency key.
    fn send(
        &self,
        key: &str,
        write: &PreparedWrite,
    ) -> impl Future<Output = Result<Vec<ItemResult>, ConnectorError>> + Send;
    /// The lists mapping choices are made from.
    fn reference_data(&self) -> impl Future<Output = Result<ReferenceData, ConnectorError>> + Send;
}

impl<A: TokenProvider> AccountingTarget for QuickBooks<A> {
    fn system(&self) -> System {
        System::QuickBooks
    }

    fn company(&self) -> &str {
        self.realm_id()
    }

    fn max_batch(&self) -> usize {
        self.config.batch_size
    }

    async fn find_invoice(&self, number: &str) -> Result<Vec<Found>, ConnectorError> {
        let found = self.find_invoices_by_doc_number(number).await?;
        Ok(found.iter().map(Found::from).collect())
    }

    async fn find_customer(&self, name: &str) -> Result<Vec<Found>, ConnectorError> {
        let found = self.find_customers_by_display_name(name).await?;
        Ok(found.iter().map(Found::from).collect())
    }

    fn prepare(&self, ops: &[WriteOp<'_>]) -> Result<Prepared, PrepareError> {
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

    async fn send(
        &self,
        key: &str,
        write: &PreparedWrite,
    ) -> Result<Vec<ItemResult>, ConnectorError> {
        self.send_write(key, write).await
    }

    async fn reference_data(&self) -> Result<ReferenceData, ConnectorError> {
        QuickBooks::reference_data(self).await
    }
}
