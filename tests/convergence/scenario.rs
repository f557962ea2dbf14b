//! One seed's scenario: faulty rounds of syncs (with in-process crashes) and edits between
//! them, then fault-free syncs until a run writes nothing, then the invariants.
//!
//! Everything random is drawn from one ChaCha stream seeded by the seed: the emulators' fault
//! plans (each emulator draws its own decisions from the seed it is given), where a sync is
//! crashed, and which edits are made. The crash point is counted in polls of the sync future,
//! so it lands at an await point (between a request and its ledger update, inside a ledger
//! transaction, between pages); the exact await point can vary with I/O timing, the
//! distribution does not.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use ledgerbridge_core::System;
use ledgerbridge_reconcile::TargetReport;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::books_edits::{books_due_dates, books_payments};
use crate::edits::{self, EditLog};
use crate::invariants::{self, Initial};
use crate::populate::populate;
use crate::world::{SYSTEMS, World};

/// Faulty rounds per seed (edits are made before every round but the first).
const ROUNDS: usize = 3;
/// Sync attempts per tenant and round while faults are on.
const ATTEMPTS: usize = 2;
/// Fault-free syncs allowed to reach a run that writes nothing.
const QUIET_LIMIT: usize = 6;
/// Crash points are drawn from `1..=MAX_POLLS` polls of a tenant's sync future; a clean
/// first sync of this world's tenant takes about a thousand, a later one a few hundred.
const MAX_POLLS: u64 = 1_000;

/// What one seed did, summed over seeds for the reliability figures.
#[derive(Clone, Debug, Default)]
pub(crate) struct Stats {
    pub(crate) seeds: u64,
    pub(crate) server_errors: u64,
    pub(crate) timeouts: u64,
    pub(crate) lost_after_commit: u64,
    pub(crate) throttled: u64,
    pub(crate) crashes: u64,
    pub(crate) syncs: u64,
    pub(crate) edits: u64,
    pub(crate) violations: u64,
}

impl Stats {
    pub(crate) fn add(&mut self, other: &Stats) {
        self.seeds += other.seeds;
        self.server_errors += other.server_errors;
        self.timeouts += other.timeouts;
        self.lost_after_commit += other.lost_after_commit;
        self.throttled += other.throttled;
        self.crashes += other.crashes;
        self.syncs += other.syncs;
        self.edits += other.edits;
        self.violations += other.violations;
    }

    pub(crate) fn count_injected(&mut self, injected: &Value) {
        let n = |k: &str| injected[k].as_u64().unwrap_or(0);
        self.server_errors += n("server_errors");
        self.timeouts += n("timeouts");
        self.lost_after_commit += n("lost_after_commit");
        self.throttled += n("throttled");
    }
}

/// How one seed ended: its counts, and the invariant violations (empty when it passed).
pub(crate) struct SeedOutcome {
    pub(crate) stats: Stats,
    pub(crate) violations: Vec<String>,
    /// What happened, for the failure message.
    pub(crate) trace: Vec<String>,
}

/// Runs `fut`, but drops it after `polls` polls if it has not finished: the process "dies"
/// at whatever await point it was suspended in. `None` = crashed.
pub(crate) async fn crash_after<F: Future>(fut: F, polls: Option<u64>) -> Option<F::Output> {
    let mut fut = pin!(fut);
    let mut n = 0u64;
    std::future::poll_fn(|cx| {
        n += 1;
        if polls.is_some_and(|limit| n > limit) {
            return Poll::Ready(None);
        }
        fut.as_mut().poll(cx).map(Some)
    })
    .await
}

/// A fault plan for one emulator: mostly light, sometimes heavy, sometimes a 429 burst.
pub(crate) fn fault_plan(rng: &mut ChaCha8Rng, bursts: bool) -> Value {
    let heavy = rng.random_bool(0.25);
    let scale = if heavy { 3 } else { 1 };
    // A rate in thousandths, written as a JSON number without float arithmetic.
    let rate = |rng: &mut ChaCha8Rng, max_permille: u32| -> Value {
        let permille = rng.random_range(0..=max_permille * scale);
        serde_json::from_str(&format!("0.{permille:03}")).expect("a number")
    };
    let error_rate = rate(rng, 40);
    let timeout_rate = rate(rng, 15);
    let lost_after_commit_rate = rate(rng, 80);
    let throttle_burst = if rng.random_bool(0.2) && bursts {
        rng.random_range(1..=2)
    } else {
        0
    };
    let latency_max = rng.random_range(0..=3u64);
    json!({
        "seed": rng.random::<u32>(),
        "error_rate": error_rate,
        "timeout_rate": timeout_rate,
        "lost_after_commit_rate": lost_after_commit_rate,
        "throttle_burst": throttle_burst,
        "latency_ms": [0, latency_max],
        "timeout_ms": 50,
    })
}

/// One tenant's sync under a run row, possibly crashed; the report when it finished.
pub(crate) async fn sync(
    world: &World,
    system: System,
    crash: Option<u64>,
    stats: &mut Stats,
    trace: &mut Vec<String>,
) -> Option<TargetReport> {
    let mut sync_run = world.begin(system).await;
    let run = sync_run.id();
    stats.syncs += 1;
    let started = std::time::Instant::now();
    match crash_after(world.sync_once(&mut sync_run, system), crash).await {
        None => {
            stats.crashes += 1;
            trace.push(format!(
                "{system}: run {} crashed after {crash:?} polls ({:?})",
                run.0,
                started.elapsed()
            ));
            None
        }
        Some(stopped) => {
            let report = sync_run.finish(None).await.expect("finish run");
            let target = report.targets.into_iter().next().expect("one target");
            let c = target.counts();
            trace.push(format!(
                "{system}: run {} ({:?}) created {} updated {} blocked {} errors {}{}",
                run.0,
                started.elapsed(),
                c.created,
                c.updated,
                c.blocked,
                c.errors,
                stopped
                    .map(|e| format!(" stopped: {e}"))
                    .unwrap_or_default()
            ));
            for b in &target.blocked_records {
                trace.push(format!(
                    "  blocked {} {}: {}",
                    b.entity, b.servicetitan_id, b.reason
                ));
            }
            Some(target)
        }
    }
}

/// Runs seed `seed` end to end.
pub(crate) async fn run_seed(seed: u64) -> SeedOutcome {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut stats = Stats {
        seeds: 1,
        ..Stats::default()
    };
    let mut trace = Vec::new();
    let world = World::start(seed).await;
    populate(&world, seed, &mut rng).await;
    world.set_demo_mappings().await;
    let initial = Initial::take(&world);
    let mut log = EditLog::default();
    let bases = world.bases();

    for round in 0..ROUNDS {
        if round > 0 {
            let mut made = edits::servicetitan_edits(&world, &mut rng, &mut log).await;
            made.extend(books_payments(&world, &world.ledger, &mut rng, &mut log).await);
            made.extend(books_due_dates(&world, &world.ledger, &mut rng, &mut log).await);
            stats.edits += made.len() as u64;
            trace.extend(made);
        }
        for (n, base) in bases.iter().enumerate() {
            // QuickBooks answers every 429 with "wait a minute" (no Retry-After), so a burst
            // there costs a minute of wall time: its throttling is proven by the connector's
            // own tests, not here.
            let plan = fault_plan(&mut rng, n != 1);
            trace.push(format!("round {round}: faults {base} {plan}"));
            world.control(base, "faults", plan).await;
        }
        for _ in 0..ATTEMPTS {
            for system in SYSTEMS {
                let crash = rng
                    .random_bool(0.4)
                    .then(|| rng.random_range(1..=MAX_POLLS));
                sync(&world, system, crash, &mut stats, &mut trace).await;
            }
        }
        // Setting a new plan resets the emulator's counters: read them first.
        for base in &bases {
            stats.count_injected(&world.injected(base).await);
            world.clear_faults(base).await;
        }
    }

    // Faults off: sync until a run makes no writes.
    let mut violations = Vec::new();
    let mut last = Vec::new();
    for system in SYSTEMS {
        let mut quiet = None;
        for _ in 0..QUIET_LIMIT {
            if let Some(report) = sync(&world, system, None, &mut stats, &mut trace).await
                && report.stopped.is_none()
                && report.counts().writes() == 0
                && report.counts().errors == 0
            {
                quiet = Some(report);
                break;
            }
        }
        match quiet {
            Some(report) => last.push((system, invariants::explained(&report))),
            None => violations.push(format!(
                "{system}: no quiet run after {QUIET_LIMIT} fault-free syncs"
            )),
        }
    }
    if violations.is_empty() {
        violations = invariants::check(&world, &world.ledger, &initial, &log, &last).await;
    }
    stats.violations = violations.len() as u64;
    world.shutdown().await;
    SeedOutcome {
        stats,
        violations,
        trace,
    }
}
