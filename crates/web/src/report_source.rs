//! The period report behind `GET /report`, as a pluggable source.
//!
//! The page renders a [`ReportView`] (captioned tables of text cells) and knows nothing of
//! where the numbers come from. The default source, [`Reconciliation`], is the reconciliation
//! report of `ledgerbridge-report` read from the ledger (every invoice matched, mismatched,
//! missing, blocked or in conflict; both sides' totals and the variance explained record by
//! record), and it offers the same report as CSV or JSON downloads. [`LedgerTotals`], the
//! plain per-period sums of the ledger's snapshots, remains for callers that want only those;
//! nothing here invents a number the ledger does not hold.

mod reconciliation;

pub use self::reconciliation::Reconciliation;

use ledgerbridge_core::{EntityKind, Money, System};
use ledgerbridge_ledger::{Ledger, LedgerError};
use ledgerbridge_report::Status;

use crate::ports::BoxFuture;

pub use ledgerbridge_report::Period;

/// What the report page asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportQuery {
    /// The document dates covered.
    pub period: Period,
    /// One tenant, or every tenant the ledger knows.
    pub tenant: Option<String>,
    /// One accounting system, or both.
    pub target: Option<System>,
    /// Which records to list.
    pub status: StatusFilter,
}

/// Which records of the reconciliation the page lists (the totals always cover them all).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusFilter {
    /// Everything but the matched records.
    #[default]
    NeedsAttention,
    /// Every record.
    All,
    /// Records of one status.
    Only(Status),
}

impl StatusFilter {
    /// From the `status` query value: empty or `attention`, `all`, or a status word.
    pub fn parse(text: Option<&str>) -> Result<Self, String> {
        match text.map(str::trim) {
            None | Some("" | "attention") => Ok(Self::NeedsAttention),
            Some("all") => Ok(Self::All),
            Some(word) => word.parse().map(Self::Only),
        }
    }

    /// The query value.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::NeedsAttention => "attention",
            Self::All => "all",
            Self::Only(s) => s.as_str(),
        }
    }

    /// Whether a record of `status` is listed.
    pub fn admits(&self, status: Status) -> bool {
        match self {
            Self::NeedsAttention => status != Status::Matched,
            Self::All => true,
            Self::Only(s) => *s == status,
        }
    }
}

/// A download of the report (`GET /report?format=csv|json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownloadFormat {
    /// One row per record and per totals, for a spreadsheet.
    Csv,
    /// The documented JSON of `ledgerbridge report --format json`.
    Json,
}

/// A file to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Download {
    /// `text/csv; charset=utf-8`, `application/json`.
    pub content_type: &'static str,
    /// The suggested file name.
    pub filename: String,
    /// The content.
    pub body: String,
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

    /// The report of `query` as a file, if this source offers downloads (the default does
    /// not: the page then shows no download links).
    fn download<'a>(
        &'a self,
        _ledger: &'a Ledger,
        _query: &'a ReportQuery,
        _format: DownloadFormat,
    ) -> BoxFuture<'a, Result<Option<Download>, ReportError>> {
        Box::pin(async { Ok(None) })
    }

    /// Whether [`ReportSource::download`] answers.
    fn offers_downloads(&self) -> bool {
        false
    }
}

/// Per tenant, sums of the ledger's last agreed snapshots (no per-record view).
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

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands("1234567.89"), "1,234,567.89");
        assert_eq!(group_thousands("-1000.00"), "-1,000.00");
        assert_eq!(group_thousands("999.99"), "999.99");
        assert_eq!(group_thousands("0"), "0");
    }
}
