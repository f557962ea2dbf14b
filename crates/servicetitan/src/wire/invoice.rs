//! `Accounting.V2.InvoiceResponse` (the export feed's `ExportInvoiceResponse` is identical)
//! and its items, plus the write bodies for invoices.

use chrono::{DateTime, Utc};
use ledgerbridge_connector::wire::decimal_opt;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Named, time, time_opt};

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InvoiceWire {
    pub(crate) id: i64,
    #[serde(default)]
    pub(crate) sync_status: Option<String>,
    #[serde(default)]
    pub(crate) summary: Option<String>,
    #[serde(default)]
    pub(crate) reference_number: Option<String>,
    #[serde(default, deserialize_with = "time_opt")]
    pub(crate) invoice_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "time_opt")]
    pub(crate) due_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "decimal_opt")]
    pub(crate) sub_total: Option<Decimal>,
    #[serde(default, deserialize_with = "decimal_opt")]
    pub(crate) sales_tax: Option<Decimal>,
    #[serde(default, deserialize_with = "decimal_opt")]
    pub(crate) total: Option<Decimal>,
    #[serde(default, deserialize_with = "decimal_opt")]
    pub(crate) balance: Option<Decimal>,
    #[serde(default)]
    pub(crate) sales_tax_code: Option<SalesTaxCodeWire>,
    #[serde(default)]
    pub(crate) tax_zone_id: Option<i64>,
    #[serde(default)]
    pub(crate) customer: Option<Named>,
    /// The service location; its CRM record carries the tax zone (the 2025 invoice does not).
    #[serde(default)]
    pub(crate) location: Option<Named>,
    #[serde(default)]
    pub(crate) business_unit: Option<Named>,
    #[serde(default, deserialize_with = "time_opt")]
    pub(crate) modified_on: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "time")]
    pub(crate) created_on: DateTime<Utc>,
    #[serde(default)]
    pub(crate) items: Option<Vec<InvoiceItemWire>>,
    /// Required by the spec, absent from the official example: default to active.
    #[serde(default = "yes")]
    pub(crate) active: bool,
    #[serde(default)]
    pub(crate) export_id: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SalesTaxCodeWire {
    pub(crate) id: i64,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default, deserialize_with = "decimal_opt")]
    pub(crate) tax_rate: Option<Decimal>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InvoiceItemWire {
    pub(crate) id: i64,
    #[serde(default)]
    pub(crate) description: Option<String>,
    #[serde(default, deserialize_with = "decimal_opt")]
    pub(crate) quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "decimal_opt")]
    pub(crate) price: Option<Decimal>,
    #[serde(default, deserialize_with = "decimal_opt")]
    pub(crate) total: Option<Decimal>,
    #[serde(default)]
    pub(crate) sku_name: Option<String>,
    #[serde(default)]
    pub(crate) display_name: Option<String>,
    #[serde(default)]
    pub(crate) taxable: bool,
    #[serde(default)]
    pub(crate) general_ledger_account: Option<GlAccountRefWire>,
    #[serde(default)]
    pub(crate) order: Option<i32>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GlAccountRefWire {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) number: Option<String>,
}

/// One entry of `POST /invoices/markasexported`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MarkExportedWire<'a> {
    pub(crate) invoice_id: i64,
    pub(crate) external_id: &'a str,
    pub(crate) external_message: Option<&'a str>,
}

/// One entry of its answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MarkExportedResultWire {
    pub(crate) invoice_id: i64,
    pub(crate) success: bool,
    #[serde(default)]
    pub(crate) error_message: Option<String>,
}

// The edit requests are the engine's (`ledgerbridge_protocol`); their JSON is ServiceTitan's.
pub use ledgerbridge_protocol::{InvoiceItemPatch, InvoicePatch};

/// `AdjustmentInvoiceCreateRequest` (POST `/invoices`): an adjustment to an existing invoice,
/// ServiceTitan's own way of changing an exported invoice.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AdjustmentInvoice {
    /// The invoice adjusted.
    pub adjustment_to_id: i64,
    /// Its number, when not ServiceTitan's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Summary (memo).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The adjustment's items.
    pub items: Vec<InvoiceItemPatch>,
}
