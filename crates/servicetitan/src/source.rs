//! [`Source`] for ServiceTitan: the inherent methods under the engine's trait, and the
//! reference lists converted from their wire shapes to the protocol's.

use chrono::NaiveDate;
use futures::{Stream, TryStreamExt};
use ledgerbridge_connector::{
    ChangeBatch, ConnectorError, ExportMark, ExportMarkResult, FeedCursor, SourceRecord,
};
use ledgerbridge_core::{Customer, Invoice, Payment};
use ledgerbridge_protocol as protocol;
use ledgerbridge_protocol::{InvoiceItemPatch, InvoicePatch, NewPayment, Source};

use crate::client::ServiceTitan;
use crate::wire::reference as wire;

impl Source for ServiceTitan {
    fn tenant_id(&self) -> i64 {
        ServiceTitan::tenant_id(self)
    }

    fn customer_changes(
        &self,
        from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Customer>, ConnectorError>> + Send + '_ {
        ServiceTitan::customer_changes(self, from)
    }

    fn invoice_changes(
        &self,
        from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Invoice>, ConnectorError>> + Send + '_ {
        ServiceTitan::invoice_changes(self, from)
    }

    fn payment_changes(
        &self,
        from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Payment>, ConnectorError>> + Send + '_ {
        ServiceTitan::payment_changes(self, from)
    }

    async fn invoices_by_id(
        &self,
        ids: &[i64],
    ) -> Result<Vec<SourceRecord<Invoice>>, ConnectorError> {
        ServiceTitan::invoices_by_id(self, ids).await
    }

    async fn payments_by_id(
        &self,
        ids: &[i64],
    ) -> Result<Vec<SourceRecord<Payment>>, ConnectorError> {
        ServiceTitan::payments_by_id(self, ids).await
    }

    async fn invoices_dated(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<SourceRecord<Invoice>>, ConnectorError> {
        let pages: Vec<_> = self.invoice_pages_dated(from, to).try_collect().await?;
        Ok(pages.into_iter().flat_map(|p| p.records).collect())
    }

    async fn payments_applied_to(
        &self,
        invoice_ids: &[i64],
    ) -> Result<Vec<SourceRecord<Payment>>, ConnectorError> {
        ServiceTitan::payments_applied_to(self, invoice_ids).await
    }

    async fn mark_invoices_exported(
        &self,
        marks: &[ExportMark],
    ) -> Result<Vec<ExportMarkResult>, ConnectorError> {
        ServiceTitan::mark_invoices_exported(self, marks).await
    }

    async fn mark_payments_exported(&self, ids: &[i64]) -> Result<(), ConnectorError> {
        ServiceTitan::mark_payments_exported(self, ids).await
    }

    async fn create_payment(&self, payment: &NewPayment) -> Result<i64, ConnectorError> {
        ServiceTitan::create_payment(self, payment).await
    }

    async fn patch_invoice(
        &self,
        invoice_id: i64,
        patch: &InvoicePatch,
    ) -> Result<(), ConnectorError> {
        ServiceTitan::patch_invoice(self, invoice_id, patch).await
    }

    async fn patch_invoice_item(
        &self,
        invoice_id: i64,
        item: &InvoiceItemPatch,
    ) -> Result<(), ConnectorError> {
        ServiceTitan::patch_invoice_item(self, invoice_id, item).await
    }

    async fn payment_types(&self) -> Result<Vec<protocol::PaymentType>, ConnectorError> {
        let types = ServiceTitan::payment_types(self).await?;
        Ok(types.into_iter().map(payment_type).collect())
    }

    async fn tax_zones(&self) -> Result<Vec<protocol::TaxZone>, ConnectorError> {
        let zones = ServiceTitan::tax_zones(self).await?;
        Ok(zones.into_iter().map(tax_zone).collect())
    }

    async fn gl_accounts(&self) -> Result<Vec<protocol::GlAccount>, ConnectorError> {
        let accounts = ServiceTitan::gl_accounts(self).await?;
        Ok(accounts.into_iter().map(gl_account).collect())
    }

    async fn business_units(&self) -> Result<Vec<protocol::BusinessUnit>, ConnectorError> {
        let units = ServiceTitan::business_units(self).await?;
        Ok(units.into_iter().map(business_unit).collect())
    }
}

fn payment_type(w: wire::PaymentType) -> protocol::PaymentType {
    protocol::PaymentType {
        id: w.id,
        name: w.name,
    }
}

fn tax_zone(w: wire::TaxZone) -> protocol::TaxZone {
    protocol::TaxZone {
        id: w.id,
        name: w.name,
        rates: w
            .rates
            .into_iter()
            .map(|r| protocol::TaxRate {
                id: r.id,
                tax_name: r.tax_name,
                tax_rate: r.tax_rate,
            })
            .collect(),
        active: w.active,
    }
}

fn gl_account(w: wire::GlAccount) -> protocol::GlAccount {
    protocol::GlAccount {
        id: w.id,
        name: w.name,
        number: w.number,
        kind: w.kind,
        active: w.active,
    }
}

fn business_unit(w: wire::BusinessUnit) -> protocol::BusinessUnit {
    protocol::BusinessUnit {
        id: w.id,
        name: w.name,
        active: w.active,
    }
}
