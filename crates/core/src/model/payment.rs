//! The canonical payment and its allocations to invoices.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Record;
use crate::ids::{EntityKind, SourceRef};
use crate::money::Money;

/// Whether a payment still counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatus {
    /// Received and applied (ServiceTitan Posted/Exported; any live QBO/Xero payment).
    Posted,
    /// Voided or deleted after the fact; its allocations no longer reduce balances.
    Voided,
}

/// Part of a payment applied to one invoice. Keyed by the invoice in paths:
/// `allocations[st:1679].amount`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The invoice paid (ServiceTitan id, or the accounting id of an invoice the bridge does
    /// not know).
    pub invoice: SourceRef,
    /// The amount applied to that invoice.
    pub amount: Money,
}

/// A customer payment, possibly split across invoices, possibly with an unapplied remainder
/// (an overpayment held as credit). A refund is a payment with a negative amount.
///
/// Paths: `payment.date`, `payment.amount`, `payment.reference`, `allocations[st:1679].amount`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// The day the money was received.
    pub date: NaiveDate,
    /// The whole amount received; equals the allocations plus `unapplied`.
    pub amount: Money,
    /// ServiceTitan payment type name (`Check`, `Credit Card`, …); mapped to a deposit account
    /// and payment method through the mappings table.
    pub payment_type: String,
    /// Check number, authorization code or other reference the payer gave.
    pub reference: Option<String>,
    /// Who paid.
    pub customer: SourceRef,
    /// How the amount is applied to invoices.
    pub allocations: Vec<Allocation>,
    /// The part applied to no invoice (overpayment / credit).
    pub unapplied: Money,
    /// Free-text memo.
    pub memo: Option<String>,
    /// Posted or voided.
    pub status: PaymentStatus,
}

impl Record for Payment {
    const ENTITY: EntityKind = EntityKind::Payment;
    const ROOT: &'static str = "payment";
    const COLLECTIONS: &'static [(&'static str, &'static str)] = &[("allocations", "invoice")];
}
