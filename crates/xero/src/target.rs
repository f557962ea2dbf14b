//! [`Target`] for Xero, on this crate's public API: arrays of up to 50 elements with
//! `summarizeErrors=false` and the request's `Idempotency-Key`, creates by `PUT` (never an
//! overwrite), ServiceTitan's tax spread over the taxable lines by largest remainder, and look-ups by InvoiceNumber / ContactNumber once the idempotency window has
//! passed.
//!
//! One canonical payment becomes one Xero payment per invoice it pays; the adapter maps the
//! elements of a batch back to the writes they came from (a write's element count is its
//! number of non-zero allocations), so outcomes stay one per write.

mod answers;
mod books_changes;
mod payments;

use std::collections::HashMap;
use std::time::Duration;

use crate::map::{
    self as xmap, CreditNoteTarget, InvoiceTarget, contact_to_xero, credit_note_to_xero,
    invoice_to_xero, payment_to_xero,
};
use crate::wire::contact::Contact;
use crate::wire::invoice::Invoice as XeroInvoice;
use crate::{ElementResult, MAX_BATCH, WriteBatch, Xero, map::Mappings};
use chrono::NaiveDate;
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use ledgerbridge_core::{Invoice, SourceRef, System};

use answers::{fold, remote_invoice};
use ledgerbridge_protocol::{
    Choice, EncodedRequest, InvoiceRefs, Prepared, ReferenceChoices, RemoteCustomer, RemoteInvoice,
    Target, Write, WriteKind, WriteOutcome,
};

/// A Xero organisation as the engine's target.
pub struct XeroTarget<P> {
    xero: Xero<P>,
    tracking_category: Option<String>,
}

impl<P: TokenProvider> XeroTarget<P> {
    /// Wraps a connector; business units go to the tracking category `tracking_category`.
    pub fn new(xero: Xero<P>, tracking_category: Option<String>) -> Self {
        Self {
            xero,
            tracking_category,
        }
    }

    /// The connector.
    pub fn connector(&self) -> &Xero<P> {
        &self.xero
    }

    fn invoice_mappings(&self, invoice: &Invoice, refs: &InvoiceRefs) -> (Invoice, Mappings) {
        let mut m = Mappings::new();
        m.tracking_category = self.tracking_category.clone();
        let tax_type = refs.tax_code.clone();
        m.taxable_tax_type = Some(tax_type.unwrap_or_else(|| m.exempt_tax_type.clone()));
        let mut invoice = invoice.clone();
        for (i, line) in invoice.lines.iter_mut().enumerate() {
            let code = format!("line:{i}");
            let r = refs.lines.get(i);
            if let Some(account) = r.and_then(|r| r.account.clone()) {
                m.gl_accounts.insert(code.clone(), account);
            }
            line.gl_account = Some(code.clone());
            if let Some(item) = r.and_then(|r| r.item.clone()) {
                m.items.insert(code.clone(), item);
                line.item = Some(code);
            }
        }
        match (&invoice.business_unit, &refs.business_unit) {
            (Some(bu), Some(option)) => {
                m.business_units.insert(bu.clone(), option.clone());
            }
            _ => m.tracking_category = None,
        }
        (invoice, m)
    }

    /// How many batch elements each write becomes.
    fn widths(writes: &[Write]) -> Vec<usize> {
        writes
            .iter()
            .map(|w| match w {
                Write::CreatePayment { payment, .. } => payment
                    .allocations
                    .iter()
                    .filter(|a| !a.amount.is_zero())
                    .count(),
                _ => 1,
            })
            .collect()
    }

    fn batch(
        &self,
        kind: WriteKind,
        writes: &[&Write],
    ) -> Result<Result<WriteBatch, String>, ConnectorError> {
        let refuse = |e: xmap::MapError| Ok(Err(e.to_string()));
        match kind {
            WriteKind::CreateCustomer | WriteKind::UpdateCustomer => {
                let contacts: Vec<Contact> = writes
                    .iter()
                    .filter_map(|w| match w {
                        Write::CreateCustomer { servicetitan_id, customer, name } => {
                            Some(contact_to_xero(customer, *servicetitan_id, None, name, &Mappings::new()))
                        }
                        Write::UpdateCustomer { servicetitan_id, customer, name, target_id, .. } => Some(
                            contact_to_xero(customer, *servicetitan_id, Some(target_id), name, &Mappings::new()),
                        ),
                        _ => None,
                    })
                    .collect();
                Ok(Ok(if kind == WriteKind::CreateCustomer {
                    WriteBatch::create_contacts(&contacts)?
                } else {
                    WriteBatch::update_contacts(&contacts)?
                }))
            }
            WriteKind::CreateInvoice | WriteKind::UpdateInvoice => {
                let mut elements = Vec::new();
                for w in writes {
                    let (invoice, customer_id, refs, id, line_ids) = match w {
                        Write::CreateInvoice { invoice, customer_id, refs, .. } => (invoice, customer_id, refs, None, Vec::new()),
                        Write::UpdateInvoice { invoice, customer_id, refs, target_id, line_ids, .. } => {
                            (invoice, customer_id, refs, Some(target_id.as_str()), line_ids.clone())
                        }
                        _ => continue,
                    };
                    let (invoice, m) = self.invoice_mappings(invoice, refs);
                    let ids: HashMap<SourceRef, String> = line_ids.into_iter().collect();
                    let target = InvoiceTarget { contact_id: customer_id, invoice_id: id, line_ids: &ids };
                    match invoice_to_xero(&invoice, &target, &m) {
                        Ok(e) => elements.push(e),
                        Err(e) => return refuse(e),
                    }
                }
                Ok(Ok(if kind == WriteKind::CreateInvoice {
                    WriteBatch::create_invoices(&elements)?
                } else {
                    WriteBatch::update_invoices(&elements)?
                }))
            }
            WriteKind::CreateCreditNote => {
                let mut notes = Vec::new();
                for w in writes {
                    if let Write::CreateInvoice { invoice, customer_id, refs, .. } = w {
                        let (invoice, m) = self.invoice_mappings(invoice, refs);
                        let target = CreditNoteTarget { contact_id: customer_id, credit_note_id: None };
                        match credit_note_to_xero(&invoice, &target, &m) {
                            Ok(n) => notes.push(n),
                            Err(e) => return refuse(e),
                        }
                    }
                }
                Ok(Ok(WriteBatch::create_credit_notes(&notes)?))
            }
            WriteKind::VoidInvoice => {
                let elements: Vec<XeroInvoice> = writes
                    .iter()
                    .filter_map(|w| match w {
                        Write::VoidInvoice { target_id, draft, .. } => Some(XeroInvoice {
                            invoice_id: Some(target_id.clone()),
                            status: Some(if *draft { "DELETED" } else { "VOIDED" }.to_owned()),
                            ..XeroInvoice::default()
                        }),
                        _ => None,
                    })
                    .collect();
                Ok(Ok(WriteBatch::update_invoices(&elements)?))
            }
            WriteKind::CreatePayment => {
                let mut elements = Vec::new();
                for w in writes {
                    if let Write::CreatePayment { payment, invoice_ids, refs, .. } = w {
                        let mut m = Mappings::new();
                        m.payment_accounts
                            .insert(payment.payment_type.trim().to_owned(), refs.deposit_account.clone());
                        let ids: HashMap<SourceRef, String> = invoice_ids.iter().cloned().collect();
                        match payment_to_xero(payment, &ids, &m) {
                            Ok(mapped) => elements.extend(mapped.payments),
                            Err(e) => return refuse(e),
                        }
                    }
                }
                if elements.is_empty() {
                    return Ok(Err("the payment is applied to no invoice (Xero records only invoice payments)".into()));
                }
                Ok(Ok(WriteBatch::create_payments(&elements)?))
            }
            WriteKind::CreateRefund => Ok(Err(
                "refunds are recorded in Xero as a credit note and its refund, which the bridge does not write yet".into(),
            )),
            WriteKind::VoidPayment => match writes {
                [Write::VoidPayment { target_ids, .. }] if target_ids.len() == 1 => {
                    Ok(Ok(WriteBatch::delete_payment(&target_ids[0])?))
                }
                _ => Ok(Err("the payment became several Xero payments: delete them in Xero".into())),
            },
        }
    }

    /// Folds element results into one outcome per write.
    fn outcomes(writes: &[Write], elements: Vec<ElementResult>) -> Vec<WriteOutcome> {
        let mut it = elements.into_iter();
        Self::widths(writes)
            .into_iter()
            .zip(writes)
            .map(|(width, write)| {
                let parts: Vec<ElementResult> = it.by_ref().take(width).collect();
                fold(write, parts)
            })
            .collect()
    }
}

impl<P: TokenProvider> Target for XeroTarget<P> {
    fn system(&self) -> System {
        System::Xero
    }

    fn company(&self) -> &str {
        self.xero.tenant_id()
    }

    fn batch_limit(&self, kind: WriteKind) -> usize {
        match kind {
            WriteKind::VoidPayment | WriteKind::CreateRefund => 1,
            // A payment may be several elements; keep the request under Xero's 50.
            WriteKind::CreatePayment => 10,
            _ => self.xero.config().batch_size.clamp(1, MAX_BATCH),
        }
    }

    fn lines_need_items(&self) -> bool {
        false
    }

    fn disambiguate(&self, name: &str, servicetitan_id: i64) -> String {
        xmap::disambiguated_name(name, servicetitan_id)
    }

    async fn customers(&self) -> Result<Vec<RemoteCustomer>, ConnectorError> {
        let (contacts, _) = self.xero.all_changes::<Contact>(None).await?;
        let m = Mappings::new();
        Ok(contacts
            .iter()
            .filter_map(|c| {
                let customer = xmap::contact_from_xero(c, &m).ok()?;
                let st = c
                    .contact_number
                    .as_deref()
                    .and_then(|n| n.strip_prefix("ST-"))
                    .and_then(|n| n.parse().ok());
                Some(RemoteCustomer {
                    id: c.contact_id.clone()?,
                    version: c.updated_date_utc.map(|u| u.to_rfc3339()),
                    servicetitan_id: st,
                    customer,
                })
            })
            .collect())
    }

    async fn invoices(&self) -> Result<Vec<RemoteInvoice>, ConnectorError> {
        let (all, _) = self.xero.all_changes::<XeroInvoice>(None).await?;
        Ok(all.iter().filter_map(remote_invoice).collect())
    }

    async fn read_invoices(&self, ids: &[String]) -> Result<Vec<RemoteInvoice>, ConnectorError> {
        let found = self.xero.invoices_by_id(ids).await?;
        Ok(found.values().filter_map(remote_invoice).collect())
    }

    async fn invoice_changes(
        &self,
        cursor: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<ledgerbridge_protocol::BooksChanges, ConnectorError> {
        books_changes::xero_changes(&self.xero, cursor).await
    }

    async fn books_invoices(
        &self,
        ids: &[String],
    ) -> Result<Vec<ledgerbridge_protocol::BooksInvoice>, ConnectorError> {
        books_changes::xero_by_id(&self.xero, ids).await
    }

    async fn closed_through(&self) -> Result<Option<NaiveDate>, ConnectorError> {
        Ok(self.xero.organisation().await?.lock_date())
    }

    async fn reference_choices(&self) -> Result<ReferenceChoices, ConnectorError> {
        let data = self.xero.reference_data().await?;
        let account = |a: &crate::wire::reference::Account| {
            a.code.clone().map(|c| Choice {
                value: c,
                label: a.name.clone(),
            })
        };
        Ok(ReferenceChoices {
            items: data
                .items
                .iter()
                .map(|i| Choice {
                    value: i.code.clone(),
                    label: i.name.clone().unwrap_or_default(),
                })
                .collect(),
            accounts: data
                .accounts
                .iter()
                .filter(|a| a.kind == "REVENUE" || a.kind == "SALES")
                .filter_map(account)
                .collect(),
            business_units: data
                .tracking_categories
                .iter()
                .flat_map(|c| {
                    c.options.iter().map(move |o| Choice {
                        value: o.name.clone(),
                        label: format!("{}: {}", c.name, o.name),
                    })
                })
                .collect(),
            tax_codes: data
                .tax_rates
                .iter()
                .map(|t| Choice {
                    value: t.tax_type.clone(),
                    label: t.name.clone(),
                })
                .collect(),
            payment_types: data
                .accounts
                .iter()
                .filter(|a| a.kind == "BANK")
                .filter_map(account)
                .collect(),
            payment_methods: Vec::new(),
        })
    }

    async fn payment_changes(
        &self,
        cursor: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<ledgerbridge_protocol::BooksPayments, ConnectorError> {
        payments::payment_changes(&self.xero, cursor).await
    }

    fn prepare(&self, writes: &[Write]) -> Result<Prepared, ConnectorError> {
        let mut prepared = Prepared::default();
        let Some(kind) = writes.first().map(Write::kind) else {
            return Ok(prepared);
        };
        // Map each write alone first, so one unmappable record is refused alone.
        let mut accepted = Vec::new();
        for (i, w) in writes.iter().enumerate() {
            match self.batch(kind, &[w])? {
                Ok(_) => accepted.push(i),
                Err(reason) => prepared.refused.push((i, reason)),
            }
        }
        if accepted.is_empty() {
            return Ok(prepared);
        }
        let chosen: Vec<&Write> = accepted.iter().map(|i| &writes[*i]).collect();
        let batch = match self.batch(kind, &chosen)? {
            Ok(b) => b,
            Err(reason) => {
                prepared
                    .refused
                    .extend(accepted.into_iter().map(|i| (i, reason.clone())));
                return Ok(prepared);
            }
        };
        prepared.request = Some(EncodedRequest {
            method: batch.method().to_string(),
            path: batch.path().to_owned(),
            body: batch.body().to_vec(),
        });
        prepared.accepted = accepted;
        Ok(prepared)
    }

    async fn send(
        &self,
        key: &str,
        request: &EncodedRequest,
        writes: &[Write],
    ) -> Result<Vec<WriteOutcome>, ConnectorError> {
        let batch = WriteBatch::from_stored(&request.method, &request.path, request.body.clone())?;
        let result = self.xero.send_batch(&batch, key).await?;
        Ok(Self::outcomes(writes, result.elements))
    }

    async fn recover(
        &self,
        key: &str,
        request: &EncodedRequest,
        writes: &[Write],
        age: Duration,
    ) -> Result<Vec<WriteOutcome>, ConnectorError> {
        let batch = WriteBatch::from_stored(&request.method, &request.path, request.body.clone())?;
        let result = self.xero.replay_batch(&batch, key, age).await?;
        Ok(Self::outcomes(writes, result.elements))
    }
}
