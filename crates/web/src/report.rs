//! The period report behind `GET /report`, as a pluggable source.
//!
//! The page renders a [`ReportView`] (captioned tables of text cells) and knows nothing of
//! where the numbers come from. Today's source, [`LedgerTotals`], sums the ledger's last agreed
//! snapshots per tenant, document kind, accounting system and currency
//! (`Snapshots::totals`: exact SQL sums over integer minor units). The full reconciliation
//! report (both systems read live, per-record status, the variance explained record by
//! record) will come from `reconcile` as another [`ReportSource`]; nothing here invents a
//! number the ledger does not hold.

use chrono::{Datelike, NaiveDate};
use ledgerbridge_core::{EntityKind, Money};
use ledgerbridge_ledger::{Ledger, LedgerError};

use crate::plug::BoxFuture;

/// An inclusive range of document dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

impl Period {
    /// The calendar month that contains `day`.
    pub fn month_of(day: NaiveDate) -> Self {
        let from = day.with_day(1).unwrap_or(day);
        let next = if from.month() == 12 {
            NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
        };
        let to = next.and_then(|n| n.pred_opt()).unwrap_or(from);
        Self { from, to }
    }

    /// Parses `YYYY-MM`.
    pub fn parse_month(text: &str) -> Result<Self, String> {
        NaiveDate::parse_from_str(&format!("{}-01", text.trim()), "%Y-%m-%d")
            .map(Self::month_of)
            .map_err(|_| format!("{text:?} is not a month (YYYY-MM)"))
    }

    /// `from..=to`; refuses an empty range.
    pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Self, String> {
        if from > to {
            return Err(format!("the period starts ({from}) after it ends ({to})"));
        }
        Ok(Self { from, to })
    }

    /// `2026-11` for a whole month, `2026-11-03 to 2026-11-20` otherwise.
    pub fn label(&self) -> String {
        if *self == Self::month_of(self.from) {
            self.from.format("%Y-%m").to_string()
        } else {
            format!("{} to {}", self.from, self.to)
        }
    }
}

/// What the report page asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportQuery {
    /// The document dates covered.
    pub period: Period,
    /// One tenant, or every tenant the ledger knows.
    pub tenant: Option<String>,
}

/// A column heading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportColumn {
    /// The heading text.
    pub label: String,
    /// Right-aligned, tabular figures.
    pub numeric: bool,
}

/// One cell: text, optionally linking to a page of the UI (e.g. a record).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportCell {
    /// What is shown.
    pub text: String,
    /// Where it links, a path of this UI.
    pub href: Option<String>,
}

impl From<String> for ReportCell {
    fn from(text: String) -> Self {
        Self { text, href: None }
    }
}

/// A captioned table; the first cell of each row heads the row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportTable {
    /// What the table shows.
    pub caption: String,
    /// Headings.
    pub columns: Vec<ReportColumn>,
    /// Rows of cells, one per column.
    pub rows: Vec<Vec<ReportCell>>,
    /// Shown instead of an empty table.
    pub empty: String,
}

/// A rendered-ready report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportView {
    /// Where the numbers come from, in a sentence or two.
    pub basis: String,
    /// The tables.
    pub tables: Vec<ReportTable>,
    /// Remarks below the tables.
    pub notes: Vec<String>,
}

/// Why a report could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The ledger failed (see [`LedgerError::is_retryable`]).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The source cannot answer now (a remote unreachable, ...); shown to the user as is.
    #[error("{0}")]
    Unavailable(String),
}

/// Produces the report for a query.
pub trait ReportSource: Send + Sync + 'static {
    /// The report of `query`, reading `ledger` (and whatever else the source holds).
    fn report<'a>(
        &'a self,
        ledger: &'a Ledger,
        query: &'a ReportQuery,
    ) -> BoxFuture<'a, Result<ReportView, ReportError>>;
}

/// The default source: per tenant, sums of the ledger's last agreed snapshots.
#[derive(Clone, Copy, Debug, Default)]
pub struct LedgerTotals;

const DOCUMENTS: [(EntityKind, &str); 3] = [
    (EntityKind::Invoice, "Invoices"),
    (EntityKind::Payment, "Payments"),
    (EntityKind::CreditNote, "Credit notes"),
];

impl ReportSource for LedgerTotals {
    fn report<'a>(
        &'a self,
        ledger: &'a Ledger,
        query: &'a ReportQuery,
    ) -> BoxFuture<'a, Result<ReportView, ReportError>> {
        Box::pin(async move {
            let tenants = match &query.tenant {
                Some(t) => vec![t.clone()],
                None => crate::pages::known_tenants(ledger).await?,
            };
            let mut tables = Vec::new();
            for tenant in &tenants {
                tables.push(tenant_table(ledger, tenant, &query.period).await?);
            }
            let mut notes = vec![
                "These are the amounts both systems agreed on when each document was last \
                 synced. Records changed since then, records never synced, and the live \
                 comparison of both systems (matched, mismatched, missing, with the variance \
                 explained record by record) come with the reconciliation report."
                    .to_owned(),
            ];
            if tenants.is_empty() {
                notes.push("The ledger has no tenant yet: connect one and sync.".to_owned());
            }
            Ok(ReportView {
                basis: format!(
                    "Synced documents dated {}, from the ledger's last agreed snapshots.",
                    query.period.label()
                ),
                tables,
                notes,
            })
        })
    }
}

async fn tenant_table(
    ledger: &Ledger,
    tenant: &str,
    period: &Period,
) -> Result<ReportTable, LedgerError> {
    let mut rows = Vec::new();
    for (entity, label) in DOCUMENTS {
        let sums = ledger
            .snapshots()
            .totals(tenant, entity, Some(period.from), Some(period.to))
            .await?;
        for t in sums {
            rows.push(vec![
                label.to_owned().into(),
                t.target_system.to_string().into(),
                t.total.currency().to_string().into(),
                t.count.to_string().into(),
                amount(&t.total).into(),
                amount(&t.tax).into(),
                amount(&t.balance).into(),
            ]);
        }
    }
    let column = |label: &str, numeric| ReportColumn {
        label: label.to_owned(),
        numeric,
    };
    Ok(ReportTable {
        caption: format!("Tenant {tenant}"),
        columns: vec![
            column("Documents", false),
            column("Accounting system", false),
            column("Currency", false),
            column("Count", true),
            column("Total", true),
            column("Tax", true),
            column("Open balance", true),
        ],
        rows,
        empty: format!("No synced documents of tenant {tenant} are dated in this period."),
    })
}

/// An amount at its currency's scale with thousands separators: `1,234.50`.
pub(crate) fn amount(money: &Money) -> String {
    group_thousands(&money.amount().to_string())
}

pub(crate) fn group_thousands(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn months_cover_their_days() {
        let p = Period::parse_month("2026-02").unwrap();
        assert_eq!((p.from, p.to), (day("2026-02-01"), day("2026-02-28")));
        let dec = Period::month_of(day("2026-12-15"));
        assert_eq!((dec.from, dec.to), (day("2026-12-01"), day("2026-12-31")));
        assert_eq!(dec.label(), "2026-12");
        assert!(Period::parse_month("2026-13").is_err());
        assert!(Period::parse_month("soon").is_err());
    }

    #[test]
    fn ranges_must_not_be_empty() {
        assert!(Period::range(day("2026-03-02"), day("2026-03-01")).is_err());
        let r = Period::range(day("2026-03-02"), day("2026-03-09")).unwrap();
        assert_eq!(r.label(), "2026-03-02 to 2026-03-09");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands("1234567.89"), "1,234,567.89");
        assert_eq!(group_thousands("-1000.00"), "-1,000.00");
        assert_eq!(group_thousands("999.99"), "999.99");
        assert_eq!(group_thousands("0"), "0");
    }
}
