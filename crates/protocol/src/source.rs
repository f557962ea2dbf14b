//! [`Source`]: what the engine needs from a field-service system (ServiceTitan), the side the
//! bridge reads from and writes back to.
//!
//! Design decisions:
//!
//! * **Change feeds are streams of batches, each with the cursor after it.** The engine
//!   persists a batch's records and only then its cursor, so a crash re-reads at most one
//!   batch and never skips one. Records travel as [`SourceRecord`]s (id, version, export id
//!   and status beside the canonical record); a record that cannot be read comes back
//!   quarantined in its batch, not as an error.
//! * **Writes are the ones the engine makes**: export marks, payments recorded in the books
//!   ([`NewPayment`]), and the accountant's invoice edits ([`InvoicePatch`],
//!   [`InvoiceItemPatch`]). Creating a payment is not idempotent: after an unknown outcome the
//!   engine finds it with [`Source::payments_applied_to`], never by sending it again.
//! * **Reference lists in the engine's terms.** Payment types, tax zones, GL accounts and
//!   business units are what mappings are made from; the connector converts its wire shapes.
//! * **Static dispatch**, like [`crate::Target`]: methods return `impl Future + Send` or
//!   `impl Stream + Send`, and the engine is generic over its source.

use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use futures::Stream;
use ledgerbridge_connector::wire::{decimal_number, decimal_number_opt};
use ledgerbridge_connector::{
    ChangeBatch, ConnectorError, ExportMark, ExportMarkResult, FeedCursor, SourceRecord,
};
use ledgerbridge_core::{Customer, Invoice, Payment};
use rust_decimal::Decimal;
use serde::Serialize;

/// A payment to create in the source (one recorded in the books).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPayment {
    /// The payment type id (see [`Source::payment_types`]).
    pub type_id: i64,
    /// When it was paid.
    pub paid_on: DateTime<Utc>,
    /// Memo.
    pub memo: Option<String>,
    /// Check number or other reference.
    pub check_number: Option<String>,
    /// Our id for it (the accounting payment), stored as `exportId` so a look-up finds it.
    pub export_id: String,
    /// `(invoice id, amount)` splits.
    pub splits: Vec<(i64, Decimal)>,
}

/// An invoice edit (ServiceTitan `InvoiceUpdateRequest`): only the fields set are sent.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct InvoicePatch {
    /// New invoice number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// New summary (memo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The accounting-side id to store on the invoice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub export_id: Option<String>,
    /// New invoice date (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoiced_on: Option<DateTime<Utc>>,
    /// New due date (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<DateTime<Utc>>,
}

/// One invoice item edit (ServiceTitan `InvoiceItemUpdateRequest`): `id` present updates that
/// item, absent adds one.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct InvoiceItemPatch {
    /// The item to update; `None` adds a new item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Required by the API.
    pub description: String,
    /// Required by the API; sent as an exact number.
    #[serde(serialize_with = "decimal_number")]
    pub quantity: Decimal,
    /// Unit price, as an exact number.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "decimal_number_opt"
    )]
    pub unit_price: Option<Decimal>,
    /// The pricebook SKU.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku_id: Option<i64>,
}

/// A payment type (`Check`, `Credit Card`, …); payments are created with its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentType {
    /// Its id ([`NewPayment::type_id`]).
    pub id: i64,
    /// Its name, as payments name their type.
    pub name: String,
}

/// A tax zone and its component rates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxZone {
    /// Its id.
    pub id: i64,
    /// Its name (what a tax-zone mapping is keyed by).
    pub name: Option<String>,
    /// The component rates (state + county + city …).
    pub rates: Vec<TaxRate>,
    /// Whether it is in use.
    pub active: bool,
}

/// One component rate of a tax zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxRate {
    /// Its id (invoices name their tax by it: `st:N`).
    pub id: i64,
    /// Its name (`CA Sales Tax`).
    pub tax_name: Option<String>,
    /// The rate as a fraction (`0.0950`), exact.
    pub tax_rate: Decimal,
}

/// A general-ledger account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlAccount {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: Option<String>,
    /// Its account number (the code lines carry).
    pub number: Option<String>,
    /// Its type (`Bank`, `Income`, …).
    pub kind: Option<String>,
    /// Whether it is in use.
    pub active: bool,
}

/// A business unit (`Plumbing - Service`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusinessUnit {
    /// Its id.
    pub id: i64,
    /// Its name (what a business-unit mapping is keyed by).
    pub name: Option<String>,
    /// Whether it is in use.
    pub active: bool,
}

/// What the engine needs from a field-service system. See the module docs.
pub trait Source: Send + Sync {
    /// The source's tenant id (it names the requests the outbox records).
    fn tenant_id(&self) -> i64;

    /// Customers changed since `from` (`None`: from the beginning), as batches.
    fn customer_changes(
        &self,
        from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Customer>, ConnectorError>> + Send + '_;

    /// Invoices (with their lines and tax) changed since `from`, as batches.
    fn invoice_changes(
        &self,
        from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Invoice>, ConnectorError>> + Send + '_;

    /// Payments (with their allocations) changed since `from`, as batches.
    fn payment_changes(
        &self,
        from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<Payment>, ConnectorError>> + Send + '_;

    /// Invoices by id, voided ones included; unknown ids are absent from the result.
    fn invoices_by_id(
        &self,
        ids: &[i64],
    ) -> impl Future<Output = Result<Vec<SourceRecord<Invoice>>, ConnectorError>> + Send;

    /// Payments by id, voided ones included; unknown ids are absent from the result.
    fn payments_by_id(
        &self,
        ids: &[i64],
    ) -> impl Future<Output = Result<Vec<SourceRecord<Payment>>, ConnectorError>> + Send;

    /// Invoices dated around `from..=to` (the source may return a day more on each side;
    /// callers keep those dated in the period): the report's live read.
    fn invoices_dated(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Future<Output = Result<Vec<SourceRecord<Invoice>>, ConnectorError>> + Send;

    /// Payments (voided ones included) applied to any of `invoice_ids`: the look-up that
    /// settles a [`Source::create_payment`] whose answer was lost.
    fn payments_applied_to(
        &self,
        invoice_ids: &[i64],
    ) -> impl Future<Output = Result<Vec<SourceRecord<Payment>>, ConnectorError>> + Send;

    /// Marks invoices exported; one result per mark, in order.
    fn mark_invoices_exported(
        &self,
        marks: &[ExportMark],
    ) -> impl Future<Output = Result<Vec<ExportMarkResult>, ConnectorError>> + Send;

    /// Marks payments exported.
    fn mark_payments_exported(
        &self,
        ids: &[i64],
    ) -> impl Future<Output = Result<(), ConnectorError>> + Send;

    /// Creates a payment; returns its id. Never repeated after an unknown outcome;
    /// [`ConnectorError::NotSupported`] when the tenant cannot take payments.
    fn create_payment(
        &self,
        payment: &NewPayment,
    ) -> impl Future<Output = Result<i64, ConnectorError>> + Send;

    /// Patches an invoice's fields (only those set in `patch`).
    fn patch_invoice(
        &self,
        invoice_id: i64,
        patch: &InvoicePatch,
    ) -> impl Future<Output = Result<(), ConnectorError>> + Send;

    /// Updates one invoice item (`item.id` set) or adds one (`item.id` unset).
    fn patch_invoice_item(
        &self,
        invoice_id: i64,
        item: &InvoiceItemPatch,
    ) -> impl Future<Output = Result<(), ConnectorError>> + Send;

    /// The payment types.
    fn payment_types(
        &self,
    ) -> impl Future<Output = Result<Vec<PaymentType>, ConnectorError>> + Send;

    /// The tax zones with their rates.
    fn tax_zones(&self) -> impl Future<Output = Result<Vec<TaxZone>, ConnectorError>> + Send;

    /// The general-ledger accounts.
    fn gl_accounts(&self) -> impl Future<Output = Result<Vec<GlAccount>, ConnectorError>> + Send;

    /// The business units.
    fn business_units(
        &self,
    ) -> impl Future<Output = Result<Vec<BusinessUnit>, ConnectorError>> + Send;
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    #[test]
    fn an_item_edit_sends_only_what_is_set_and_exact_numbers() {
        let add = InvoiceItemPatch {
            id: None,
            description: "Filter".to_owned(),
            quantity: Decimal::new(15, 1),
            unit_price: Some(Decimal::new(1999, 2)),
            sku_id: None,
        };
        let json = serde_json::to_string(&add).expect("json");
        assert_eq!(
            json,
            r#"{"description":"Filter","quantity":1.5,"unitPrice":19.99}"#
        );
        let patch = InvoicePatch {
            export_id: Some("INV-1".to_owned()),
            ..InvoicePatch::default()
        };
        let json = serde_json::to_string(&patch).expect("json");
        assert_eq!(json, r#"{"exportId":"INV-1"}"#);
    }
}
