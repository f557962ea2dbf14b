//! What one `watch` run of one tenant is: the tenant's lease and run row ([`SyncRun`]), its
//! connectors (kept between runs, so tokens and pacing carry over; dropped after a failure so
//! a reconnect is picked up), the engine over the trigger's scope, then the same ending as
//! `sync` (refused tokens mark the connection broken). Health and metrics get a summary.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ledgerbridge_connector::{CredentialStore, RequestObserver};
use ledgerbridge_core::System;
use ledgerbridge_ledger::{LeaseClaim, LeaseError, Ledger};
use ledgerbridge_protocol::Target;
use ledgerbridge_reconcile::{
    NoProgress, RunClaim, RunStop, SyncContext, SyncRun, SyncScope, SyncSettings, TargetReport,
    TenantSpec,
};
use ledgerbridge_service::{Metrics, RunOutcome, RunRequest, RunSummary, Syncer, TenantKey};
use ledgerbridge_servicetitan::ServiceTitan;
use tokio::sync::Mutex;

use super::sync_stop;
use crate::any_target::AnyTarget;
use crate::config::TenantSection;
use crate::context::Context;

/// A tenant's connectors, built once and reused by its runs.
type Connectors = Arc<(ServiceTitan, AnyTarget)>;

/// Reports one system's requests to the metrics.
#[derive(Debug)]
struct Observer {
    metrics: Arc<Metrics>,
    system: System,
}

impl RequestObserver for Observer {
    fn observed(&self, status: Option<u16>, took: Duration) {
        self.metrics.remote_request(self.system, status, took);
    }
}

/// The CLI's [`Syncer`]: see the module docs.
pub(crate) struct CliSyncer {
    pub(crate) ctx: Context,
    pub(crate) ledger: Ledger,
    pub(crate) store: Arc<dyn CredentialStore>,
    pub(crate) metrics: Arc<Metrics>,
    /// The sync settings of every run; each run sets its scope.
    pub(crate) settings: SyncSettings,
    pub(crate) host: String,
    connectors: Mutex<HashMap<String, Connectors>>,
}

impl CliSyncer {
    pub(crate) fn new(
        ctx: Context,
        ledger: Ledger,
        store: Arc<dyn CredentialStore>,
        metrics: Arc<Metrics>,
        settings: SyncSettings,
        host: String,
    ) -> Self {
        Self {
            ctx,
            ledger,
            store,
            metrics,
            settings,
            host,
            connectors: Mutex::new(HashMap::new()),
        }
    }

    fn section(&self, tenant: &str) -> Option<&TenantSection> {
        self.ctx
            .settings
            .tenants
            .iter()
            .find(|t| t.servicetitan_tenant == tenant)
    }

    /// The tenant's connectors, built on first use. A failure says which system.
    async fn connectors(
        &self,
        tenant: &TenantSection,
    ) -> Result<Connectors, (System, anyhow::Error)> {
        let id = &tenant.servicetitan_tenant;
        if let Some(built) = self.connectors.lock().await.get(id) {
            return Ok(built.clone());
        }
        let metrics = self.metrics.clone();
        let observe = move |system: System| -> Arc<dyn RequestObserver> {
            Arc::new(Observer {
                metrics: metrics.clone(),
                system,
            })
        };
        let (ctx, ledger) = (&self.ctx, &self.ledger);
        let st = super::targets::servicetitan_observed(
            ctx,
            ledger,
            self.store.as_ref(),
            id,
            Some(&observe),
        )
        .await
        .map_err(|e| (System::ServiceTitan, e))?;
        let target_system = tenant.target.parse().unwrap_or(System::QuickBooks);
        let target = super::targets::target_observed(
            ctx,
            ledger,
            self.store.clone(),
            tenant,
            Some(&observe),
        )
        .await
        .map_err(|e| (target_system, e))?;
        let built = Arc::new((st, target));
        self.connectors
            .lock()
            .await
            .insert(id.clone(), built.clone());
        Ok(built)
    }

    fn claim<'a>(&'a self, tenants: &'a [String]) -> RunClaim<'a> {
        RunClaim {
            tenants,
            dry_run: false,
            lease: LeaseClaim {
                pid: std::process::id(),
                host: &self.host,
                run: None,
                stale_after: Duration::from_secs(self.ctx.settings.ledger.lease_stale_seconds),
                is_alive: &super::sync::pid_alive,
            },
        }
    }

    /// One run of `key` (see the module docs).
    async fn run(&self, key: &TenantKey, request: &RunRequest) -> RunSummary {
        let Some(section) = self.section(&key.tenant) else {
            return RunSummary::bare(RunOutcome::Failed, Some("not configured".to_owned()));
        };
        let tenants = [key.tenant.clone()];
        let claim = self.claim(&tenants);
        let mut run = match SyncRun::begin(&self.ledger, &claim).await {
            Ok(run) => run,
            Err(LeaseError::Busy { .. }) => return RunSummary::bare(RunOutcome::Busy, None),
            Err(e) => return RunSummary::bare(RunOutcome::Failed, Some(e.to_string())),
        };
        let connectors = match self.connectors(section).await {
            Ok(c) => c,
            Err((system, e)) => {
                if let Some(refused) = sync_stop::refused(&e) {
                    sync_stop::mark_broken(&self.ledger, &key.tenant, system, &refused).await;
                }
                let reason = format!("{e:#}");
                if stopping(request) {
                    let _ = run
                        .finish(Some(RunStop::Interrupted("SIGTERM".into())))
                        .await;
                    return RunSummary::bare(RunOutcome::Interrupted, None);
                }
                let _ = run.finish(Some(RunStop::Failed(reason.clone()))).await;
                return RunSummary::bare(RunOutcome::Failed, Some(reason));
            }
        };
        let (st, target) = (&connectors.0, &connectors.1);
        let settings = SyncSettings {
            scope: SyncScope {
                servicetitan: request.scope.servicetitan,
                books: request.scope.books,
                from_start: request.scope.full,
            },
            ..self.settings.clone()
        };
        let spec = TenantSpec {
            tenant: key.tenant.clone(),
            target: target.system(),
            company: key.company.clone(),
        };
        let cx = SyncContext {
            ledger: &self.ledger,
            run: run.id(),
            servicetitan: st,
            target,
            tenant: &spec,
            settings: &settings,
            progress: &NoProgress,
        };
        let error = run.tenant(cx).await.error.as_ref().map(ToString::to_string);
        sync_stop::mark_refused(&self.ledger, run.tenants()).await;
        let stop = stopping(request).then(|| RunStop::Interrupted("SIGTERM".to_owned()));
        let interrupted = stop.is_some();
        let report = match run.finish(stop).await {
            Ok(report) => report,
            Err(e) => return RunSummary::bare(RunOutcome::Failed, Some(e.to_string())),
        };
        // After the run row is committed, as after `sync`; each run's pass also sends what is
        // due (the daily digest, retries), so its timing follows the poll interval. Only a run
        // that read both sides and ended well knows the tenant's whole set of blocked records.
        let complete = request.scope.servicetitan && request.scope.books;
        if complete && error.is_none() && !interrupted {
            super::alerts::after_sync(&self.ctx, &self.ledger, &report).await;
        } else {
            super::alerts::tick(&self.ctx, &self.ledger).await;
        }
        let open = self
            .ledger
            .conflicts()
            .count_open(Some(&key.tenant))
            .await
            .unwrap_or_default();
        let outcome = match (&error, interrupted) {
            (_, true) => RunOutcome::Interrupted,
            (Some(_), false) => RunOutcome::Failed,
            (None, false) if open > 0 || report.has_conflicts() => RunOutcome::Conflicts,
            (None, false) => RunOutcome::Ok,
        };
        let target_report = report.targets.first();
        let mut summary = summary(outcome, target_report, open, error);
        if !(complete && outcome.is_success()) {
            // A one-sided run's blocked count is part of the tenant's: keep the gauge.
            summary.blocked = None;
        }
        summary
    }
}

/// Whether the service or a signal asked to stop (the signal stops the connectors first; a
/// run cut short by it is interrupted, not failed).
fn stopping(request: &RunRequest) -> bool {
    request.stop.is_stopped() || ledgerbridge_connector::http::stop::stop_requested()
}

fn summary(
    outcome: RunOutcome,
    report: Option<&TargetReport>,
    open: i64,
    error: Option<String>,
) -> RunSummary {
    let mut summary = RunSummary::bare(outcome, error);
    summary.conflicts_open = u64::try_from(open).ok();
    let Some(report) = report else {
        return summary;
    };
    for (entity, counts) in &report.by_entity {
        for (action, n) in [("created", counts.created), ("updated", counts.updated)] {
            if n > 0 {
                summary.written.push((entity.to_string(), action, n));
            }
        }
    }
    let counts = report.counts();
    summary.blocked = Some(counts.blocked);
    summary.given_up = counts.errors;
    summary
}

impl Syncer for CliSyncer {
    async fn sync(&self, tenant: &TenantKey, request: RunRequest) -> RunSummary {
        let summary = self.run(tenant, &request).await;
        if summary.outcome == RunOutcome::Failed {
            // Rebuilt next time: a reconnect or a fixed config is picked up.
            self.connectors.lock().await.remove(&tenant.tenant);
        }
        summary
    }

    async fn ledger_reachable(&self) -> bool {
        self.ledger.runs().latest().await.is_ok()
    }
}
