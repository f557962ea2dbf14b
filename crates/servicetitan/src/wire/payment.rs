//! `DetailedPaymentResponse` (export: `ExportPaymentResponse`, the same plus `active`) and the
//! payment write bodies.

use chrono::{DateTime, Utc};
use ledgerbridge_connector::wire::{decimal_number, decimal_opt};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Named, id_lenient, time, time_opt};

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentWire {
    pub(crate) id: i64,
    #[serde(default)]
    pub(crate) sync_status: Option<String>,
    #[serde(default)]
    pub(crate) reference_number: Option<String>,
    #[serde(default, deserialize_with = "time_opt")]
    pub(crate) date: Option<DateTime<Utc>>,
    #[serde(default, rename = "type")]
    pub(crate) type_name: Option<String>,
    #[serde(default, deserialize_with = "id_lenient")]
    pub(crate) type_id: Option<i64>,
    #[serde(default, deserialize_with = "decimal_opt")]
    pub(crate) total: Option<Decimal>,
    #[serde(default, deserialize_with = "decimal_opt")]
    pub(crate) unapplied_amount: Option<Decimal>,
    #[serde(default)]
    pub(crate) memo: Option<String>,
    #[serde(default)]
    pub(crate) customer: Option<Named>,
    #[serde(default)]
    pub(crate) applied_to: Option<Vec<AppliedWire>>,
    #[serde(default)]
    pub(crate) auth_code: Option<String>,
    #[serde(default)]
    pub(crate) check_number: Option<String>,
    #[serde(deserialize_with = "time")]
    pub(crate) modified_on: DateTime<Utc>,
    /// In the export record and the 2026 list item; absent from the 2025 list item, where the
    /// `activeState` the list was asked with says it instead.
    #[serde(default)]
    pub(crate) active: Option<bool>,
    #[serde(default)]
    pub(crate) export_id: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppliedWire {
    /// The invoice id.
    pub(crate) applied_to: i64,
    #[serde(default, deserialize_with = "decimal_opt")]
    pub(crate) applied_amount: Option<Decimal>,
}

/// `PaymentCreateRequest`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentCreateWire<'a> {
    pub(crate) type_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) memo: Option<&'a str>,
    pub(crate) paid_on: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) check_number: Option<&'a str>,
    pub(crate) export_id: &'a str,
    pub(crate) status: &'static str,
    pub(crate) splits: Vec<SplitWire>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SplitWire {
    pub(crate) invoice_id: i64,
    #[serde(serialize_with = "decimal_number")]
    pub(crate) amount: Decimal,
}

/// `POST /payments/status`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentStatusWire<'a> {
    pub(crate) status: &'static str,
    pub(crate) payment_ids: &'a [i64],
}
