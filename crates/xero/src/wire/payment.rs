//! `Payment` (API facts §3): created and deleted, never modified.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Message;
use super::amount;
use super::dates::{date_opt, datetime_opt};
use super::invoice::InvoiceRef;

/// The account a payment is deposited to, by code (from the payment-type mapping) or id.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct AccountRef {
    /// The account's id.
    #[serde(rename = "AccountID", default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The account's code.
    #[serde(rename = "Code", default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A payment against one invoice.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "PascalCase")]
pub struct Payment {
    /// Xero's id (read only on create).
    #[serde(rename = "PaymentID", default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    /// The invoice paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceRef>,
    /// The deposit account (BANK, or payments enabled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountRef>,
    /// When it was paid (the lock date applies to it).
    #[serde(default, with = "date_opt", skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// At most the amount due.
    #[serde(
        default,
        deserialize_with = "amount::de",
        serialize_with = "amount::ser",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Decimal>,
    /// The payer's reference (check number); part of the look-up after a lost answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `AUTHORISED`, or `DELETED` to delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Read only: `ACCRECPAYMENT`, ….
    #[serde(default, skip_serializing)]
    pub payment_type: Option<String>,
    /// Read only.
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
