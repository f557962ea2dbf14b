//! The emulator's in-memory records. They are not wire types: amounts are `Decimal` (which
//! serializes as a string, so `GET /_sandbox/state` never sends an amount through f64) and the
//! `render` module turns them into the spec's shapes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::wire::round_money;

/// Creation/modification times plus the change sequence number the export feeds page by.
/// Sequence numbers are handed out in clock order, so "after sequence N" and "modified after
/// the record with sequence N" agree (see `export`).
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Stamp {
    pub created_on: DateTime<Utc>,
    pub modified_on: DateTime<Utc>,
    pub version: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct Address {
    pub street: String,
    pub unit: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub country: String,
    pub latitude: Option<Decimal>,
    pub longitude: Option<Decimal>,
}

/// `externalData`, scoped by the writing application's GUID.
pub(crate) type ExternalData = BTreeMap<String, Vec<(String, String)>>;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CustomField {
    pub type_id: i64,
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Customer {
    pub id: i64,
    pub active: bool,
    pub name: String,
    /// `Residential` or `Commercial`.
    pub kind: String,
    pub address: Address,
    pub custom_fields: Vec<CustomField>,
    pub tag_type_ids: Vec<i64>,
    pub do_not_mail: bool,
    pub do_not_service: bool,
    pub created_by_id: i64,
    pub merged_to_id: Option<i64>,
    pub external: ExternalData,
    pub stamp: Stamp,
}

/// A customer contact (`Phone`, `Email`, `Fax`, `MobilePhone`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Contact {
    pub id: i64,
    pub customer_id: i64,
    pub kind: String,
    pub value: String,
    pub memo: Option<String>,
    pub do_not_text: bool,
    pub active: bool,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Location {
    pub id: i64,
    pub customer_id: i64,
    pub active: bool,
    pub name: String,
    pub address: Address,
    pub tax_zone_id: Option<i64>,
    pub zone_id: Option<i64>,
    pub tag_type_ids: Vec<i64>,
    pub custom_fields: Vec<CustomField>,
    pub created_by_id: i64,
    pub external: ExternalData,
    /// Contacts given when the location was created (echoed by the create response).
    pub contacts: Vec<(i64, String, String, Option<String>)>,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct InvoiceItem {
    pub id: i64,
    pub sku_id: i64,
    pub sku_name: String,
    /// `Service`, `Material`, `Equipment`, `PriceModifier` or `Unspecified`.
    pub kind: String,
    pub description: String,
    pub quantity: Decimal,
    /// Unit price.
    pub price: Decimal,
    /// Unit cost.
    pub cost: Decimal,
    pub taxable: bool,
    pub inventory: bool,
    pub gl_account_id: Option<i64>,
    pub business_unit_id: Option<i64>,
    pub order: i32,
    pub sold_hours: Option<Decimal>,
    pub service_date: Option<DateTime<Utc>>,
    pub technician_id: Option<i64>,
    pub active: bool,
    pub stamp: Stamp,
}

impl InvoiceItem {
    /// Line total: quantity x unit price, rounded half away from zero to cents.
    pub(crate) fn total(&self) -> Decimal {
        round_money(self.quantity * self.price)
    }

    pub(crate) fn total_cost(&self) -> Decimal {
        round_money(self.quantity * self.cost)
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Job {
    pub id: i64,
    pub number: String,
    pub kind: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Invoice {
    pub id: i64,
    pub number: String,
    /// `Pending`, `Posted` or `Exported`.
    pub sync_status: String,
    pub summary: Option<String>,
    pub invoice_date: DateTime<Utc>,
    pub due_date: DateTime<Utc>,
    pub customer_id: i64,
    pub location_id: Option<i64>,
    pub business_unit_id: Option<i64>,
    pub term_name: String,
    pub created_by: String,
    pub batch: Option<(i64, String, String)>,
    pub adjustment_to_id: Option<i64>,
    pub job: Option<Job>,
    pub sent_status: String,
    pub review_status: String,
    pub items: Vec<InvoiceItem>,
    pub active: bool,
    pub import_id: Option<String>,
    pub export_id: Option<String>,
    pub tax_zone_id: Option<i64>,
    /// The combined rate in force when the invoice was written (a later rate change does not
    /// re-tax it).
    pub tax_rate: Decimal,
    pub sub_total: Decimal,
    pub sales_tax: Decimal,
    pub royalty_status: Option<String>,
    pub royalty_memo: Option<String>,
    pub assigned_to_id: Option<i64>,
    pub stamp: Stamp,
}

impl Invoice {
    pub(crate) fn active_items(&self) -> impl Iterator<Item = &InvoiceItem> {
        self.items.iter().filter(|i| i.active)
    }

    /// Recomputes subtotal and tax from the active items. Tax is computed once on the taxable
    /// base and rounded at invoice level, half away from zero (ServiceTitan rounds per invoice).
    pub(crate) fn recompute(&mut self) {
        let sub: Decimal = self.active_items().map(InvoiceItem::total).sum();
        let taxable: Decimal = self
            .active_items()
            .filter(|i| i.taxable)
            .map(InvoiceItem::total)
            .sum();
        self.sub_total = sub;
        self.sales_tax = round_money(taxable.max(Decimal::ZERO) * self.tax_rate);
    }

    pub(crate) fn total(&self) -> Decimal {
        self.sub_total + self.sales_tax
    }

    /// The negative (discount) lines, as a positive amount.
    pub(crate) fn discount_total(&self) -> Decimal {
        -self
            .active_items()
            .map(InvoiceItem::total)
            .filter(|t| t.is_sign_negative())
            .sum::<Decimal>()
    }
}

/// One application of a payment: to an invoice, or unapplied (`invoice_id: None`, an
/// over-payment's credit or a refund of it).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Split {
    pub applied_id: i64,
    pub invoice_id: Option<i64>,
    pub amount: Decimal,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Payment {
    pub id: i64,
    pub sync_status: String,
    pub reference_number: String,
    pub paid_on: DateTime<Utc>,
    pub type_id: i64,
    pub memo: Option<String>,
    pub customer_id: i64,
    pub business_unit_id: Option<i64>,
    pub batch: Option<(i64, String, String)>,
    pub created_by: String,
    pub auth_code: Option<String>,
    pub check_number: Option<String>,
    pub export_id: Option<String>,
    pub active: bool,
    pub splits: Vec<Split>,
    pub stamp: Stamp,
}

impl Payment {
    pub(crate) fn total(&self) -> Decimal {
        self.splits.iter().map(|s| s.amount).sum()
    }

    pub(crate) fn unapplied(&self) -> Decimal {
        self.splits
            .iter()
            .filter(|s| s.invoice_id.is_none())
            .map(|s| s.amount)
            .sum()
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct PaymentType {
    pub id: i64,
    pub name: String,
    pub active: bool,
    pub gl_account_id: i64,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TaxRate {
    pub id: i64,
    pub name: String,
    pub rate: Decimal,
    pub base: Vec<String>,
    pub sales_tax_item: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TaxZone {
    pub id: i64,
    pub name: String,
    pub color: i32,
    pub is_tax_rate_separated: bool,
    pub is_multiple_tax_zone: bool,
    pub rates: Vec<TaxRate>,
    pub active: bool,
    pub stamp: Stamp,
}

impl TaxZone {
    pub(crate) fn combined_rate(&self) -> Decimal {
        self.rates.iter().map(|r| r.rate).sum()
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct GlAccount {
    pub id: i64,
    pub name: String,
    pub number: String,
    pub description: Option<String>,
    pub kind: String,
    pub subtype: Option<String>,
    pub active: bool,
    pub source: String,
    pub default_account_type: Option<String>,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct BusinessUnit {
    pub id: i64,
    pub name: String,
    pub official_name: String,
    pub email: String,
    pub phone: String,
    pub address: Address,
    pub quickbooks_class: Option<String>,
    pub active: bool,
    pub external: ExternalData,
    pub stamp: Stamp,
}

/// A price-book entry the demo invoices draw their lines from.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Sku {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub description: String,
    pub price: Decimal,
    pub cost: Decimal,
    pub taxable: bool,
    pub gl_account_id: i64,
}
