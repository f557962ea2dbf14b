//! Backfill benchmark (not in CI): N ServiceTitan invoices synced to each target through the
//! real connectors and emulators over HTTP (the testkit world), from no links of that tenant,
//! into a ledger FILE (what users run: WAL, `synchronous=FULL`, on the disk `/tmp` is on).
//!
//! Run with `cargo bench -p ledgerbridge-reconcile --bench backfill -- [COUNT...] [--real]
//! [--without-run-indexes]` (default: 1,000 and 10,000 invoices, limits off). Reports, per
//! target: invoices per minute, CPU microseconds per invoice (this process: engine, connectors
//! and the in-process emulators together, so it overstates the bridge's own cost), peak RSS,
//! and the load-independent counts per invoice: SQL statements the ledger ran (all, and the
//! writes among them) and top-level ledger transactions. `--real`: the emulators enforce the
//! documented limits and the connectors pace to them. `--without-run-indexes`: drops the
//! indexes of migration 0012 after opening, to reproduce the figures from before them. After
//! each backfill two runs with nothing new report their HTTP requests and wall time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ledgerbridge_connector::{HttpSettings, RequestObserver};
use ledgerbridge_core::System;
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_ledger::TRANSACTION_TRACE_TARGET;
use ledgerbridge_testkit::{Connectors, Holders, LedgerKind, World, WorldOptions};
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// Statements and transactions the ledger ran since the process started.
static STATEMENTS: AtomicU64 = AtomicU64::new(0);
static WRITES: AtomicU64 = AtomicU64::new(0);
static TRANSACTIONS: AtomicU64 = AtomicU64::new(0);

/// Counts sqlx's statement log events and the ledger's transaction events; formats nothing
/// beyond sqlx's one-line summary (which it builds only because a subscriber listens).
struct Count;

struct Summary(bool);

impl Visit for Summary {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "summary" {
            let verb = value.split_whitespace().next().unwrap_or_default();
            self.0 = ["insert", "update", "delete"].contains(&verb.to_lowercase().as_str());
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for Count {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        match event.metadata().target() {
            TRANSACTION_TRACE_TARGET => {
                TRANSACTIONS.fetch_add(1, Ordering::Relaxed);
            }
            "sqlx::query" => {
                STATEMENTS.fetch_add(1, Ordering::Relaxed);
                let mut write = Summary(false);
                event.record(&mut write);
                if write.0 {
                    WRITES.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ => {}
        }
    }
}

/// HTTP requests the connectors sent (every system; each attempt counts), when limits are off.
static REQUESTS: AtomicU64 = AtomicU64::new(0);

#[derive(Debug)]
struct CountRequests;

impl RequestObserver for CountRequests {
    fn observed(&self, _: Option<u16>, _: Duration) {
        REQUESTS.fetch_add(1, Ordering::Relaxed);
    }
}

fn counts() -> [u64; 3] {
    [&STATEMENTS, &WRITES, &TRANSACTIONS].map(|c| c.load(Ordering::Relaxed))
}

/// CPU time of this process (user + system), from /proc (Linux), in microseconds.
fn cpu_micros() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the stat line; 100 ticks a second on Linux.
    (ticks(11) + ticks(12)) * 10_000
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Per invoice, to one decimal (rounded down; integers only, as everywhere in the project).
fn per(n: u64, invoices: u64) -> String {
    let tenths = n * 10 / invoices.max(1);
    format!("{}.{}", tenths / 10, tenths % 10)
}

async fn run(world: &World, limits: LimitMode, system: System, count: usize, ceiling_per_min: u64) {
    let mode = format!("{limits:?}").to_lowercase();
    let label = format!("{system}, limits {mode}");
    let mut sync_run = world.begin(system, false, Holders::Alive).await;
    let (cpu, wall, before) = (cpu_micros(), Instant::now(), counts());
    let stopped = world.sync_once(&mut sync_run, system).await;
    let elapsed = wall.elapsed();
    let cpu = cpu_micros().saturating_sub(cpu);
    let [statements, writes, transactions] = {
        let after = counts();
        [0, 1, 2].map(|i| after[i] - before[i])
    };
    let report = sync_run.finish(None).await.expect("finish");
    if let Some(e) = stopped {
        println!("{label}: stopped: {e}");
        return;
    }
    let target = report.targets.first().expect("one target");
    let created = target.by_entity[&ledgerbridge_core::EntityKind::Invoice].created;
    let per_min = created * 60_000 / elapsed.as_millis().max(1) as u64;
    println!(
        "{label}: {count} seeded, {created} invoices written in {elapsed:.1?}; {per_min} \
         invoices/min ({}% of the {ceiling_per_min}/min write ceiling); {} CPU µs per invoice; \
         per invoice: {} SQL statements ({} writes), {} ledger transactions; peak RSS {} MiB",
        per_min * 100 / ceiling_per_min.max(1),
        cpu / created.max(1),
        per(statements, created),
        per(writes, created),
        per(transactions, created),
        peak_rss_kib() / 1024
    );
    // The first idle run reads back what the backfill wrote (the books' change feeds start
    // before it); the second shows the steady state.
    for n in 1..=2 {
        idle(world, &format!("{label}, idle run {n}"), system).await;
    }
}

/// A second run with nothing new: its requests (all systems; counted with limits off only)
/// and wall time.
async fn idle(world: &World, label: &str, system: System) {
    let mut sync_run = world.begin(system, false, Holders::Alive).await;
    let (wall, before) = (Instant::now(), REQUESTS.load(Ordering::Relaxed));
    let stopped = world.sync_once(&mut sync_run, system).await;
    let (elapsed, requests) = (wall.elapsed(), REQUESTS.load(Ordering::Relaxed) - before);
    let report = sync_run.finish(None).await.expect("finish");
    let writes: u64 = report
        .targets
        .iter()
        .flat_map(|t| t.by_entity.values())
        .map(|e| e.created + e.updated)
        .sum();
    match stopped {
        Some(e) => println!("{label}: stopped: {e}"),
        None => println!(
            "{label}: {requests} HTTP requests (ServiceTitan and the books together), \
             {writes} records created or updated in the books, {elapsed:.1?}"
        ),
    }
}

/// The empty scenario with `count` invoices per tenant, the connectors paced as in
/// production against `real` limits and unpaced against `off`.
async fn world(limits: LimitMode, count: usize, without_run_indexes: bool) -> World {
    let timeout = Duration::from_secs(120);
    let connectors = if limits == LimitMode::Off {
        Connectors::Unpaced(HttpSettings {
            timeout,
            rate_limit: None,
            observer: Some(Arc::new(CountRequests)),
            ..HttpSettings::default()
        })
    } else {
        Connectors::Paced { timeout }
    };
    let world = World::start(WorldOptions {
        scenario: Scenario::Empty,
        limits,
        connectors,
        ledger: LedgerKind::TempDir,
        ..WorldOptions::default()
    })
    .await;
    if without_run_indexes {
        sqlx::raw_sql(
            "DROP INDEX operations_by_record_state; DROP INDEX operations_by_remote; \
             DROP INDEX link_lines_by_target_line;",
        )
        .execute(world.ledger.pool())
        .await
        .expect("the indexes of 0012 dropped");
    }
    for t in &world.info.servicetitan.tenants {
        world
            .sandbox
            .servicetitan
            .seed_bulk_invoices(t.tenant_id, count)
            .expect("bulk invoices");
    }
    // Fresh changes are hidden by the export lag; let the sandbox clock pass it.
    world.sandbox.clock().advance(16 * 60);
    world
}

async fn bench(limits: LimitMode, count: usize, without_run_indexes: bool) {
    let world = world(limits, count, without_run_indexes).await;
    // QuickBooks: 40 batch requests of 30 a minute; Xero: 60 calls of 50 elements a minute.
    run(&world, limits, System::QuickBooks, count, 1_200).await;
    run(&world, limits, System::Xero, count, 3_000).await;
    world.shutdown().await;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let limits = if flag("--real") {
        LimitMode::Real
    } else {
        LimitMode::Off
    };
    let without_run_indexes = flag("--without-run-indexes");
    let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![1_000, 10_000];
    }
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Count))
        .expect("the bench's only subscriber");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for count in sizes {
            bench(limits, count, without_run_indexes).await;
        }
    });
}
