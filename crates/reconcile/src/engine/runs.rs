//! A run's row: started before any tenant, finished with the counts the report prints and
//! how the run ended. A run stopped by an error outside the tenants or by a signal is
//! recorded `failed` or `interrupted`, never `ok`.

use ledgerbridge_ledger::{Ledger, RunId, RunStatus};

use super::TenantRun;
use crate::error::SyncError;
use crate::report::SyncReport;

/// Starts a run row (also for a dry run, flagged as such).
pub async fn start_run(ledger: &Ledger, dry_run: bool) -> Result<RunId, SyncError> {
    Ok(ledger.runs().start(dry_run).await?.id)
}

/// Why a run ended before every tenant was synced, recorded on its run row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunStop {
    /// An error outside any tenant's sync stopped it (the key, a connector that could not be
    /// built, the ledger): the run is `failed`, with this message under `counts.error`.
    Failed(String),
    /// The process was asked to stop (SIGTERM/SIGINT): the run is `interrupted`, with the
    /// signal's name under `counts.interrupted`.
    Interrupted(String),
}

/// Records how the run ended (counts on the run row) and returns the report.
pub async fn finish_run(
    ledger: &Ledger,
    run: RunId,
    dry_run: bool,
    tenants: Vec<TenantRun>,
) -> Result<SyncReport, SyncError> {
    end_run(ledger, run, dry_run, tenants, None).await
}

/// [`finish_run`] for a run that may have been stopped: a stopped run is never recorded `ok`,
/// whatever its tenants managed before the stop.
pub async fn end_run(
    ledger: &Ledger,
    run: RunId,
    dry_run: bool,
    tenants: Vec<TenantRun>,
    stop: Option<&RunStop>,
) -> Result<SyncReport, SyncError> {
    let failed = tenants.iter().any(|t| t.error.is_some());
    let report = SyncReport::new(
        run.0,
        dry_run,
        tenants.into_iter().map(|t| t.report).collect(),
    );
    let mut counts = report.counts_json();
    let status = match stop {
        Some(RunStop::Interrupted(signal)) => {
            counts["interrupted"] = serde_json::Value::from(signal.as_str());
            RunStatus::Interrupted
        }
        Some(RunStop::Failed(error)) => {
            counts["error"] = serde_json::Value::from(error.as_str());
            RunStatus::Failed
        }
        None if failed => RunStatus::Failed,
        None if report.has_conflicts() => RunStatus::Conflicts,
        None => RunStatus::Ok,
    };
    ledger.runs().finish(run, status, &counts).await?;
    Ok(report)
}
