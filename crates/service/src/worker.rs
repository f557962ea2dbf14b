//! The service loop: one task per tenant that sleeps until its schedule says a run is due (or a
//! webhook wakes it), takes one of `concurrency` permits, runs the caller's [`Syncer`], and
//! records the outcome in health and metrics. A stop ends the waits at once and lets runs in
//! flight finish (the syncer sees the stop too) for at most `stop_seconds`.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerbridge_core::{System, WallClock};
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

use crate::config::{ServiceSettings, TenantKey};
use crate::health::Health;
use crate::metrics::Metrics;
use crate::schedule::{Ran, RunScope, TenantSchedule};

/// Asks the service (and the runs in flight) to stop. Cheap to clone; every clone sees it.
#[derive(Clone, Debug)]
pub struct StopToken(Arc<watch::Sender<bool>>);

impl Default for StopToken {
    fn default() -> Self {
        Self(Arc::new(watch::Sender::new(false)))
    }
}

impl StopToken {
    /// Stops: idempotent.
    pub fn stop(&self) {
        self.0.send_replace(true);
    }

    /// Whether [`StopToken::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves once stopped (at once if already).
    pub async fn stopped(&self) {
        let mut rx = self.0.subscribe();
        // `wait_for` fails only when the sender is gone, and this token holds it.
        let _ = rx.wait_for(|stopped| *stopped).await;
    }
}

/// What the service asks of one run.
#[derive(Clone, Debug)]
pub struct RunRequest {
    /// What the run pulls.
    pub scope: RunScope,
    /// Set when the service is stopping: finish or abandon the request in flight, record the
    /// run `interrupted`.
    pub stop: StopToken,
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    /// Synced, nothing waiting.
    Ok,
    /// Synced; conflicts wait for a person (a success: the service did its part).
    Conflicts,
    /// Failed (a broken connection, a remote down, the ledger): the tenant backs off.
    Failed,
    /// Stopped by the service's stop.
    Interrupted,
    /// Another process holds the tenant's lease; nothing was done.
    Busy,
}

impl RunOutcome {
    /// The `outcome` label of `ledgerbridge_runs_total`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Conflicts => "conflicts",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
            Self::Busy => "busy",
        }
    }

    /// Whether the run counts as a successful sync (readiness, last success).
    pub fn is_success(self) -> bool {
        matches!(self, Self::Ok | Self::Conflicts)
    }

    fn ran(self) -> Ran {
        match self {
            Self::Ok | Self::Conflicts => Ran::Ok,
            Self::Failed | Self::Interrupted => Ran::Failed,
            Self::Busy => Ran::Busy,
        }
    }
}

/// What a run did, for health and metrics (ids and counts only).
#[derive(Clone, Debug)]
pub struct RunSummary {
    pub outcome: RunOutcome,
    /// `(entity, action, count)` of records written to a remote: action `created` or `updated`.
    pub written: Vec<(String, &'static str, u64)>,
    /// Records waiting for a person after the run, when the run read enough to know (both
    /// sides); `None` leaves the gauge as it was.
    pub blocked: Option<u64>,
    /// Open conflicts of the tenant after the run, when known.
    pub conflicts_open: Option<u64>,
    /// Records whose write failed in the run.
    pub given_up: u64,
    /// Why it failed (no secret; ids and the remote's words).
    pub error: Option<String>,
}

impl RunSummary {
    /// A run that did nothing and ended as `outcome` (with `error` when failed).
    pub fn bare(outcome: RunOutcome, error: Option<String>) -> Self {
        Self {
            outcome,
            written: Vec::new(),
            blocked: None,
            conflicts_open: None,
            given_up: 0,
            error,
        }
    }
}

/// What a run is, supplied by the caller: the CLI builds the connectors and runs the engine
/// under the tenant's lease. The service calls it for one tenant at a time per tenant.
pub trait Syncer: Send + Sync + 'static {
    /// Runs `tenant` over `request.scope`.
    fn sync(
        &self,
        tenant: &TenantKey,
        request: RunRequest,
    ) -> impl Future<Output = RunSummary> + Send;

    /// Whether the ledger answers now (`/readyz`).
    fn ledger_reachable(&self) -> impl Future<Output = bool> + Send;
}

/// Why the service could not run or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("serving health, metrics and webhooks: {0}")]
    Serve(#[from] std::io::Error),
    #[error("{0} run(s) still in flight after the stop timeout; they resume on the next start")]
    Abandoned(usize),
}

/// What the tenant loops and the HTTP handlers share.
pub(crate) struct Shared<S> {
    pub(crate) settings: ServiceSettings,
    pub(crate) tenants: Vec<TenantKey>,
    pub(crate) syncer: Arc<S>,
    pub(crate) clock: WallClock,
    pub(crate) health: Arc<Health>,
    pub(crate) metrics: Arc<Metrics>,
    wakers: BTreeMap<String, Arc<Notify>>,
}

impl<S> Shared<S> {
    /// Wakes the tenants of `system` whose company is among `companies`; how many.
    pub(crate) fn wake(
        &self,
        system: System,
        companies: &std::collections::BTreeSet<String>,
    ) -> usize {
        let mut woken = 0;
        for key in &self.tenants {
            if key.target == system && companies.contains(&key.company) {
                self.wakers[&key.tenant].notify_one();
                woken += 1;
            }
        }
        woken
    }

    fn record(&self, key: &TenantKey, scope: RunScope, summary: &RunSummary, ended: DateTime<Utc>) {
        self.metrics.run(&key.tenant, summary, ended);
        match summary.outcome {
            o if o.is_success() => self.health.succeeded(&key.tenant, ended),
            RunOutcome::Failed => {
                let reason = summary.error.as_deref().unwrap_or("the run failed");
                self.health.failed(&key.tenant, reason);
            }
            _ => {}
        }
        tracing::info!(
            tenant = %key.tenant,
            target = %key.target,
            scope = scope.label(),
            outcome = summary.outcome.as_str(),
            "run ended"
        );
    }
}

/// `ledgerbridge watch` without its CLI (see the crate docs).
pub struct Service<S> {
    shared: Arc<Shared<S>>,
}

impl<S: Syncer> Service<S> {
    /// A service for `tenants`; `clock` is the wall clock schedules and readiness read.
    pub fn new(
        settings: ServiceSettings,
        tenants: Vec<TenantKey>,
        syncer: Arc<S>,
        clock: WallClock,
        metrics: Arc<Metrics>,
    ) -> Self {
        let wakers = tenants
            .iter()
            .map(|t| (t.tenant.clone(), Arc::new(Notify::new())))
            .collect();
        let health = Arc::new(Health::new(&tenants));
        Self {
            shared: Arc::new(Shared {
                settings,
                tenants,
                syncer,
                clock,
                health,
                metrics,
                wakers,
            }),
        }
    }

    /// Every tenant's standing (what `/readyz` reads).
    pub fn health(&self) -> Arc<Health> {
        self.shared.health.clone()
    }

    /// Serves on `listener` and keeps every tenant in sync until `stop`; then waits up to
    /// `stop_seconds` for the runs in flight.
    pub async fn run(self, listener: TcpListener, stop: StopToken) -> Result<(), ServiceError> {
        let server = tokio::spawn(crate::server::serve(
            listener,
            self.shared.clone(),
            stop.clone(),
        ));
        let permits = Arc::new(Semaphore::new(self.shared.settings.concurrency.max(1)));
        let mut loops = JoinSet::new();
        for key in self.shared.tenants.clone() {
            let shared = self.shared.clone();
            loops.spawn(tenant_loop(shared, key, permits.clone(), stop.clone()));
        }
        stop.stopped().await;
        let drained = tokio::time::timeout(self.shared.settings.stop, async {
            while loops.join_next().await.is_some() {}
        })
        .await;
        let abandoned = loops.len();
        loops.abort_all();
        // Requests still open after the runs' budget (a slow client) do not hold the exit.
        let abort = server.abort_handle();
        match tokio::time::timeout(Duration::from_secs(2), server).await {
            Ok(Ok(served)) => served?,
            Ok(Err(e)) if e.is_cancelled() => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "the HTTP server task ended abnormally"),
            Err(_) => abort.abort(),
        }
        if drained.is_err() && abandoned > 0 {
            return Err(ServiceError::Abandoned(abandoned));
        }
        Ok(())
    }
}

/// Runs the syncer in its own task, so a panic in one run is a failed run of that tenant,
/// logged, and the tenant's loop goes on.
async fn run_guarded<S: Syncer>(
    shared: &Arc<Shared<S>>,
    key: &TenantKey,
    request: RunRequest,
) -> RunSummary {
    let syncer = shared.syncer.clone();
    let task_key = key.clone();
    let run = tokio::spawn(async move { syncer.sync(&task_key, request).await });
    match run.await {
        Ok(summary) => summary,
        Err(e) => {
            tracing::error!(tenant = %key.tenant, error = %e, "a run panicked");
            RunSummary::bare(
                RunOutcome::Failed,
                Some("the run panicked (see the log)".into()),
            )
        }
    }
}

/// One tenant: wait until due, run, record, repeat (see the module docs).
async fn tenant_loop<S: Syncer>(
    shared: Arc<Shared<S>>,
    key: TenantKey,
    permits: Arc<Semaphore>,
    stop: StopToken,
) {
    let settings = &shared.settings;
    let waker = shared.wakers[&key.tenant].clone();
    let mut schedule = TenantSchedule::new(shared.clock.now(), settings);
    while !stop.is_stopped() {
        let now = shared.clock.now();
        let Some(scope) = schedule.due(now, settings) else {
            let wait = (schedule.next_wake(settings) - now)
                .to_std()
                .unwrap_or_default();
            tokio::select! {
                biased;
                () = stop.stopped() => break,
                () = tokio::time::sleep(wait) => {}
                () = waker.notified() => schedule.webhook(shared.clock.now()),
            }
            continue;
        };
        let permit = tokio::select! {
            // A stop wins over a permit freed by a run the stop just ended.
            biased;
            () = stop.stopped() => break,
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
        };
        if stop.is_stopped() {
            break;
        }
        let started = shared.clock.now();
        let request = RunRequest {
            scope,
            stop: stop.clone(),
        };
        let summary = run_guarded(&shared, &key, request).await;
        drop(permit);
        let ended = shared.clock.now();
        shared.record(&key, scope, &summary, ended);
        schedule.finished(scope, started, ended, summary.outcome.ran(), settings);
    }
}
