//! [`FieldServiceSource`] for ServiceTitan: the inherent methods, under the shared trait.

use futures::Stream;
use ledgerbridge_connector::{
    ChangeBatch, ConnectorError, ExportMark, ExportMarkResult, FeedCursor, FieldServiceSource,
    SourceRecord,
};
use ledgerbridge_core::{Customer, Invoice, Payment};

use crate::client::ServiceTitan;

impl FieldServiceSource for ServiceTitan {
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

    async fn invoices(&self, ids: &[i64]) -> Result<Vec<SourceRecord<Invoice>>, ConnectorError> {
        self.invoices_by_id(ids).await
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

    async fn record_payment(
        &self,
        payment: &Payment,
        external_id: &str,
    ) -> Result<i64, ConnectorError> {
        ServiceTitan::record_payment(self, payment, external_id).await
    }
}
