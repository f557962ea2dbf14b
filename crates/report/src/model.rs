//! The report's data: what goes in ([`TenantInput`], one [`RecordInput`] per document pair)
//! and what comes out ([`Report`], serialized as the JSON of `report --format json`, documented
//! field by field in `docs/reports.md`).
//!
//! Amounts are [`Money`] in memory and plain decimal strings on the wire (`"1234.50"`), with
//! the currency named once per record and per totals row.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_core::{Currency, InvoiceStatus, Money, System};
use serde::{Serialize, Serializer};

use crate::period::Period;

mod status;

pub use self::status::Status;

/// One invoice as one system holds it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Doc {
    /// Its id in that system (ServiceTitan invoice id, QuickBooks `Id`, Xero `InvoiceID`).
    pub id: String,
    /// Its number (ServiceTitan `referenceNumber`, `DocNumber`, `InvoiceNumber`).
    pub number: String,
    /// Its date in that system.
    pub date: Option<NaiveDate>,
    /// Draft, posted or voided. A voided document counts for nothing in the totals.
    pub status: InvoiceStatus,
    /// The currency of every amount below.
    #[serde(skip)]
    pub currency: Currency,
    /// Sum of the lines.
    #[serde(serialize_with = "plain")]
    pub subtotal: Money,
    /// Sales tax.
    #[serde(serialize_with = "plain")]
    pub tax: Money,
    /// Total including tax.
    #[serde(serialize_with = "plain")]
    pub total: Money,
    /// Paid so far (`total - balance`).
    #[serde(serialize_with = "plain")]
    pub payments: Money,
    /// Still owed.
    #[serde(serialize_with = "plain")]
    pub balance: Money,
}

impl Doc {
    /// A document from its totals; `payments` is what the balance leaves of the total.
    pub fn new(
        id: impl Into<String>,
        number: impl Into<String>,
        date: Option<NaiveDate>,
        status: InvoiceStatus,
        [subtotal, tax, total, balance]: [Money; 4],
    ) -> Result<Self, ledgerbridge_core::MoneyError> {
        Ok(Self {
            id: id.into(),
            number: number.into(),
            date,
            status,
            currency: total.currency(),
            subtotal,
            tax,
            total,
            payments: total.checked_sub(&balance)?,
            balance,
        })
    }

    /// What it adds to its side's totals: nothing when voided.
    pub fn measures(&self) -> Measures {
        if self.status == InvoiceStatus::Voided {
            return Measures::zero(self.currency);
        }
        Measures {
            count: 1,
            subtotal: self.subtotal,
            tax: self.tax,
            total: self.total,
            payments: self.payments,
            balance: self.balance,
        }
    }
}

/// An open conflict on a linked record, with its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenConflict {
    /// The conflict's number (`conflicts show N`, `/conflicts/N`).
    pub id: i64,
    /// The conflicting fields.
    pub fields: Vec<Difference>,
}

/// One document pair to classify: either side may be absent.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RecordInput {
    /// ServiceTitan's invoice.
    pub servicetitan: Option<Doc>,
    /// The accounting system's invoice.
    pub accounting: Option<Doc>,
    /// Why the bridge cannot write it (parked or quarantined).
    pub blocked: Option<String>,
    /// An open conflict on it.
    pub conflict: Option<OpenConflict>,
    /// An accounting invoice not linked to any ServiceTitan record whose number another
    /// invoice of the period also carries.
    pub duplicate_of: Option<String>,
}

/// Where one side's figures come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Read from the system during this report (`--refresh`).
    Live,
    /// The ledger's last verified snapshots (and parked records).
    Ledger,
}

/// Everything known of one tenant for the period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantInput {
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// QuickBooks or Xero.
    pub target: System,
    /// The accounting company (QuickBooks realm, Xero tenant id).
    pub company: String,
    /// Where ServiceTitan's figures come from.
    pub servicetitan_basis: Basis,
    /// Where the accounting figures come from.
    pub accounting_basis: Basis,
    /// The document pairs.
    pub records: Vec<RecordInput>,
}

/// One field that differs between the two systems (or between the two sides of a conflict).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `total`, `tax`, `status`, ... or a conflict's field path (`invoice.due_date`).
    pub field: String,
    /// ServiceTitan's value as text (empty when it has none).
    pub servicetitan: String,
    /// The accounting system's value as text.
    pub accounting: String,
}

/// Counts and sums of documents (one side's totals, a variance, or what one record explains
/// of it), in one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Measures {
    /// Documents.
    pub count: i64,
    /// Sum of subtotals.
    #[serde(serialize_with = "plain")]
    pub subtotal: Money,
    /// Sum of tax.
    #[serde(serialize_with = "plain")]
    pub tax: Money,
    /// Sum of totals.
    #[serde(serialize_with = "plain")]
    pub total: Money,
    /// Sum of payments applied.
    #[serde(serialize_with = "plain")]
    pub payments: Money,
    /// Sum of open balances.
    #[serde(serialize_with = "plain")]
    pub balance: Money,
}

/// Reads one amount of [`Measures`].
pub type AmountOf = fn(&Measures) -> &Money;

/// The amounts of [`Measures`] with their labels, in display order.
pub const AMOUNTS: [(&str, AmountOf); 5] = [
    ("Subtotal", |m| &m.subtotal),
    ("Tax", |m| &m.tax),
    ("Total", |m| &m.total),
    ("Payments", |m| &m.payments),
    ("Open balance", |m| &m.balance),
];

impl Measures {
    /// Nothing, in `currency`.
    pub fn zero(currency: Currency) -> Self {
        let z = Money::zero(currency);
        Self {
            count: 0,
            subtotal: z,
            tax: z,
            total: z,
            payments: z,
            balance: z,
        }
    }

    /// The currency of the amounts.
    pub fn currency(&self) -> Currency {
        self.total.currency()
    }

    /// Whether every figure is zero.
    pub fn is_zero(&self) -> bool {
        self.count == 0
            && [
                self.subtotal,
                self.tax,
                self.total,
                self.payments,
                self.balance,
            ]
            .iter()
            .all(Money::is_zero)
    }

    /// `self + other` (same currency), refusing an overflow.
    pub fn plus(&self, other: &Measures) -> Result<Measures, ledgerbridge_core::MoneyError> {
        Ok(Self {
            count: self.count + other.count,
            subtotal: self.subtotal.checked_add(&other.subtotal)?,
            tax: self.tax.checked_add(&other.tax)?,
            total: self.total.checked_add(&other.total)?,
            payments: self.payments.checked_add(&other.payments)?,
            balance: self.balance.checked_add(&other.balance)?,
        })
    }

    /// `self - other` (same currency).
    pub fn minus(&self, other: &Measures) -> Result<Measures, ledgerbridge_core::MoneyError> {
        Ok(Self {
            count: self.count - other.count,
            subtotal: self.subtotal.checked_sub(&other.subtotal)?,
            tax: self.tax.checked_sub(&other.tax)?,
            total: self.total.checked_sub(&other.total)?,
            payments: self.payments.checked_sub(&other.payments)?,
            balance: self.balance.checked_sub(&other.balance)?,
        })
    }
}

/// One classified record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordLine {
    /// The verdict.
    pub status: Status,
    /// Why it is blocked, which invoice it duplicates, or what the conflict is about.
    pub reason: Option<String>,
    /// The currency of its amounts.
    pub currency: Currency,
    /// ServiceTitan's invoice, if it has one.
    pub servicetitan: Option<Doc>,
    /// The accounting invoice, if there is one.
    pub accounting: Option<Doc>,
    /// The open conflict's number.
    pub conflict_id: Option<i64>,
    /// The accounting system's tax differs from ServiceTitan's on the same subtotal: it
    /// recalculated the tax.
    pub tax_recalculated: bool,
    /// Field by field, where the two sides differ.
    pub differences: Vec<Difference>,
    /// What this record adds to the variance (accounting minus ServiceTitan).
    pub explains: Measures,
}

/// A tenant's totals in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CurrencyTotals {
    /// The currency.
    pub currency: Currency,
    /// ServiceTitan's documents of the period.
    pub servicetitan: Measures,
    /// The accounting system's documents of the period.
    pub accounting: Measures,
    /// `accounting - servicetitan`: exactly the sum of the records' `explains`.
    pub variance: Measures,
}

/// One tenant's reconciliation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TenantReport {
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// `quickbooks` or `xero`.
    pub target: System,
    /// The accounting company.
    pub company: String,
    /// Where each side's figures come from.
    pub basis: SidesBasis,
    /// Records per status (every status present, zero included).
    pub status_counts: BTreeMap<&'static str, u64>,
    /// Per currency.
    pub totals: Vec<CurrencyTotals>,
    /// Records whose tax the accounting system recalculated.
    pub tax_recalculated: u64,
    /// Every record, most urgent first.
    pub records: Vec<RecordLine>,
}

/// Where each side's figures come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SidesBasis {
    /// ServiceTitan.
    pub servicetitan: Basis,
    /// The accounting system.
    pub accounting: Basis,
}

/// The whole report: `report --format json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The JSON's shape version (bumped on any incompatible change).
    pub version: u32,
    /// The period.
    pub period: PeriodJson,
    /// When it was produced.
    pub generated_at: DateTime<Utc>,
    /// The latest sync run that wrote (not a dry run): the ledger's figures are as of it.
    pub last_sync: Option<LastSync>,
    /// What could not be read (a remote unreachable during `--refresh`), by system.
    pub warnings: Vec<String>,
    /// One per tenant (and target).
    pub tenants: Vec<TenantReport>,
}

/// The latest sync run that wrote, from the ledger's runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LastSync {
    /// Its number (`ledgerbridge runs show N`).
    pub run: i64,
    /// `running`, `ok`, `conflicts`, `failed`, ...
    pub status: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished, if it did.
    pub finished_at: Option<DateTime<Utc>>,
}

/// The period in the JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodJson {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// `2026-11` or `2026-11-03 to 2026-11-20`.
    pub label: String,
}

impl From<Period> for PeriodJson {
    fn from(p: Period) -> Self {
        Self {
            from: p.from,
            to: p.to,
            label: p.label(),
        }
    }
}

/// An amount as plain decimal text at its currency's scale: `1234.50`, `-0.10`.
pub fn plain<S: Serializer>(money: &Money, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&money.amount())
}
