//! The canonical invoice, its lines and its tax lines.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Record, decimal_text};
use crate::ids::{EntityKind, SourceRef};
use crate::money::{Currency, Money};

/// Where an invoice stands. Whether it is paid is not a status here: that is `balance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Not final yet (ServiceTitan `Pending`; Xero `DRAFT`/`SUBMITTED`).
    Draft,
    /// Final and owed (ServiceTitan `Posted`/`Exported`; Xero `AUTHORISED`/`PAID`; any live
    /// QBO invoice).
    Posted,
    /// Voided or deleted (ServiceTitan inactive; Xero `VOIDED`/`DELETED`; a voided QBO invoice).
    /// A voided invoice is never re-created by the bridge.
    Voided,
}

/// One line of an invoice. Keyed in paths by `key`: `lines[st:4521].quantity`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceLine {
    /// The ServiceTitan invoice item id (`st:`), or the accounting line id (`acct:`) for a line
    /// added on the accounting side that ServiceTitan does not have.
    pub key: SourceRef,
    /// The item / SKU code (ServiceTitan `skuName`).
    pub item: Option<String>,
    /// Line description as plain text.
    pub description: String,
    /// Quantity; may have decimals (1.5 hours).
    #[serde(with = "decimal_text")]
    pub quantity: Decimal,
    /// Unit price at full precision (Xero allows 4 decimals, ServiceTitan more); never rounded.
    #[serde(with = "decimal_text")]
    pub unit_price: Decimal,
    /// The line amount as the source states it, at the currency's scale. Negative for
    /// discounts.
    pub amount: Money,
    /// The income (GL) account code.
    pub gl_account: Option<String>,
    /// Whether sales tax applies to this line.
    pub taxable: bool,
    /// The tax code applied to this line, if the source has one per line.
    pub tax_code: Option<String>,
}

impl InvoiceLine {
    /// The ServiceTitan item id, if this line has one.
    pub fn servicetitan_item_id(&self) -> Option<i64> {
        self.key.servicetitan_id()
    }
}

/// One component of the invoice's sales tax (a tax zone can have several rates). Keyed in paths
/// by `key`: `tax_lines[st:11].amount`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxLine {
    /// The ServiceTitan tax rate id (`st:`), or the accounting tax rate id (`acct:`).
    pub key: SourceRef,
    /// The tax's name (`CA Sales Tax`).
    pub name: String,
    /// The rate as a fraction (`0.095` for 9.5%).
    #[serde(with = "decimal_text")]
    pub rate: Decimal,
    /// The tax amount of this component, as the source computed it.
    pub amount: Money,
}

/// An invoice. ServiceTitan's tax is the truth: `tax` and `total` are what the accounting side
/// must match to the cent.
///
/// Paths: `invoice.number`, `invoice.due_date`, `invoice.memo`, `invoice.total`,
/// `lines[st:4521].description`, `tax_lines[st:11].amount`, …
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// The invoice number (ServiceTitan `referenceNumber`; QBO `DocNumber`; Xero
    /// `InvoiceNumber`), used to find an invoice again after a lost response.
    pub number: String,
    /// The bill-to customer.
    pub customer: SourceRef,
    /// The invoice date.
    pub invoice_date: NaiveDate,
    /// When payment is due.
    pub due_date: Option<NaiveDate>,
    /// Draft, posted or voided.
    pub status: InvoiceStatus,
    /// The invoice's currency; every amount on it is in this currency.
    pub currency: Currency,
    /// The lines, in display order (order is not compared by the diff).
    pub lines: Vec<InvoiceLine>,
    /// The sales tax components; may be empty when the source only has a total.
    pub tax_lines: Vec<TaxLine>,
    /// Sum of the line amounts.
    pub subtotal: Money,
    /// Total sales tax.
    pub tax: Money,
    /// `subtotal + tax`.
    pub total: Money,
    /// What is still owed.
    pub balance: Money,
    /// Free-text memo / summary.
    pub memo: Option<String>,
    /// The ServiceTitan business unit (QBO class / Xero tracking category through mappings).
    pub business_unit: Option<String>,
}

impl Record for Invoice {
    const ENTITY: EntityKind = EntityKind::Invoice;
    const ROOT: &'static str = "invoice";
    const COLLECTIONS: &'static [(&'static str, &'static str)] =
        &[("lines", "key"), ("tax_lines", "key")];
}
