//! `Contact` (API facts §3): the bridge's customers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Message;
use super::dates::datetime_opt;

/// A postal address slot (`POBOX` is the billing address, `STREET` the physical one).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Address {
    /// `POBOX` or `STREET`.
    #[serde(default)]
    pub address_type: String,
    /// First line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    /// Second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A phone slot (`DEFAULT`, `DDI`, `MOBILE`, `FAX`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Phone {
    /// The slot.
    #[serde(default)]
    pub phone_type: String,
    /// The number as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

/// A contact.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Contact {
    /// Xero's id; set on update.
    #[serde(rename = "ContactID", default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    /// An API-only external id (≤ 50): the bridge writes `ST-{customer id}` here, so a
    /// customer is found again by id, never by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_number: Option<String>,
    /// Unique among active contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Primary email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// `ACTIVE` or `ARCHIVED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_status: Option<String>,
    /// The default sales tax type (the exempt one for tax-exempt customers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts_receivable_tax_type: Option<String>,
    /// Currency for a foreign-currency customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_currency: Option<String>,
    /// Address slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<Address>>,
    /// Phone slots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phones: Option<Vec<Phone>>,
    /// Read only: the version.
    #[serde(
        rename = "UpdatedDateUTC",
        default,
        deserialize_with = "datetime_opt::deserialize",
        skip_serializing
    )]
    pub updated_date_utc: Option<DateTime<Utc>>,
    /// Per-element result of a write.
    #[serde(default, skip_serializing)]
    pub status_attribute_string: Option<String>,
    /// Why an element was refused.
    #[serde(default, skip_serializing)]
    pub validation_errors: Vec<Message>,
    /// Warnings on a saved element.
    #[serde(default, skip_serializing)]
    pub warnings: Vec<Message>,
}
