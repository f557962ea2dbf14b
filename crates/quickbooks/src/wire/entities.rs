//! Customer, sales forms (Invoice, CreditMemo, RefundReceipt) and Payment.

use chrono::NaiveDate;
use ledgerbridge_connector::wire::{decimal_number_opt, decimal_opt};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{MetaData, Ref};

/// `PrimaryEmailAddr`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAddress {
    /// The address.
    #[serde(rename = "Address", default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// `PrimaryPhone`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelephoneNumber {
    /// The number as typed.
    #[serde(
        rename = "FreeFormNumber",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub free_form_number: Option<String>,
}

/// `BillAddr` / `ShipAddr`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PhysicalAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_sub_division_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Customer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_token: Option<String>,
    /// `true` for a sparse update.
    #[serde(rename = "sparse", default, skip_serializing_if = "Option::is_none")]
    pub sparse: Option<bool>,
    /// Unique across customers, vendors and employees (Fault 6240 otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_email_addr: Option<EmailAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_phone: Option<TelephoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_addr: Option<PhysicalAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_ref: Option<Ref>,
    /// Where the bridge notes the ServiceTitan customer it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(rename = "MetaData", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<MetaData>,
}

/// `SalesItemLineDetail`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SalesItemLineDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_ref: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_ref: Option<Ref>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decimal_opt",
        serialize_with = "decimal_number_opt"
    )]
    pub qty: Option<Decimal>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decimal_opt",
        serialize_with = "decimal_number_opt"
    )]
    pub unit_price: Option<Decimal>,
    /// US: the pseudo codes `TAX` / `NON`; elsewhere a real TaxCode id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_code_ref: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_date: Option<NaiveDate>,
}

/// `LinkedTxn`: a payment line's invoice, or an invoice's payments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LinkedTxn {
    pub txn_id: String,
    /// `Invoice`, `CreditMemo`, `Payment`, …
    pub txn_type: String,
}

/// A line of a sales form. Only sales-item lines are written; reads also return a subtotal
/// line (and any discount or description lines an accountant added).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Line {
    /// Sent back on updates so QuickBooks keeps the line's identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_num: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decimal_opt",
        serialize_with = "decimal_number_opt"
    )]
    pub amount: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sales_item_line_detail: Option<SalesItemLineDetail>,
}

impl Line {
    /// Whether this is a sales-item line (the kind the bridge writes and links).
    pub fn is_sales_item(&self) -> bool {
        self.detail_type.as_deref() == Some("SalesItemLineDetail")
    }

    /// Whether this is the subtotal QuickBooks adds on reads.
    pub fn is_subtotal(&self) -> bool {
        self.detail_type.as_deref() == Some("SubTotalLineDetail")
    }
}

/// `TxnTaxDetail`. `TotalTax` sent in a request overrides what QuickBooks (or its automated
/// sales tax) computes, so the total equals ServiceTitan's to the cent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TxnTaxDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txn_tax_code_ref: Option<Ref>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decimal_opt",
        serialize_with = "decimal_number_opt"
    )]
    pub total_tax: Option<Decimal>,
}

/// `CustomerMemo`: the message printed on the form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoRef {
    /// The text.
    pub value: String,
}

/// An Invoice, CreditMemo or RefundReceipt (they share the sales-form shape).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Invoice {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_token: Option<String>,
    #[serde(rename = "sparse", default, skip_serializing_if = "Option::is_none")]
    pub sparse: Option<bool>,
    /// ServiceTitan's invoice number; at most 21 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txn_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_ref: Option<Ref>,
    /// The business unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_ref: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_ref: Option<Ref>,
    /// The internal note: the bridge's reference back to ServiceTitan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_memo: Option<MemoRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<Vec<Line>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txn_tax_detail: Option<TxnTaxDetail>,
    /// RefundReceipt: the account the money leaves from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_to_account_ref: Option<Ref>,
    /// RefundReceipt: how it was paid out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_ref: Option<Ref>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decimal_opt",
        serialize_with = "decimal_number_opt"
    )]
    pub total_amt: Option<Decimal>,
    /// Read only.
    #[serde(default, skip_serializing, deserialize_with = "decimal_opt")]
    pub balance: Option<Decimal>,
    /// Read only: payments and credits applied.
    #[serde(default, skip_serializing)]
    pub linked_txn: Option<Vec<LinkedTxn>>,
    #[serde(rename = "MetaData", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<MetaData>,
}

/// A payment line: an amount applied to one invoice or credit memo.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PaymentLine {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decimal_opt",
        serialize_with = "decimal_number_opt"
    )]
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub linked_txn: Vec<LinkedTxn>,
}

/// A customer payment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Payment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_token: Option<String>,
    #[serde(rename = "sparse", default, skip_serializing_if = "Option::is_none")]
    pub sparse: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_ref: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub txn_date: Option<NaiveDate>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "decimal_opt",
        serialize_with = "decimal_number_opt"
    )]
    pub total_amt: Option<Decimal>,
    /// Read only: the part applied to nothing (held as credit).
    #[serde(default, skip_serializing, deserialize_with = "decimal_opt")]
    pub unapplied_amt: Option<Decimal>,
    /// Check number or authorization code; at most 21 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_ref_num: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_ref: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deposit_to_account_ref: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_ref: Option<Ref>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_note: Option<String>,
    /// "All or none": an update that touches lines must send all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<Vec<PaymentLine>>,
    #[serde(rename = "MetaData", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<MetaData>,
}
