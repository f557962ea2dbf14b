//! [`Target`] for QuickBooks Online, on this crate's public API: batches of 30 with
//! `requestid`, sparse updates at the stored SyncToken, ServiceTitan's tax as
//! `TxnTaxDetail.TotalTax`, DocNumber look-ups after an unknown outcome.
//!
//! The connector's mapping functions look values up in its own `Mappings`; the engine has
//! already resolved every choice per line ([`InvoiceRefs`]), so each write gets a small
//! `Mappings` of exactly those choices, keyed by the line's position (two lines with the same
//! SKU may resolve to different items through their GL accounts).

mod answers;
mod books_changes;
mod lookup;
mod payments;

use std::collections::HashMap;
use std::time::Duration;

use crate::map::write::{
    InvoiceContext, PaymentContext, Sparse, customer_body, invoice_body, payment_body,
    refund_receipt_body,
};
use crate::map::{self, PaymentTarget};
use crate::{BatchItem, Entity, Operation, PreparedWrite, QuickBooks, wire};
use chrono::NaiveDate;
use futures::TryStreamExt;
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use ledgerbridge_core::{SourceRef, System};

use answers::{choices, encode, invoice_mappings, outcome, remote_invoice, stamp};
use ledgerbridge_protocol::{
    EncodedRequest, Prepared, ReferenceChoices, RemoteCustomer, RemoteInvoice, Target, Write,
    WriteKind, WriteOutcome,
};

/// How long QuickBooks is trusted to remember a `requestid` (its documentation does not say;
/// the emulator keeps them 24 hours). A recovery from an earlier run passes an age above it,
/// so its creates are looked up instead of replayed.
const REQUESTID_KEPT: Duration = Duration::from_secs(60 * 60);

/// A QuickBooks company as the engine's target.
pub struct QuickBooksTarget<A> {
    qbo: QuickBooks<A>,
    us_tax: bool,
}

impl<A: TokenProvider> QuickBooksTarget<A> {
    /// Wraps a connector; `us_tax` (US companies) sends lines as `TAX`/`NON` with one
    /// transaction tax code.
    pub fn new(qbo: QuickBooks<A>, us_tax: bool) -> Self {
        Self { qbo, us_tax }
    }

    /// The connector.
    pub fn connector(&self) -> &QuickBooks<A> {
        &self.qbo
    }

    fn home(&self) -> ledgerbridge_core::Currency {
        self.qbo.config().home_currency
    }

    fn item(
        &self,
        position: usize,
        write: &Write,
    ) -> Result<BatchItem, Result<String, ConnectorError>> {
        let home = self.home();
        let refused = |e: map::MapError| Err(Ok(e.to_string()));
        let item = match write {
            Write::CreateCustomer {
                servicetitan_id,
                customer,
                name,
            } => {
                let disambiguate = name != customer.display_name.trim();
                let body = customer_body(customer, *servicetitan_id, disambiguate, home);
                BatchItem::new(position, Operation::Create, Entity::Customer, &body)
            }
            Write::UpdateCustomer {
                servicetitan_id,
                customer,
                name,
                target_id,
                version,
            } => {
                let disambiguate = name != customer.display_name.trim();
                let body = customer_body(customer, *servicetitan_id, disambiguate, home)
                    .sparse(target_id, version.as_deref().unwrap_or("0"));
                BatchItem::new(position, Operation::Update, Entity::Customer, &body)
            }
            Write::CreateInvoice {
                servicetitan_id,
                invoice,
                customer_id,
                refs,
            } => {
                let (invoice, m) = invoice_mappings(self.us_tax, invoice, refs);
                let no_lines = HashMap::new();
                let cx = InvoiceContext {
                    servicetitan_id: *servicetitan_id,
                    customer_id,
                    line_ids: &no_lines,
                    home_currency: home,
                };
                let draft = match invoice_body(&invoice, cx, &m) {
                    Ok(d) => d,
                    Err(e) => return refused(e),
                };
                let entity = if invoice.total.is_negative() {
                    Entity::CreditMemo
                } else {
                    Entity::Invoice
                };
                BatchItem::new(position, Operation::Create, entity, &draft.body)
            }
            Write::UpdateInvoice {
                servicetitan_id,
                invoice,
                customer_id,
                refs,
                target_id,
                version,
                line_ids,
            } => {
                let (invoice, m) = invoice_mappings(self.us_tax, invoice, refs);
                let ids: HashMap<SourceRef, String> = line_ids.iter().cloned().collect();
                let cx = InvoiceContext {
                    servicetitan_id: *servicetitan_id,
                    customer_id,
                    line_ids: &ids,
                    home_currency: home,
                };
                let mut draft = match invoice_body(&invoice, cx, &m) {
                    Ok(d) => d,
                    Err(e) => return refused(e),
                };
                draft.body = draft
                    .body
                    .sparse(target_id, version.as_deref().unwrap_or("0"));
                BatchItem::new(position, Operation::Update, Entity::Invoice, &draft.body)
            }
            Write::VoidInvoice {
                target_id, version, ..
            } => BatchItem::void(
                position,
                Entity::Invoice,
                target_id,
                version.as_deref().unwrap_or("0"),
            ),
            Write::CreatePayment {
                servicetitan_id,
                payment,
                customer_id,
                invoice_ids,
                refs,
            } => {
                let ids: HashMap<SourceRef, String> = invoice_ids.iter().cloned().collect();
                let cx = PaymentContext {
                    servicetitan_id: *servicetitan_id,
                    customer_id,
                    invoice_ids: &ids,
                    home_currency: home,
                };
                let mut m = map::Mappings {
                    us_tax: self.us_tax,
                    refund_item: refs.refund_item.clone(),
                    ..map::Mappings::default()
                };
                m.payment_types.insert(
                    payment.payment_type.clone(),
                    PaymentTarget {
                        deposit_account: refs.deposit_account.clone(),
                        payment_method: refs.method.clone(),
                    },
                );
                if payment.amount.is_negative() {
                    match refund_receipt_body(payment, cx, &m) {
                        Ok(body) => BatchItem::new(
                            position,
                            Operation::Create,
                            Entity::RefundReceipt,
                            &body,
                        ),
                        Err(e) => return refused(e),
                    }
                } else {
                    match payment_body(payment, cx, &m) {
                        Ok(body) => {
                            BatchItem::new(position, Operation::Create, Entity::Payment, &body)
                        }
                        Err(e) => return refused(e),
                    }
                }
            }
            Write::VoidPayment { .. } => {
                return Err(Ok("payments are voided one per request".into()));
            }
        };
        item.map_err(Err)
    }
}

impl<A: TokenProvider> Target for QuickBooksTarget<A> {
    fn system(&self) -> System {
        System::QuickBooks
    }

    fn company(&self) -> &str {
        self.qbo.realm_id()
    }

    fn batch_limit(&self, kind: WriteKind) -> usize {
        match kind {
            WriteKind::VoidPayment => 1,
            _ => self.qbo.config().batch_size,
        }
    }

    fn lines_need_items(&self) -> bool {
        true
    }

    fn disambiguate(&self, name: &str, servicetitan_id: i64) -> String {
        map::disambiguated_name(name, servicetitan_id)
    }

    async fn customers(&self) -> Result<Vec<RemoteCustomer>, ConnectorError> {
        let found = self
            .qbo
            .find::<wire::Customer>(Entity::Customer, "Active IN (true, false)")
            .await?;
        Ok(found
            .iter()
            .filter_map(|r| {
                let st = stamp(&r.record);
                let customer = map::read::customer(&r.record, st).ok()?;
                Some(RemoteCustomer {
                    id: r.id.clone(),
                    version: Some(r.sync_token.clone()),
                    servicetitan_id: st,
                    customer,
                })
            })
            .collect())
    }

    async fn invoices(&self) -> Result<Vec<RemoteInvoice>, ConnectorError> {
        let pages: Vec<_> = self
            .qbo
            .pull::<wire::Invoice>(Entity::Invoice, None)
            .try_collect()
            .await?;
        Ok(pages
            .iter()
            .flat_map(|p| p.records.iter().map(remote_invoice))
            .collect())
    }

    async fn read_invoices(&self, ids: &[String]) -> Result<Vec<RemoteInvoice>, ConnectorError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = self.qbo.read::<wire::Invoice>(Entity::Invoice, id).await? {
                out.push(remote_invoice(&r));
            }
        }
        Ok(out)
    }

    async fn invoice_changes(
        &self,
        cursor: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<ledgerbridge_protocol::BooksChanges, ConnectorError> {
        books_changes::qbo_changes(&self.qbo, cursor).await
    }

    async fn books_invoices(
        &self,
        ids: &[String],
    ) -> Result<Vec<ledgerbridge_protocol::BooksInvoice>, ConnectorError> {
        books_changes::qbo_by_id(&self.qbo, ids).await
    }

    async fn closed_through(&self) -> Result<Option<NaiveDate>, ConnectorError> {
        // Read up front so a closed period blocks its records before any write; a fault 6200
        // on a write (the date closed mid-run) is still handled as a closed period.
        self.qbo.closing_date().await
    }

    async fn reference_choices(&self) -> Result<ReferenceChoices, ConnectorError> {
        let data = self.qbo.reference_data().await?;
        let deposits: Vec<_> = data
            .accounts
            .iter()
            .filter(|a| {
                a.active && matches!(a.kind.as_deref(), Some("Bank" | "Other Current Asset"))
            })
            .cloned()
            .collect();
        Ok(ReferenceChoices {
            items: choices(&data.items),
            accounts: choices(&data.accounts),
            business_units: choices(&data.classes),
            tax_codes: choices(&data.tax_codes),
            payment_types: choices(&deposits),
            payment_methods: choices(&data.payment_methods),
        })
    }

    async fn payment_changes(
        &self,
        cursor: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<ledgerbridge_protocol::BooksPayments, ConnectorError> {
        payments::payment_changes(&self.qbo, cursor).await
    }

    fn prepare(&self, writes: &[Write]) -> Result<Prepared, ConnectorError> {
        let mut prepared = Prepared::default();
        if let [
            Write::VoidPayment {
                target_ids,
                version,
                ..
            },
        ] = writes
        {
            let write = self.qbo.prepare_void(
                Entity::Payment,
                &target_ids[0],
                version.as_deref().unwrap_or("0"),
            )?;
            prepared.request = Some(encode(&write));
            prepared.accepted.push(0);
            return Ok(prepared);
        }
        let mut items = Vec::new();
        for (i, w) in writes.iter().enumerate() {
            match self.item(items.len(), w) {
                Ok(item) => {
                    items.push(item);
                    prepared.accepted.push(i);
                }
                Err(Ok(reason)) => prepared.refused.push((i, reason)),
                Err(Err(e)) => return Err(e),
            }
        }
        if !items.is_empty() {
            prepared.request = Some(encode(&self.qbo.prepare_batch(&items)?));
        }
        Ok(prepared)
    }

    async fn send(
        &self,
        key: &str,
        request: &EncodedRequest,
        writes: &[Write],
    ) -> Result<Vec<WriteOutcome>, ConnectorError> {
        let write =
            PreparedWrite::from_stored(&request.method, &request.path, request.body.clone())?;
        let mut results = self.qbo.send_write(key, &write).await?;
        // Answers are matched by `bId`, which is the write's position in the batch.
        results.sort_by_key(|r| r.bid.parse::<usize>().unwrap_or(usize::MAX));
        let mut outcomes: Vec<WriteOutcome> =
            results.into_iter().map(|r| outcome(r.outcome)).collect();
        outcomes.resize(writes.len(), WriteOutcome::Unknown);
        Ok(outcomes)
    }

    async fn recover(
        &self,
        key: &str,
        request: &EncodedRequest,
        writes: &[Write],
        age: Duration,
    ) -> Result<Vec<WriteOutcome>, ConnectorError> {
        // A create from long enough ago that QuickBooks may have forgotten its requestid is
        // looked up first and never sent again: a replay QuickBooks no longer recognises
        // would be a second record. Found or missing, the look-up is the answer.
        let creates = writes.iter().all(|w| {
            matches!(
                w,
                Write::CreateInvoice { .. }
                    | Write::CreateCustomer { .. }
                    | Write::CreatePayment { .. }
            )
        });
        if creates && age >= REQUESTID_KEPT {
            let mut outcomes = Vec::with_capacity(writes.len());
            for write in writes {
                outcomes.push(self.look_up(write).await?);
            }
            return Ok(outcomes);
        }
        // QuickBooks answers a remembered requestid with its first response; what it does not
        // answer is looked up by DocNumber (or the customer's stamp) before anything else.
        let mut outcomes = self.send(key, request, writes).await?;
        for (outcome, write) in outcomes.iter_mut().zip(writes) {
            if *outcome == WriteOutcome::Unknown {
                *outcome = self.look_up(write).await?;
            }
        }
        Ok(outcomes)
    }
}
