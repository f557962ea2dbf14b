//! [`Reconciliation`]: the reconciliation report of `ledgerbridge-report`, read from the
//! ledger, as the page's tables and as CSV / JSON downloads.

use ledgerbridge_core::Money;
use ledgerbridge_ledger::Ledger;
use ledgerbridge_report::model::{Doc, Measures, RecordLine, Report, TenantReport};
use ledgerbridge_report::render::{last_sync_text, to_csv, to_json};
use ledgerbridge_report::{Expected, from_ledger, scopes_from_ledger};

use super::{
    Download, DownloadFormat, ReportCell, ReportColumn, ReportError, ReportQuery, ReportSource,
    ReportTable, ReportView, StatusFilter, amount,
};
use crate::ports::BoxFuture;

/// The reconciliation report from the ledger's last verified snapshots, parked records, open
/// conflicts and quarantine (no remote is read: the page answers at once and works offline;
/// `ledgerbridge report --refresh` reads both systems).
#[derive(Clone, Copy, Debug, Default)]
pub struct Reconciliation {
    expected: Expected,
}

impl Reconciliation {
    /// With the sync's eligibility rules (`sync.start_date`, `sync.include_pending`).
    pub fn new(expected: Expected) -> Self {
        Self { expected }
    }

    async fn build(&self, ledger: &Ledger, query: &ReportQuery) -> Result<Report, ReportError> {
        let scopes = scopes_from_ledger(ledger, query.tenant.as_deref(), query.target)
            .await
            .map_err(from_report)?;
        from_ledger(ledger, query.period, &scopes, self.expected, ledger.now())
            .await
            .map_err(from_report)
    }
}

fn from_report(e: ledgerbridge_report::ReportError) -> ReportError {
    match e {
        ledgerbridge_report::ReportError::Ledger(e) => ReportError::Ledger(e),
        ledgerbridge_report::ReportError::Data(m) => ReportError::Unavailable(m),
    }
}

impl ReportSource for Reconciliation {
    fn report<'a>(
        &'a self,
        ledger: &'a Ledger,
        query: &'a ReportQuery,
    ) -> BoxFuture<'a, Result<ReportView, ReportError>> {
        Box::pin(async move {
            let report = self.build(ledger, query).await?;
            Ok(view(&report, query.status))
        })
    }

    fn download<'a>(
        &'a self,
        ledger: &'a Ledger,
        query: &'a ReportQuery,
        format: DownloadFormat,
    ) -> BoxFuture<'a, Result<Option<Download>, ReportError>> {
        Box::pin(async move {
            let report = self.build(ledger, query).await?;
            let stem = format!("reconciliation-{}", query.period.label().replace(' ', "-"));
            Ok(Some(match format {
                DownloadFormat::Csv => Download {
                    content_type: "text/csv; charset=utf-8",
                    filename: format!("{stem}.csv"),
                    body: to_csv(&report),
                },
                DownloadFormat::Json => Download {
                    content_type: "application/json",
                    filename: format!("{stem}.json"),
                    body: to_json(&report),
                },
            }))
        })
    }

    fn offers_downloads(&self) -> bool {
        true
    }
}

fn column(label: &str, numeric: bool) -> ReportColumn {
    ReportColumn {
        label: label.to_owned(),
        numeric,
    }
}

fn cell(text: impl Into<String>) -> ReportCell {
    ReportCell {
        text: text.into(),
        href: None,
    }
}

fn totals_table(t: &TenantReport) -> Vec<ReportTable> {
    t.totals
        .iter()
        .map(|total| {
            let sides = [&total.servicetitan, &total.accounting, &total.variance];
            let row = |label: &str, get: &dyn Fn(&Measures) -> String| {
                std::iter::once(cell(label))
                    .chain(sides.iter().map(|m| cell(get(m))))
                    .collect::<Vec<_>>()
            };
            let money = |get: fn(&Measures) -> &Money| move |m: &Measures| amount(get(m));
            ReportTable {
                caption: format!(
                    "Tenant {} → {}: totals in {}",
                    t.tenant, t.target, total.currency
                ),
                columns: vec![
                    column("Measure", false),
                    column("ServiceTitan", true),
                    column(t.target.as_str(), true),
                    column("Variance", true),
                ],
                rows: vec![
                    row("Count", &|m| m.count.to_string()),
                    row("Subtotal", &money(|m| &m.subtotal)),
                    row("Tax", &money(|m| &m.tax)),
                    row("Total", &money(|m| &m.total)),
                    row("Payments", &money(|m| &m.payments)),
                    row("Open balance", &money(|m| &m.balance)),
                ],
                empty: String::new(),
            }
        })
        .collect()
}

fn doc_cell(doc: Option<&Doc>, href: Option<String>) -> ReportCell {
    match doc {
        Some(d) => ReportCell {
            text: format!("{} (id {})", d.number, d.id),
            href,
        },
        None => cell("—"),
    }
}

fn why(r: &RecordLine) -> String {
    let mut parts: Vec<String> = r.reason.iter().cloned().collect();
    parts.extend(r.differences.iter().map(|d| {
        let or_none = |t: &str| {
            if t.is_empty() {
                "(none)".to_owned()
            } else {
                t.to_owned()
            }
        };
        format!(
            "{}: {} → {}",
            d.field,
            or_none(&d.servicetitan),
            or_none(&d.accounting)
        )
    }));
    if r.tax_recalculated {
        parts.push("the books recalculated the tax".to_owned());
    }
    parts.join("; ")
}

fn records_table(t: &TenantReport, filter: StatusFilter) -> ReportTable {
    let rows = t
        .records
        .iter()
        .filter(|r| filter.admits(r.status))
        .map(|r| {
            let status_href = r.conflict_id.map(|id| format!("/conflicts/{id}"));
            let st_href = r
                .servicetitan
                .as_ref()
                .map(|d| format!("/records/invoice/{}?tenant={}", d.id, t.tenant));
            let total = |d: Option<&Doc>| cell(d.map(|d| amount(&d.total)).unwrap_or_default());
            vec![
                ReportCell {
                    text: r.status.label().to_owned(),
                    href: status_href,
                },
                doc_cell(r.servicetitan.as_ref(), st_href),
                doc_cell(r.accounting.as_ref(), None),
                total(r.servicetitan.as_ref()),
                total(r.accounting.as_ref()),
                cell(amount(&r.explains.total)),
                cell(why(r)),
            ]
        })
        .collect();
    let which = match filter {
        StatusFilter::NeedsAttention => "needing attention".to_owned(),
        StatusFilter::All => "all".to_owned(),
        StatusFilter::Only(s) => s.label().to_lowercase(),
    };
    ReportTable {
        caption: format!("Tenant {} → {}: records ({which})", t.tenant, t.target),
        columns: vec![
            column("Status", false),
            column("ServiceTitan invoice", false),
            column(&format!("{} invoice", t.target), false),
            column("ServiceTitan total", true),
            column(&format!("{} total", t.target), true),
            column("Explains", true),
            column("Why / differences", false),
        ],
        rows,
        empty: if t.records.is_empty() {
            format!(
                "No synced documents of tenant {} are dated in this period.",
                t.tenant
            )
        } else {
            format!("No record of tenant {} is {which}.", t.tenant)
        },
    }
}

fn view(report: &Report, filter: StatusFilter) -> ReportView {
    let mut tables = Vec::new();
    let mut notes = Vec::new();
    for t in &report.tenants {
        tables.extend(totals_table(t));
        tables.push(records_table(t, filter));
        let counts: Vec<String> = t
            .status_counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| format!("{} {n}", s.replace('_', " ")))
            .collect();
        if !counts.is_empty() {
            notes.push(format!(
                "Tenant {} → {}: {}.",
                t.tenant,
                t.target,
                counts.join(", ")
            ));
        }
        if t.tax_recalculated > 0 {
            notes.push(format!(
                "Tenant {}: {} recalculated the tax of {} invoice(s).",
                t.tenant, t.target, t.tax_recalculated
            ));
        }
    }
    if report.tenants.is_empty() {
        notes.push("The ledger has no tenant yet: connect one and sync.".to_owned());
    }
    if let Some(run) = &report.last_sync {
        notes.push(last_sync_text(run));
    }
    notes.push(
        "Variance = accounting minus ServiceTitan; the Explains column adds up to it exactly. \
         Both sides are as of their last sync: `ledgerbridge report --refresh` reads both \
         systems now."
            .to_owned(),
    );
    ReportView {
        basis: format!(
            "Invoices dated {}, by ServiceTitan's invoice date, from the ledger's last verified \
             snapshots, parked records and open conflicts.",
            report.period.label
        ),
        tables,
        notes,
    }
}
