//! Reference data: payment types, tax zones, GL accounts, business units. Public because the
//! mapping screens and the accounting connectors' setup read them as they are.

use chrono::{DateTime, Utc};
use ledgerbridge_connector::wire::decimal;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::time_opt;

fn yes() -> bool {
    true
}

/// A payment type (`Check`, `Credit Card`, …); payments are created with its id.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PaymentType {
    /// Its id (`typeId` of a payment create).
    pub id: i64,
    /// Its name, as payments list it in `type`.
    pub name: String,
    /// Last change.
    #[serde(default, deserialize_with = "time_opt")]
    pub modified_on: Option<DateTime<Utc>>,
}

/// A tax zone and its component rates.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TaxZone {
    /// Its id (locations and newer invoices carry `taxZoneId`).
    pub id: i64,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// The component rates; several for a zone such as state + county + city.
    #[serde(default)]
    pub rates: Vec<TaxRate>,
    /// Whether it is in use.
    #[serde(default = "yes")]
    pub active: bool,
}

/// One component rate of a tax zone.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TaxRate {
    /// Its id.
    pub id: i64,
    /// Its name (`CA Sales Tax`).
    #[serde(default)]
    pub tax_name: Option<String>,
    /// The rate as a fraction (`0.0950`), read exactly.
    #[serde(deserialize_with = "decimal")]
    pub tax_rate: Decimal,
    /// The QuickBooks item related to it.
    #[serde(default)]
    pub sales_tax_item: Option<String>,
}

/// A general-ledger account.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GlAccount {
    /// Its id.
    pub id: i64,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its account number (the code lines carry).
    #[serde(default)]
    pub number: Option<String>,
    /// Its type (`Bank`, `Income`, …).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Whether it is in use.
    #[serde(default = "yes")]
    pub active: bool,
}

/// A business unit (`Plumbing - Service`): QBO class / Xero tracking option via mappings.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BusinessUnit {
    /// Its id.
    pub id: i64,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether it is in use.
    #[serde(default = "yes")]
    pub active: bool,
}
