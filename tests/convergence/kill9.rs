//! The real binary under kill -9 and concurrency.
//!
//! * `kill_9_at_crash_points_then_restart_converges`: `ledgerbridge sync` aborts at a seeded
//!   *named crash point* (`LEDGERBRIDGE_CRASH_AT=point:n`, compiled into the test build only:
//!   see `ledgerbridge_core::crash`), so the crash lands in the same window on every machine
//!   whatever its speed or load: after a request is recorded and before it is sent, after it
//!   is answered and before the answer is recorded, after a customer match, after an invoice
//!   or payment is linked and before its export mark, between a mark's record and its
//!   sending. Seed `s` starts with point `s mod n`, so the first n seeds cover every window.
//!   Between attempts the sandbox clock may jump past the access tokens' expiry (1 h) or past
//!   every idempotency key's life (25 h: Xero keeps a key 6 minutes, QuickBooks a requestid
//!   24 hours), so a write whose answer was lost must be found by look-up, never re-sent.
//!   Then sync until a run writes nothing; the same invariants as in-process. A crashed
//!   process's lease must not block the restart (exit 4 after a crash is a violation).
//!   `FAULT_KILL_SEEDS=N` (default: one per crash point) seeds.
//! * `two_syncs_one_ledger_and_edits_during_a_sync`: a sync of every tenant while another
//!   process holds one tenant's lease exits 4 naming that tenant and writes nothing for any
//!   tenant; a sync while a person edits ServiceTitan (the edits start once the run row exists,
//!   not after a sleep) converges after one more sync.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ledgerbridge_core::crash::POINTS;
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{LeaseClaim, Ledger, LedgerLocation, LedgerOptions};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::books_edits::{books_due_dates, books_payments};
use crate::edits::{self, EditLog};
use crate::invariants::{self, Explained, Initial};
use crate::populate::populate;
use crate::scenario::{SeedOutcome, Stats, fault_plan};
use crate::seeds::{run_all, selected};
use crate::world::{SYSTEMS, World};

/// A `ledgerbridge` command in `dir`, isolated from the caller's environment.
fn ledgerbridge(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ledgerbridge"));
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("LEDGERBRIDGE_") {
            cmd.env_remove(key);
        }
    }
    cmd.stdin(Stdio::null());
    cmd
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

/// `init --sandbox` against the world's emulators; returns the books directory.
async fn init(world: &World, root: &Path) -> PathBuf {
    let ports = [
        world.sandbox.servicetitan_handle.addr.port(),
        world.sandbox.quickbooks_handle.addr.port(),
        world.sandbox.xero_handle.addr.port(),
    ];
    let books = root.join("books");
    let root = root.to_path_buf();
    let out = blocking(move || {
        ledgerbridge(&root)
            .args(["init", "--sandbox", "--dir", "books"])
            .args(["--servicetitan-port", &ports[0].to_string()])
            .args(["--quickbooks-port", &ports[1].to_string()])
            .args(["--xero-port", &ports[2].to_string()])
            .output()
            .expect("init runs")
    })
    .await;
    assert!(
        out.status.success(),
        "init --sandbox: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    books
}

/// The ledger file `init --sandbox` made.
async fn open_ledger(books: &Path) -> Ledger {
    Ledger::open(
        LedgerLocation::File(books.join("ledgerbridge.db")),
        LedgerOptions::default(),
    )
    .await
    .expect("the ledger opens")
}

/// A finished `sync --format json`: exit code, report, stderr.
struct Finished {
    code: Option<i32>,
    report: Value,
    stderr: String,
}

async fn sync(books: &Path) -> Finished {
    let books = books.to_path_buf();
    let out = blocking(move || {
        ledgerbridge(&books)
            .args(["sync", "--format", "json"])
            .output()
            .expect("sync runs")
    })
    .await;
    Finished {
        code: out.status.code(),
        report: serde_json::from_slice(&out.stdout).unwrap_or(Value::Null),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `sync` set to abort the `hit`-th time it reaches crash point `point`: `Ok(())` if it
/// aborted there, else how it ended (it finished before reaching the point that often).
async fn sync_crashing_at(books: &Path, point: &'static str, hit: u64) -> Result<(), String> {
    let books = books.to_path_buf();
    let out = blocking(move || {
        ledgerbridge(&books)
            .args(["sync", "--format", "json"])
            .env("LEDGERBRIDGE_CRASH_AT", format!("{point}:{hit}"))
            .output()
            .expect("sync runs")
    })
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let crashed = stderr.contains(&format!("crash point {point} reached"));
    assert_ne!(out.status.code(), Some(101), "sync panicked:\n{stderr}");
    assert!(
        crashed || out.status.code().is_some(),
        "sync died of something other than its crash point: {:?}\n{stderr}",
        out.status
    );
    if crashed {
        return Ok(());
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    Err(format!("exit {:?} {last}", out.status.code()))
}

/// The id of the ledger's newest run (`None` before any).
async fn latest_run(books: &Path) -> Option<i64> {
    let ledger = open_ledger(books).await;
    let run = ledger.runs().latest().await.expect("runs").map(|r| r.id.0);
    ledger.close().await;
    run
}

fn explained_of(report: &Value, system: System) -> Explained {
    report["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["target"] == system.as_str())
        .flat_map(|t| t["blocked_records"].as_array().cloned().unwrap_or_default())
        .filter_map(|b| {
            let entity = b["entity"].as_str()?.parse::<EntityKind>().ok()?;
            let reason = b["reason"].as_str().unwrap_or_default().to_owned();
            Some(((entity, b["servicetitan_id"].as_str()?.to_owned()), reason))
        })
        .collect()
}

/// The invariants after a quiet `sync --format json` report, on the ledger file.
async fn check_quiet(
    world: &World,
    books: &Path,
    initial: &Initial,
    log: &EditLog,
    report: &Value,
) -> Vec<String> {
    let ledger = open_ledger(books).await;
    let quiet: Vec<(System, Explained)> = SYSTEMS
        .into_iter()
        .map(|s| (s, explained_of(report, s)))
        .collect();
    let violations = invariants::check(world, &ledger, initial, log, &quiet).await;
    ledger.close().await;
    violations
}

fn writes(report: &Value) -> u64 {
    let t = &report["totals"];
    t["created"].as_u64().unwrap_or(u64::MAX) + t["updated"].as_u64().unwrap_or(u64::MAX)
}

/// Faults off, then `sync` until a run writes nothing; the quiet report, or a violation.
async fn sync_until_quiet(
    world: &World,
    books: &Path,
    stats: &mut Stats,
    trace: &mut Vec<String>,
) -> Result<Value, String> {
    for base in &world.bases() {
        stats.count_injected(&world.injected(base).await);
        world.clear_faults(base).await;
    }
    for _ in 0..6 {
        let done = sync(books).await;
        stats.syncs += 1;
        trace.push(format!(
            "sync exit {:?}, writes {}",
            done.code,
            writes(&done.report)
        ));
        if !matches!(done.code, Some(0 | 3)) {
            let last = done.stderr.lines().rev().find(|l| !l.trim().is_empty());
            trace.push(format!("  {}", last.unwrap_or_default()));
        }
        match done.code {
            Some(4) => return Err(format!("a sync after kill -9 exited 4: {}", done.stderr)),
            Some(0 | 3) if writes(&done.report) == 0 => return Ok(done.report),
            _ => {}
        }
    }
    Err("no quiet sync after 6 fault-free runs".to_owned())
}

/// Moves the sandbox clock forward.
async fn advance_clock(world: &World, seconds: u64, what: &str, trace: &mut Vec<String>) {
    // The sandbox's emulators share one clock: moving it through one moves all three.
    let st = world.sandbox.servicetitan_handle.base_url.clone();
    world
        .control(&st, "clock", json!({ "advance_seconds": seconds }))
        .await;
    trace.push(what.to_owned());
}

async fn kill_seed(seed: u64) -> SeedOutcome {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9e37_79b9);
    let mut stats = Stats {
        seeds: 1,
        ..Stats::default()
    };
    let mut trace = Vec::new();
    let world = World::start(seed).await;
    populate(&world, seed, &mut rng).await;
    let initial = Initial::take(&world);
    let dir = tempfile::tempdir().expect("temp dir");
    let books = init(&world, dir.path()).await;
    let mut log = EditLog::default();

    for attempt in 0..4 {
        for base in &world.bases() {
            stats.count_injected(&world.injected(base).await);
            world.clear_faults(base).await;
        }
        if attempt == 2 {
            let mut made = edits::servicetitan_edits(&world, &mut rng, &mut log).await;
            // Books-side edits need the links: read them from the ledger file (no sync runs
            // now; the killed one is reaped).
            let ledger = open_ledger(&books).await;
            made.extend(books_payments(&world, &ledger, &mut rng, &mut log).await);
            made.extend(books_due_dates(&world, &ledger, &mut rng, &mut log).await);
            ledger.close().await;
            stats.edits += made.len() as u64;
            trace.extend(made);
        }
        for (n, base) in world.bases().iter().enumerate() {
            world
                .control(base, "faults", fault_plan(&mut rng, n != 1))
                .await;
        }
        match rng.random_range(0..4) {
            // Past every access token's expiry: the next calls refresh, and the crash may
            // land between a refresh and its persistence.
            0 => advance_clock(&world, 3_700, "clock +1 h (tokens expire)", &mut trace).await,
            // Past every idempotency key's life: a lost answer must be found by look-up.
            1 => advance_clock(&world, 90_000, "clock +25 h (keys expire)", &mut trace).await,
            _ => {}
        }
        // The seed's own point dies the first time it is reached, so the default seeds reach
        // every window: in the first sync, except a books payment's way into ServiceTitan,
        // which needs the books payments a person records before the last sync.
        let own = POINTS[(seed as usize) % POINTS.len()];
        let own_attempt = if own == "inbound.created" { 3 } else { 0 };
        let random = POINTS[rng.random_range(0..POINTS.len())];
        let (point, hit) = if attempt == own_attempt {
            (own, 1)
        } else {
            (random, rng.random_range(1..=4))
        };
        let ended = sync_crashing_at(&books, point, hit).await;
        stats.syncs += 1;
        if ended.is_ok() {
            stats.crashes += 1;
            *CRASHED_AT
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(point)
                .or_default() += 1;
        }
        let how = ended.err().unwrap_or_else(|| "crashed there".to_owned());
        trace.push(format!("sync, crash at {point}:{hit}: {how}"));
    }

    let mut violations = Vec::new();
    match sync_until_quiet(&world, &books, &mut stats, &mut trace).await {
        Err(v) => violations.push(v),
        Ok(report) => violations = check_quiet(&world, &books, &initial, &log, &report).await,
    }
    stats.violations = violations.len() as u64;
    world.shutdown().await;
    SeedOutcome {
        stats,
        violations,
        trace,
    }
}

/// How many syncs died at each crash point (across the seeds of one test run).
static CRASHED_AT: std::sync::Mutex<std::collections::BTreeMap<&'static str, u64>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_crash_points_then_restart_converges() {
    let seeds = selected("FAULT_KILL_SEEDS", POINTS.len() as u64);
    let every_window = seeds.len() >= POINTS.len() && std::env::var_os("FAULT_SEED").is_none();
    run_all(
        "kill_9_at_crash_points_then_restart_converges",
        seeds,
        2,
        kill_seed,
    )
    .await;
    let crashed = CRASHED_AT.lock().unwrap_or_else(|e| e.into_inner()).clone();
    eprintln!("crashes per point: {crashed:?}");
    if every_window {
        // Without this a seed whose crash point is never reached passes without testing it.
        // `inbound.created` is reached only when the books payments a person records land on
        // synced invoices with a mapped method, which the seed's edits decide: it is counted
        // and printed, and proven by the reconcile crate's inbound recovery tests
        // (`an_unfinished_create_is_settled_by_look_up_at_the_next_run`).
        let missed: Vec<_> = POINTS
            .iter()
            .filter(|p| **p != "inbound.created" && !crashed.contains_key(*p))
            .collect();
        assert!(missed.is_empty(), "no sync died at {missed:?}");
    }
}

/// The QuickBooks tenant's second customer match is its inactive twin (the demo's Harbor View
/// Apartments): a crash right after that match must not strand the customer inactive and its
/// invoices refused. The next run matches it again, reactivates it, then links it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_matching_an_inactive_customer_still_reactivates_it() {
    let seed = 11;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let world = World::start(seed).await;
    populate(&world, seed, &mut rng).await;
    let initial = Initial::take(&world);
    let dir = tempfile::tempdir().expect("temp dir");
    let books = init(&world, dir.path()).await;
    let crashed = sync_crashing_at(&books, "customer.matched", 2).await;
    assert_eq!(
        crashed,
        Ok(()),
        "the sync reaches the second customer match"
    );
    let mut stats = Stats::default();
    let mut trace = vec!["sync, crash at customer.matched:2".to_owned()];
    let report = sync_until_quiet(&world, &books, &mut stats, &mut trace)
        .await
        .unwrap_or_else(|v| panic!("{v}\n{}", trace.join("\n")));
    let violations = check_quiet(&world, &books, &initial, &EditLog::default(), &report).await;
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_syncs_one_ledger_and_edits_during_a_sync() {
    let seed = 7;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let world = World::start(seed).await;
    populate(&world, seed, &mut rng).await;
    let initial = Initial::take(&world);
    let dir = tempfile::tempdir().expect("temp dir");
    let books = init(&world, dir.path()).await;
    // Another live process holds the QuickBooks tenant's lease (the test itself, alive by
    // definition): the sync of both tenants must refuse with exit 4 naming that tenant and
    // write nothing for either (all leases or none), whatever the machine's speed.
    let ledger = open_ledger(&books).await;
    let alive = |_: u32| true;
    let claim = LeaseClaim {
        pid: std::process::id(),
        host: "another-host",
        run: None,
        stale_after: std::time::Duration::from_secs(3_600),
        is_alive: &alive,
    };
    let held = world.tenant(System::QuickBooks).tenant;
    let guard = ledger
        .leases()
        .acquire(&[&held], &claim)
        .await
        .expect("the lease is free");
    let busy = sync(&books).await;
    assert_eq!(busy.code, Some(4), "{}", busy.stderr);
    assert!(
        busy.stderr
            .contains(&format!("tenant {held} is being synced")),
        "{}",
        busy.stderr
    );
    for system in SYSTEMS {
        assert!(
            ledger
                .links()
                .list(&world.tenant(system).tenant, None)
                .await
                .expect("links")
                .is_empty(),
            "a refused sync wrote nothing for {system}"
        );
    }
    guard.release().await.expect("released");
    ledger.close().await;
    let first = sync(&books).await;
    assert!(matches!(first.code, Some(0 | 3)), "{}", first.stderr);

    // A person edits ServiceTitan while a sync runs: the edits start once the run row is in
    // the ledger (an event, not a sleep); latency keeps the run going meanwhile. Wherever the
    // edits land, one more sync settles everything.
    for base in &world.bases() {
        world
            .control(base, "faults", json!({ "seed": 1, "latency_ms": [15, 25] }))
            .await;
    }
    let mut log = EditLog::default();
    let before = latest_run(&books).await;
    let (during, made) = tokio::join!(sync(&books), async {
        while latest_run(&books).await == before {
            tokio::task::yield_now().await;
        }
        edits::servicetitan_edits(&world, &mut rng, &mut log).await
    });
    assert!(matches!(during.code, Some(0 | 3)), "{}", during.stderr);
    assert!(!made.is_empty(), "edits were made during the sync");
    let mut stats = Stats::default();
    let mut trace = made;
    let report = sync_until_quiet(&world, &books, &mut stats, &mut trace)
        .await
        .unwrap_or_else(|v| panic!("{v}\n{}", trace.join("\n")));
    let violations = check_quiet(&world, &books, &initial, &log, &report).await;
    assert!(
        violations.is_empty(),
        "{}\n{}",
        violations.join("\n"),
        trace.join("\n")
    );
}
