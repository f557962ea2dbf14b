//! Backfill benchmark (not in CI): N ServiceTitan invoices synced to each target through the
//! real connectors and emulators over HTTP (the testkit world), from no links of that tenant.
//!
//! Run with `cargo bench -p ledgerbridge-reconcile --bench backfill`. Reports invoices per
//! second, CPU microseconds per invoice (this process: engine, connectors and the in-process
//! emulators together) and peak RSS, for 1,000 invoices with the emulators' `real` limits (as a
//! fraction of each target's write ceiling) and 10,000 with limits `off`.

use std::time::{Duration, Instant};

use ledgerbridge_connector::HttpSettings;
use ledgerbridge_core::System;
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_testkit::{Connectors, Holders, LedgerKind, World, WorldOptions};

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

async fn run(world: &World, limits: LimitMode, system: System, count: usize, ceiling_per_min: u64) {
    let mode = format!("{limits:?}").to_lowercase();
    let label = format!("{system}, limits {mode}");
    let mut sync_run = world.begin(system, false, Holders::Alive).await;
    let (cpu, wall) = (cpu_micros(), Instant::now());
    let stopped = world.sync_once(&mut sync_run, system).await;
    let elapsed = wall.elapsed();
    let cpu = cpu_micros().saturating_sub(cpu);
    let report = sync_run.finish(None).await.expect("finish");
    if let Some(e) = stopped {
        println!("{label}: stopped: {e}");
        return;
    }
    let target = report.targets.first().expect("one target");
    let created = target.by_entity[&ledgerbridge_core::EntityKind::Invoice].created;
    let per_min = created * 60_000 / elapsed.as_millis().max(1) as u64;
    println!(
        "{label}: {count} seeded, {created} invoices written in {:.1?}; {per_min} invoices/min \
         ({}% of the {ceiling_per_min}/min write ceiling); {} CPU µs per invoice; peak RSS {} MiB",
        elapsed,
        per_min * 100 / ceiling_per_min.max(1),
        cpu / created.max(1),
        peak_rss_kib() / 1024
    );
}

/// The empty scenario with `count` invoices per tenant, the connectors paced as in
/// production against `real` limits and unpaced against `off`.
async fn world(limits: LimitMode, count: usize) -> World {
    let timeout = Duration::from_secs(120);
    let connectors = if limits == LimitMode::Off {
        Connectors::Unpaced(HttpSettings {
            timeout,
            rate_limit: None,
            ..HttpSettings::default()
        })
    } else {
        Connectors::Paced { timeout }
    };
    let world = World::start(WorldOptions {
        scenario: Scenario::Empty,
        limits,
        connectors,
        ledger: LedgerKind::InMemory,
        ..WorldOptions::default()
    })
    .await;
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

async fn bench(limits: LimitMode, count: usize) {
    let world = world(limits, count).await;
    // QuickBooks: 40 batch requests of 30 a minute; Xero: 60 calls of 50 elements a minute.
    run(&world, limits, System::QuickBooks, count, 1_200).await;
    run(&world, limits, System::Xero, count, 3_000).await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        bench(LimitMode::Real, 1_000).await;
        bench(LimitMode::Off, 10_000).await;
    });
}
