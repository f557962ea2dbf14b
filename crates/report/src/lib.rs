//! The reconciliation report of ledgerbridge: for a period of ServiceTitan invoice dates,
//! every invoice of each tenant with its verdict (matched, amount mismatch, tax mismatch,
//! missing in accounting, missing in ServiceTitan, duplicate suspected, blocked, conflict
//! open), the field-level differences and both systems' ids and numbers; each side's totals
//! (count, subtotal, tax, total, payments, open balance) and the variance between them,
//! explained record by record.
//!
//! # Design decisions
//!
//! * **Gather, then a pure build.** [`gather::tenant_input`] reads the ledger (snapshots of the
//!   period, links, parked records, open conflicts, quarantine) and, with `--refresh`, what
//!   [`live::refresh`] read from both systems, into document pairs ([`RecordInput`]).
//!   [`build()`] classifies them and totals both sides without any I/O, so the laws are tested
//!   on generated data (`tests/laws.rs`).
//! * **The variance is explained exactly, by construction.** Each side is summed from its own
//!   documents; each record explains its accounting figures minus its ServiceTitan figures;
//!   every document is in exactly one record. A matched record explains nothing. Amounts are
//!   [`Money`](ledgerbridge_core::Money), never floats.
//! * **The ledger is the default source.** Without `--refresh` both sides come from the last
//!   verified snapshots (and the parked records for what is blocked), so the report is instant
//!   and needs no network. A snapshot keeps the books' own total and tax beside ServiceTitan's,
//!   so a tax the books recalculated shows from the ledger too; other mismatches made in
//!   either system since the last sync show with `--refresh` (or as conflicts after the next
//!   sync). A system that cannot be read during a refresh is a warning naming it, and its
//!   side falls back to the ledger.
//! * **Formats are views of one [`Report`].** The JSON is the contract (documented in
//!   `docs/reports.md`, snapshot-tested); CSV, HTML and the table are renderings of it.
//! * **This crate knows nothing of the CLI or the web UI**; both depend on it.

pub mod build;
mod error;
pub mod gather;
pub mod live;
pub mod model;
mod period;
pub mod render;

use chrono::{DateTime, Utc};
use ledgerbridge_core::System;
use ledgerbridge_ledger::Ledger;

pub use build::build;
pub use error::ReportError;
pub use gather::{Expected, Live, Scope, tenant_input};
pub use model::{
    Basis, CurrencyTotals, Difference, Doc, LastSync, Measures, RecordInput, RecordLine, Report,
    Status, TenantInput, TenantReport,
};
pub use period::Period;
pub use render::{Format, render};

/// The tenants' accounting targets the ledger has connections for (optionally one tenant,
/// one system), in tenant order: the scopes of a report made without a config (the web UI).
pub async fn scopes_from_ledger(
    ledger: &Ledger,
    tenant: Option<&str>,
    target: Option<System>,
) -> Result<Vec<Scope>, ReportError> {
    let mut scopes: Vec<Scope> = ledger
        .connections()
        .list()
        .await?
        .into_iter()
        .filter(|c| c.system.is_accounting())
        .filter(|c| tenant.is_none_or(|t| t == c.tenant))
        .filter(|c| target.is_none_or(|s| s == c.system))
        .map(|c| Scope {
            tenant: c.tenant,
            target: c.system,
            company: c.company,
        })
        .collect();
    scopes.sort_by(|a, b| (&a.tenant, a.target).cmp(&(&b.tenant, b.target)));
    scopes.dedup();
    Ok(scopes)
}

/// The latest sync run that wrote (dry runs left out), if any.
pub async fn last_sync(ledger: &Ledger) -> Result<Option<LastSync>, ReportError> {
    let runs = ledger.runs().list(50).await?;
    Ok(runs.into_iter().find(|r| !r.dry_run).map(|r| LastSync {
        run: r.id.0,
        status: r.status.to_string(),
        started_at: r.started_at,
        finished_at: r.finished_at,
    }))
}

/// The report of `scopes` from the ledger alone (no remote is read).
pub async fn from_ledger(
    ledger: &Ledger,
    period: Period,
    scopes: &[Scope],
    expected: Expected,
    generated_at: DateTime<Utc>,
) -> Result<Report, ReportError> {
    let mut inputs = Vec::new();
    for scope in scopes {
        inputs.push(tenant_input(ledger, scope, period, expected, Live::default()).await?);
    }
    let mut report = build(period, generated_at, Vec::new(), inputs)?;
    report.last_sync = last_sync(ledger).await?;
    Ok(report)
}
