//! CRM `CustomerResponse`, its contacts and `LocationResponse`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{AddressWire, time};

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerWire {
    pub(crate) id: i64,
    #[serde(default = "yes")]
    pub(crate) active: bool,
    pub(crate) name: String,
    /// `Residential | Commercial` (a string enum; the spec's examples render it as `{}`).
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) address: Option<AddressWire>,
    #[serde(default)]
    pub(crate) tax_exempt: Option<bool>,
    #[serde(deserialize_with = "time")]
    pub(crate) modified_on: DateTime<Utc>,
}

impl CustomerWire {
    pub(crate) fn is_commercial(&self) -> bool {
        self.kind
            .as_ref()
            .and_then(|k| k.as_str())
            .is_some_and(|k| k.eq_ignore_ascii_case("commercial"))
    }
}

/// `CustomerContactWithModifiedOn(AndCustomerId)Response`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContactWire {
    pub(crate) id: i64,
    #[serde(default)]
    pub(crate) customer_id: Option<i64>,
    /// `Phone | Email | Fax | MobilePhone` (also seen: `LandlinePhone`).
    #[serde(default, rename = "type")]
    pub(crate) kind: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) value: Option<String>,
    #[serde(default = "yes")]
    pub(crate) active: bool,
}

impl ContactWire {
    pub(crate) fn kind(&self) -> &str {
        self.kind.as_ref().and_then(|k| k.as_str()).unwrap_or("")
    }
}

/// `LocationResponse`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LocationWire {
    pub(crate) id: i64,
    pub(crate) customer_id: i64,
    #[serde(default = "yes")]
    pub(crate) active: bool,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) address: Option<AddressWire>,
    #[serde(default)]
    pub(crate) tax_zone_id: Option<i64>,
    #[serde(default)]
    pub(crate) tax_exempt: Option<bool>,
}
