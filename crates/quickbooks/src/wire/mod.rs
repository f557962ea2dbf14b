//! QuickBooks Online v3 JSON, as `shared/api/quickbooks.md` describes it.
//!
//! One struct per shape, used both ways: every field is optional and skipped when absent,
//! because a sparse update must carry only what it changes and reads (CDC deletion stubs
//! especially) may omit anything. Amounts, quantities and prices are exact decimals written
//! as JSON number tokens with exactly their digits ([`ledgerbridge_connector::wire`]); a
//! float never touches them. Entity, query and batch envelopes keep records as raw JSON text
//! first, so one malformed record is quarantined instead of failing its page.

pub mod entities;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

pub use entities::{
    Customer, EmailAddress, Invoice, Line, LinkedTxn, Payment, PaymentLine, PhysicalAddress,
    SalesItemLineDetail, TelephoneNumber, TxnTaxDetail,
};

/// A reference to another object: `{"value": "42", "name": "Services"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ref {
    /// The referenced object's id (or a pseudo code such as `TAX`/`NON`).
    pub value: String,
    /// Its display name, when QuickBooks includes it (never sent by us).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Ref {
    /// A reference to `value`.
    pub fn to(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            name: None,
        }
    }
}

/// `MetaData`: when the object was created and last changed. Kept as text: the last
/// change is echoed back verbatim as a query bound, and a time QuickBooks writes in a shape
/// we do not expect must not make the whole record unreadable.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetaData {
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// Last change: the field query paging and CDC windows follow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated_time: Option<String>,
}

impl MetaData {
    /// The last change in UTC, when it is readable.
    pub fn last_updated(&self) -> Option<DateTime<Utc>> {
        self.last_updated_time.as_deref().and_then(parse_time)
    }
}

/// Reads a QuickBooks time: RFC 3339 (`2015-08-10T11:33:46-07:00`, `…Z`, with fractions) or
/// the colon-less offset seen in webhooks (`2015-10-05T14:42:19-0700`).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The identity and version every entity carries, read before the rest of it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Envelope {
    /// The entity id.
    #[serde(rename = "Id", default)]
    pub id: Option<String>,
    /// Its optimistic-lock version.
    #[serde(rename = "SyncToken", default)]
    pub sync_token: Option<String>,
    /// Its times.
    #[serde(rename = "MetaData", default)]
    pub meta: Option<MetaData>,
    /// `Deleted` on CDC stubs of deleted objects.
    #[serde(default)]
    pub status: Option<String>,
}

impl Envelope {
    /// Whether this is the stub of a deleted object.
    pub fn is_deleted(&self) -> bool {
        self.status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("deleted"))
    }
}

/// One error inside a `Fault`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct FaultError {
    /// Short message.
    #[serde(rename = "Message", alias = "message", default)]
    pub message: Option<String>,
    /// Details; may quote submitted values (names), so kept out of logs.
    #[serde(rename = "Detail", alias = "detail", default)]
    pub detail: Option<String>,
    /// The error code, a string (`"5010"`).
    #[serde(default)]
    pub code: Option<String>,
    /// The field at fault, when QuickBooks names one.
    #[serde(default)]
    pub element: Option<String>,
}

/// `{"Fault": {"Error": [...], "type": "ValidationFault"}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Fault {
    /// The errors, at least one in practice.
    #[serde(rename = "Error", alias = "error", default)]
    pub errors: Vec<FaultError>,
    /// `ValidationFault`, `SystemFault`, `AUTHENTICATION`, …
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// A query page: `{"QueryResponse": {"Invoice": [...], "startPosition": 1, "maxResults": 2}}`.
/// The records stay raw until each is parsed on its own.
#[derive(Debug, Default, Deserialize)]
pub struct QueryPage {
    /// One list per entity name present (usually one).
    #[serde(rename = "Customer", default)]
    pub customer: Option<Vec<Box<RawValue>>>,
    #[serde(rename = "Invoice", default)]
    pub invoice: Option<Vec<Box<RawValue>>>,
    #[serde(rename = "Payment", default)]
    pub payment: Option<Vec<Box<RawValue>>>,
    #[serde(rename = "CreditMemo", default)]
    pub credit_memo: Option<Vec<Box<RawValue>>>,
    #[serde(rename = "RefundReceipt", default)]
    pub refund_receipt: Option<Vec<Box<RawValue>>>,
    #[serde(rename = "Item", default)]
    pub item: Option<Vec<Box<RawValue>>>,
    #[serde(rename = "Account", default)]
    pub account: Option<Vec<Box<RawValue>>>,
    #[serde(rename = "Class", default)]
    pub class: Option<Vec<Box<RawValue>>>,
    #[serde(rename = "PaymentMethod", default)]
    pub payment_method: Option<Vec<Box<RawValue>>>,
    #[serde(rename = "TaxCode", default)]
    pub tax_code: Option<Vec<Box<RawValue>>>,
    #[serde(rename = "TaxRate", default)]
    pub tax_rate: Option<Vec<Box<RawValue>>>,
    /// 1-based position of the first record.
    #[serde(rename = "startPosition", default)]
    pub start_position: Option<u64>,
    /// The number of records in this page (not the limit asked for).
    #[serde(rename = "maxResults", default)]
    pub max_results: Option<u64>,
    /// Only for `SELECT COUNT(*)`.
    #[serde(rename = "totalCount", default)]
    pub total_count: Option<u64>,
}

impl QueryPage {
    /// The records of `entity` (its QuickBooks name), taking them out of the page.
    pub fn take(&mut self, entity: &str) -> Vec<Box<RawValue>> {
        let slot = match entity {
            "Customer" => &mut self.customer,
            "Invoice" => &mut self.invoice,
            "Payment" => &mut self.payment,
            "CreditMemo" => &mut self.credit_memo,
            "RefundReceipt" => &mut self.refund_receipt,
            "Item" => &mut self.item,
            "Account" => &mut self.account,
            "Class" => &mut self.class,
            "PaymentMethod" => &mut self.payment_method,
            "TaxCode" => &mut self.tax_code,
            "TaxRate" => &mut self.tax_rate,
            _ => return Vec::new(),
        };
        slot.take().unwrap_or_default()
    }
}

/// The body of a query answer.
#[derive(Debug, Deserialize)]
pub struct QueryAnswer {
    /// The page (empty `{}` when nothing matched).
    #[serde(rename = "QueryResponse", default)]
    pub page: Option<QueryPage>,
    /// A fault sent with a 200.
    #[serde(rename = "Fault", default)]
    pub fault: Option<Fault>,
}

/// The body of a CDC answer: one `QueryResponse` per requested entity.
#[derive(Debug, Deserialize)]
pub struct CdcAnswer {
    /// Usually exactly one element.
    #[serde(rename = "CDCResponse", default)]
    pub responses: Vec<CdcResponse>,
    /// A fault sent with a 200.
    #[serde(rename = "Fault", default)]
    pub fault: Option<Fault>,
    /// The envelope's `time`: QuickBooks' own clock when it answered.
    #[serde(default)]
    pub time: Option<String>,
}

/// One `CDCResponse` element.
#[derive(Debug, Deserialize)]
pub struct CdcResponse {
    /// One page per entity.
    #[serde(rename = "QueryResponse", default)]
    pub pages: Vec<QueryPage>,
}

/// One element of `BatchItemResponse`: the `bId` and either an entity, a `Fault` or a query.
#[derive(Debug, Deserialize)]
pub struct BatchItemResponse {
    /// Which request item this answers.
    #[serde(rename = "bId")]
    pub bid: String,
    #[serde(rename = "Fault", default)]
    pub fault: Option<Fault>,
    #[serde(rename = "Customer", default)]
    pub customer: Option<Box<RawValue>>,
    #[serde(rename = "Invoice", default)]
    pub invoice: Option<Box<RawValue>>,
    #[serde(rename = "Payment", default)]
    pub payment: Option<Box<RawValue>>,
    #[serde(rename = "CreditMemo", default)]
    pub credit_memo: Option<Box<RawValue>>,
    #[serde(rename = "RefundReceipt", default)]
    pub refund_receipt: Option<Box<RawValue>>,
}

impl BatchItemResponse {
    /// The entity name and JSON of the answer, when it carries an entity.
    pub fn entity(&self) -> Option<(&'static str, &RawValue)> {
        [
            ("Customer", &self.customer),
            ("Invoice", &self.invoice),
            ("Payment", &self.payment),
            ("CreditMemo", &self.credit_memo),
            ("RefundReceipt", &self.refund_receipt),
        ]
        .into_iter()
        .find_map(|(name, v)| v.as_deref().map(|raw| (name, raw)))
    }
}

/// The body of a batch answer.
#[derive(Debug, Deserialize)]
pub struct BatchAnswer {
    /// One per request item, matched by `bId` (not by position).
    #[serde(rename = "BatchItemResponse", default)]
    pub items: Vec<BatchItemResponse>,
    /// A fault for the whole batch sent with a 200.
    #[serde(rename = "Fault", default)]
    pub fault: Option<Fault>,
}
