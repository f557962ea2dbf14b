//! Reference data, read only: items, tax rates, accounts, tracking categories, the
//! organisation (its lock dates and base currency), and the identity service's connections.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::amount;
use super::dates::{date_opt, datetime_opt};

/// Sales defaults of an item.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct SalesDetails {
    /// Default unit price.
    #[serde(default, deserialize_with = "amount::de")]
    pub unit_price: Option<Decimal>,
    /// Default revenue account.
    #[serde(default)]
    pub account_code: Option<String>,
    /// Default tax type.
    #[serde(default)]
    pub tax_type: Option<String>,
}

/// An item (price-list entry).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Item {
    /// Xero's id.
    #[serde(rename = "ItemID", default)]
    pub item_id: String,
    /// The code lines refer to (`ItemCode`).
    #[serde(default)]
    pub code: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether it can be sold.
    #[serde(default)]
    pub is_sold: Option<bool>,
    /// Sales defaults.
    #[serde(default)]
    pub sales_details: Option<SalesDetails>,
    /// Version.
    #[serde(
        rename = "UpdatedDateUTC",
        default,
        deserialize_with = "datetime_opt::deserialize"
    )]
    pub updated_date_utc: Option<DateTime<Utc>>,
}

/// One component of a tax rate.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct TaxComponent {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Percent.
    #[serde(default, deserialize_with = "amount::de")]
    pub rate: Option<Decimal>,
}

/// A tax rate, named by its `TaxType`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct TaxRate {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// The code lines refer to (`OUTPUT`, `NONE`, `TAX001`).
    #[serde(default)]
    pub tax_type: String,
    /// ACTIVE, DELETED, ARCHIVED, PENDING.
    #[serde(default)]
    pub status: Option<String>,
    /// Percent, 4 decimals.
    #[serde(default, deserialize_with = "amount::de")]
    pub effective_rate: Option<Decimal>,
    /// Components.
    #[serde(default)]
    pub tax_components: Vec<TaxComponent>,
}

/// A ledger account.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Account {
    /// Xero's id.
    #[serde(rename = "AccountID", default)]
    pub account_id: String,
    /// Its code (absent on some bank accounts).
    #[serde(default)]
    pub code: Option<String>,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// BANK, REVENUE, SALES, CURRLIAB, ….
    #[serde(rename = "Type", default)]
    pub kind: String,
    /// ACTIVE, ARCHIVED, DELETED.
    #[serde(default)]
    pub status: Option<String>,
    /// Whether payments may be deposited to it although it is not a bank account.
    #[serde(default)]
    pub enable_payments_to_account: Option<bool>,
    /// Its currency (bank accounts).
    #[serde(default)]
    pub currency_code: Option<String>,
}

impl Account {
    /// Whether a payment may go to this account (API facts §3: BANK, or payments enabled).
    pub fn takes_payments(&self) -> bool {
        self.kind.eq_ignore_ascii_case("BANK") || self.enable_payments_to_account == Some(true)
    }
}

/// An option of a tracking category.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct TrackingOption {
    /// Xero's id.
    #[serde(rename = "TrackingOptionID", default)]
    pub tracking_option_id: String,
    /// Its name (what a line's `Tracking.Option` names).
    #[serde(default)]
    pub name: String,
    /// ACTIVE, ARCHIVED, DELETED.
    #[serde(default)]
    pub status: Option<String>,
}

/// A tracking category ("Business Unit").
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct TrackingCategory {
    /// Xero's id.
    #[serde(rename = "TrackingCategoryID", default)]
    pub tracking_category_id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// ACTIVE, ARCHIVED, DELETED.
    #[serde(default)]
    pub status: Option<String>,
    /// Its options.
    #[serde(default)]
    pub options: Vec<TrackingOption>,
}

/// The organisation: what the bridge needs of it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Organisation {
    /// Xero's id.
    #[serde(rename = "OrganisationID", default)]
    pub organisation_id: String,
    /// Its name (shown by `connect` and `doctor`; not customer data).
    #[serde(default)]
    pub name: String,
    /// Base currency.
    #[serde(default)]
    pub base_currency: Option<String>,
    /// Country.
    #[serde(default)]
    pub country_code: Option<String>,
    /// Nothing dated on or before it may be created or changed.
    #[serde(default, with = "date_opt")]
    pub period_lock_date: Option<NaiveDate>,
    /// The year-end lock (advisers only may post before it).
    #[serde(default, with = "date_opt")]
    pub end_of_year_lock_date: Option<NaiveDate>,
    /// Whether it is Xero's demo company.
    #[serde(default)]
    pub is_demo_company: Option<bool>,
}

impl Organisation {
    /// The later of the two lock dates: nothing on or before it can be written by the bridge.
    pub fn lock_date(&self) -> Option<NaiveDate> {
        self.period_lock_date.max(self.end_of_year_lock_date)
    }
}

/// One organisation the user connected to the app (`GET /connections`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// The connection's id (for `DELETE /connections/{id}`).
    #[serde(default)]
    pub id: String,
    /// The organisation's id: the `xero-tenant-id` header.
    #[serde(default)]
    pub tenant_id: String,
    /// `ORGANISATION` (or `PRACTICE`).
    #[serde(default)]
    pub tenant_type: String,
    /// The organisation's name.
    #[serde(default)]
    pub tenant_name: Option<String>,
    /// When the user connected it (7 fractional digits, no zone: read as UTC).
    #[serde(default, deserialize_with = "datetime_opt::deserialize")]
    pub created_date_utc: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_connection_and_a_lock_date_read() {
        let text = r#"[ { "id": "7cb59f93-2964-421d-bb5e-a0f7a4572a44", "authEventId": "00000000-0000-0000-0000-000000000000",
            "tenantId": "fe79f7dd-b6d4-4a92-ba7b-538af6289c58", "tenantType": "ORGANISATION",
            "tenantName": "Demo Company (NZ)", "createdDateUtc": "2019-12-07T18:46:19.5165400",
            "updatedDateUtc": "2019-12-07T18:46:19.5187840" } ]"#;
        let c: Vec<Connection> = serde_json::from_str(text).unwrap();
        assert_eq!(c[0].tenant_id, "fe79f7dd-b6d4-4a92-ba7b-538af6289c58");
        assert!(c[0].created_date_utc.is_some());
        let org: Organisation = serde_json::from_str(
            r#"{"Name":"X","PeriodLockDate":"/Date(1419937200000+0000)/","EndOfYearLockDate":null}"#,
        )
        .unwrap();
        assert_eq!(org.lock_date(), NaiveDate::from_ymd_opt(2014, 12, 30));
    }
}
