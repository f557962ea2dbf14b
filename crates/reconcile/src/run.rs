//! One sync run: the leases of its tenants, their heartbeat, the run row and the report.
//!
//! ```text
//! let mut run = SyncRun::begin(&ledger, &claim).await?;   // leases (all or none), run row
//! run.tenant(SyncContext { run: run.id(), .. }).await;    // once per tenant, in any order
//! let report = run.finish(stop).await?;                   // run row ended, leases freed
//! ```
//!
//! The leases are taken before the run row exists, so a sync refused because a tenant is
//! being synced ([`LeaseError::Busy`], exit code 4) leaves no run behind. While the run lasts
//! a background task heartbeats the leases; if one is lost (taken over because this process
//! looked dead), the tenants not yet synced are refused instead of written. A run is recorded
//! `ok`, `conflicts` or `failed` from what its tenants did, or `failed` / `interrupted` when
//! [`RunStop`] says what ended it early; a stopped run is never recorded `ok`. A run dropped
//! without [`SyncRun::finish`] (a crash) stays `running` until the next sync of one of its
//! tenants takes a lease over and marks it `interrupted`.

use std::sync::{Arc, Mutex as SyncMutex};
use std::time::Duration;

use ledgerbridge_ledger::{LeaseClaim, LeaseError, LeaseGuard, Ledger, RunId, RunStatus, Takeover};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::engine::{SyncContext, TenantRun, sync_tenant};
use crate::error::SyncError;
use crate::report::{SyncReport, TargetReport};
use ledgerbridge_protocol::{Source, Target};

/// How often the leases are heartbeaten: well within any sensible `stale_after` (the CLI's
/// default is 120 s).
const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);

/// What a run needs to begin.
pub struct RunClaim<'a> {
    /// The ServiceTitan tenants it syncs: their leases are taken, all or none.
    pub tenants: &'a [String],
    /// Whether it only plans (flagged on the run row).
    pub dry_run: bool,
    /// Who claims the leases and how to judge their holders (its `run` is not read: the run
    /// row is started once the leases are held, then recorded on them).
    pub lease: LeaseClaim<'a>,
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

/// A run in progress; see the module docs.
pub struct SyncRun<'a> {
    ledger: &'a Ledger,
    id: RunId,
    dry_run: bool,
    takeovers: Vec<Takeover>,
    /// `None` once finished.
    lease: Option<Arc<Mutex<LeaseGuard>>>,
    heartbeat: Option<JoinHandle<()>>,
    /// Set by the heartbeat when a lease was taken over: the tenants left are refused.
    lost: Arc<SyncMutex<Option<String>>>,
    tenants: Vec<TenantRun>,
}

impl<'a> SyncRun<'a> {
    /// Takes the leases of the claim's tenants, starts the run row and the heartbeat.
    /// Refuses with [`LeaseError::Busy`] (naming the tenant) when another live sync holds one.
    pub async fn begin(ledger: &'a Ledger, claim: &RunClaim<'_>) -> Result<Self, LeaseError> {
        let mut guard = ledger.leases().acquire(claim.tenants, &claim.lease).await?;
        let takeovers = guard.takeovers().to_vec();
        for takeover in &takeovers {
            tracing::warn!(?takeover, "took over a stale tenant lease");
        }
        let id = ledger.runs().start(claim.dry_run).await?.id;
        if let Err(e) = guard.set_run(id).await {
            // Lost between two statements: record why the run did nothing, free what is left.
            let counts = serde_json::json!({ "error": e.to_string() });
            ledger.runs().finish(id, RunStatus::Failed, &counts).await?;
            let _ = guard.release().await;
            return Err(e);
        }
        let lease = Arc::new(Mutex::new(guard));
        let lost = Arc::new(SyncMutex::new(None));
        let heartbeat = keep_alive(lease.clone(), lost.clone());
        Ok(Self {
            ledger,
            id,
            dry_run: claim.dry_run,
            takeovers,
            lease: Some(lease),
            heartbeat: Some(heartbeat),
            lost,
            tenants: Vec::new(),
        })
    }

    /// The run's number.
    pub fn id(&self) -> RunId {
        self.id
    }

    /// The leases taken over from dead or stale holders when the run began.
    pub fn takeovers(&self) -> &[Takeover] {
        &self.takeovers
    }

    /// What the tenants synced so far did, in order.
    pub fn tenants(&self) -> &[TenantRun] {
        &self.tenants
    }

    /// Syncs one tenant of the claim (`cx.run` is this run's [`SyncRun::id`]; `cx.ledger` the
    /// ledger it began on). A tenant whose lease this run does not hold (not claimed, or lost)
    /// is refused: its report says why and nothing is written for it.
    pub async fn tenant<S: Source, T: Target>(&mut self, cx: SyncContext<'_, S, T>) -> &TenantRun {
        debug_assert_eq!(
            cx.run, self.id,
            "a tenant synced under another run's number"
        );
        let outcome = match self.refusal(&cx.tenant.tenant).await {
            Some(error) => {
                let mut report = TargetReport::new(&cx.tenant.tenant, cx.tenant.target.as_str());
                report.stopped = Some(error.to_string());
                TenantRun {
                    report,
                    error: Some(error),
                }
            }
            None => sync_tenant(SyncContext { run: self.id, ..cx }).await,
        };
        self.tenants.push(outcome);
        self.tenants.last().expect("just pushed")
    }

    /// Why `tenant` may not be synced under this run, if it may not.
    async fn refusal(&self, tenant: &str) -> Option<SyncError> {
        if let Some(lost) = self.lost.lock().expect("not poisoned").clone() {
            return Some(SyncError::LeaseLost(lost));
        }
        let lease = self.lease.as_ref()?;
        if lease.lock().await.holds(tenant) {
            return None;
        }
        Some(SyncError::Config(format!(
            "tenant {tenant} is not one of the tenants this run leased"
        )))
    }

    /// Ends the run: records its status and counts on the run row, frees the leases and
    /// returns the report. A lease lost meanwhile is an error after the row is recorded.
    pub async fn finish(mut self, stop: Option<RunStop>) -> Result<SyncReport, SyncError> {
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.abort();
            // Wait for the aborted task to drop its handle on the lease, so it can be released.
            let _ = heartbeat.await;
        }
        let tenants = std::mem::take(&mut self.tenants);
        let report = end(self.ledger, self.id, self.dry_run, tenants, stop.as_ref()).await?;
        let lease = self.lease.take().expect("a run is finished once");
        if let Ok(lease) = Arc::try_unwrap(lease) {
            lease.into_inner().release().await?;
        }
        Ok(report)
    }
}

impl Drop for SyncRun<'_> {
    fn drop(&mut self) {
        // Dropped unfinished (a crash of this future): stop heartbeating, so the leases go
        // stale or are freed by the guard's own drop, as after a process crash.
        if let Some(heartbeat) = self.heartbeat.take() {
            heartbeat.abort();
        }
    }
}

/// Heartbeats the leases while the run lasts, so a long tenant never looks stale.
fn keep_alive(
    lease: Arc<Mutex<LeaseGuard>>,
    lost: Arc<SyncMutex<Option<String>>>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(HEARTBEAT_EVERY).await;
            if let Err(e) = lease.lock().await.heartbeat().await {
                tracing::warn!(error = %e, "lease heartbeat failed");
                if matches!(e, LeaseError::Lost { .. }) {
                    *lost.lock().expect("not poisoned") = Some(e.to_string());
                }
            }
        }
    })
}

/// Records how the run ended (counts on the run row) and returns the report.
async fn end(
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

#[cfg(test)]
mod tests {
    use ledgerbridge_ledger::{LedgerLocation, LedgerOptions};

    use super::*;

    const ALIVE: &(dyn Fn(u32) -> bool + Sync) = &|_| true;

    fn claim<'a>(tenants: &'a [String], pid: u32) -> RunClaim<'a> {
        RunClaim {
            tenants,
            dry_run: false,
            lease: LeaseClaim {
                pid,
                host: "host-a",
                run: None,
                stale_after: Duration::from_secs(600),
                is_alive: ALIVE,
            },
        }
    }

    fn names(tenants: &[&str]) -> Vec<String> {
        tenants.iter().map(|t| (*t).to_owned()).collect()
    }

    #[tokio::test]
    async fn a_run_holds_its_tenants_until_it_finishes_and_a_refusal_starts_no_run() {
        let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default())
            .await
            .unwrap();
        let a = names(&["A"]);
        let run = SyncRun::begin(&ledger, &claim(&a, 1)).await.unwrap();
        let lease = ledger.leases().current("A").await.unwrap().unwrap();
        assert_eq!(lease.run, Some(run.id()), "the lease names the run");

        let both = names(&["B", "A"]);
        let busy = SyncRun::begin(&ledger, &claim(&both, 2))
            .await
            .err()
            .unwrap();
        assert!(
            matches!(busy, LeaseError::Busy { ref tenant, .. } if tenant == "A"),
            "{busy:?}"
        );
        assert!(ledger.leases().current("B").await.unwrap().is_none());
        let latest = ledger.runs().latest().await.unwrap().unwrap();
        assert_eq!(latest.id, run.id(), "the refused run left no row");
        let b = names(&["B"]);
        let side = SyncRun::begin(&ledger, &claim(&b, 2)).await.unwrap();

        let report = run.finish(None).await.unwrap();
        assert!(report.targets.is_empty());
        let row = ledger.runs().get(latest.id).await.unwrap().unwrap();
        assert_eq!(row.status, RunStatus::Ok);
        assert!(ledger.leases().current("A").await.unwrap().is_none());
        let stopped = side
            .finish(Some(RunStop::Interrupted("SIGTERM".into())))
            .await
            .unwrap();
        let row = ledger
            .runs()
            .get(RunId(stopped.run_id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.status, RunStatus::Interrupted);
        assert_eq!(row.counts["interrupted"], "SIGTERM");
        assert!(ledger.leases().list().await.unwrap().is_empty());
    }
}
