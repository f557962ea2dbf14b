//! An in-memory field-service system: its feeds deliver every record each time (as a feed
//! re-delivers a record its own export mark touched), and it remembers the marks it took.

use std::sync::Mutex;

use chrono::NaiveDate;
use futures::Stream;
use ledgerbridge_connector::{
    ChangeBatch, ConnectorError, ExportMark, ExportMarkResult, FeedCursor, SourceRecord,
};
use ledgerbridge_core::{Customer, Invoice, Payment};
use ledgerbridge_protocol::{
    BusinessUnit, GlAccount, InvoiceItemPatch, InvoicePatch, NewPayment, PaymentType, Source,
    TaxZone,
};

#[derive(Default)]
pub(crate) struct FakeSource {
    pub(crate) invoices: Mutex<Vec<SourceRecord<Invoice>>>,
    pub(crate) marks: Mutex<Vec<ExportMark>>,
}

impl FakeSource {
    pub(crate) fn with_invoices(invoices: Vec<SourceRecord<Invoice>>) -> Self {
        Self {
            invoices: Mutex::new(invoices),
            ..Self::default()
        }
    }
}

/// One batch of `records`, caught up.
fn feed<T: Send>(
    records: Vec<SourceRecord<T>>,
) -> impl Stream<Item = Result<ChangeBatch<T>, ConnectorError>> + Send {
    futures::stream::iter([Ok(ChangeBatch {
        records,
        quarantined: Vec::new(),
        cursor: FeedCursor("end".to_owned()),
        caught_up: true,
        duplicates: 0,
    })])
}

impl Source for FakeSource {
    fn tenant_id(&self) -> i64 {
        1
    }

    fn customer_changes(
        &self,
        _from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Customer>, ConnectorError>> + Send + '_ {
        feed(Vec::new())
    }

    fn invoice_changes(
        &self,
        _from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Invoice>, ConnectorError>> + Send + '_ {
        feed(self.invoices.lock().unwrap().clone())
    }

    fn payment_changes(
        &self,
        _from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Payment>, ConnectorError>> + Send + '_ {
        feed(Vec::new())
    }

    async fn invoices_by_id(
        &self,
        ids: &[i64],
    ) -> Result<Vec<SourceRecord<Invoice>>, ConnectorError> {
        let invoices = self.invoices.lock().unwrap();
        Ok(invoices
            .iter()
            .filter(|r| ids.contains(&r.id))
            .cloned()
            .collect())
    }

    async fn payments_by_id(
        &self,
        _ids: &[i64],
    ) -> Result<Vec<SourceRecord<Payment>>, ConnectorError> {
        Ok(Vec::new())
    }

    async fn invoices_dated(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<SourceRecord<Invoice>>, ConnectorError> {
        let invoices = self.invoices.lock().unwrap();
        Ok(invoices
            .iter()
            .filter(|r| (from..=to).contains(&r.record.invoice_date))
            .cloned()
            .collect())
    }

    async fn payments_applied_to(
        &self,
        _invoice_ids: &[i64],
    ) -> Result<Vec<SourceRecord<Payment>>, ConnectorError> {
        Ok(Vec::new())
    }

    async fn mark_invoices_exported(
        &self,
        marks: &[ExportMark],
    ) -> Result<Vec<ExportMarkResult>, ConnectorError> {
        // As ServiceTitan does: the invoice now says Exported and carries the books' id.
        for mark in marks {
            let mut invoices = self.invoices.lock().unwrap();
            if let Some(r) = invoices.iter_mut().find(|r| r.id == mark.invoice_id) {
                r.remote_status = Some("Exported".to_owned());
                r.export_id = Some(mark.external_id.clone());
            }
        }
        self.marks.lock().unwrap().extend(marks.iter().cloned());
        Ok(marks
            .iter()
            .map(|m| ExportMarkResult {
                invoice_id: m.invoice_id,
                outcome: Ok(()),
            })
            .collect())
    }

    async fn mark_payments_exported(&self, _ids: &[i64]) -> Result<(), ConnectorError> {
        Ok(())
    }

    async fn create_payment(&self, _payment: &NewPayment) -> Result<i64, ConnectorError> {
        Err(ConnectorError::NotSupported {
            operation: "create payment".to_owned(),
            problem: None,
        })
    }

    async fn patch_invoice(
        &self,
        _invoice_id: i64,
        _patch: &InvoicePatch,
    ) -> Result<(), ConnectorError> {
        Ok(())
    }

    async fn patch_invoice_item(
        &self,
        _invoice_id: i64,
        _item: &InvoiceItemPatch,
    ) -> Result<(), ConnectorError> {
        Ok(())
    }

    async fn payment_types(&self) -> Result<Vec<PaymentType>, ConnectorError> {
        Ok(Vec::new())
    }

    async fn tax_zones(&self) -> Result<Vec<TaxZone>, ConnectorError> {
        Ok(Vec::new())
    }

    async fn gl_accounts(&self) -> Result<Vec<GlAccount>, ConnectorError> {
        Ok(Vec::new())
    }

    async fn business_units(&self) -> Result<Vec<BusinessUnit>, ConnectorError> {
        Ok(Vec::new())
    }
}
