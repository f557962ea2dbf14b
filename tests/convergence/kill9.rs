//! The real binary under SIGKILL and concurrency.
//!
//! * `kill_9_at_seeded_times_then_restart_converges`: `ledgerbridge sync` is killed with
//!   SIGKILL at seeded times (while requests are in flight, and around token refreshes: the
//!   sandbox clock jumps past the access tokens' expiry before some attempts), restarted until
//!   a run writes nothing; the same invariants as in-process. A killed process's lease must
//!   not block the restart (exit 4 after a kill is a violation). `FAULT_KILL_SEEDS=N`
//!   (default 2) seeds.
//! * `two_syncs_one_ledger_and_edits_during_a_sync`: two syncs started together, one
//!   proceeds and the other exits 4; a sync while a person edits ServiceTitan converges after
//!   one more sync.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{Ledger, LedgerLocation, LedgerOptions};
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

/// Starts `sync` and SIGKILLs it after `after` unless it finished first; true if killed.
async fn sync_killed_after(books: &Path, after: Duration) -> bool {
    let mut child = ledgerbridge(books)
        .args(["sync", "--format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sync starts");
    tokio::time::sleep(after).await;
    let killed = matches!(child.try_wait(), Ok(None));
    if killed {
        // `Child::kill` is SIGKILL on Unix: no destructor, no lease release, no rollback
        // beyond what SQLite's journal does.
        child.kill().expect("kill -9");
    }
    blocking(move || child.wait().expect("reaped")).await;
    killed
}

fn explained_of(report: &Value, system: System) -> Explained {
    report["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["target"] == system.as_str())
        .flat_map(|t| t["blocked_records"].as_array().cloned().unwrap_or_default())
        .filter(|b| b["reason"].as_str().is_some_and(|r| !r.is_empty()))
        .filter_map(|b| {
            let entity = b["entity"].as_str()?.parse::<EntityKind>().ok()?;
            Some((entity, b["servicetitan_id"].as_str()?.to_owned()))
        })
        .collect()
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
        match done.code {
            Some(4) => return Err(format!("a sync after kill -9 exited 4: {}", done.stderr)),
            Some(0 | 3) if writes(&done.report) == 0 => return Ok(done.report),
            _ => {}
        }
    }
    Err("no quiet sync after 6 fault-free runs".to_owned())
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
        if rng.random_bool(0.5) {
            // Past every access token's expiry: the next calls refresh, and the kill may land
            // between a refresh and its persistence.
            let st = world.sandbox.servicetitan_handle.base_url.clone();
            world
                .control(&st, "clock", json!({ "advance_seconds": 3_700 }))
                .await;
            trace.push("clock +3700 s (tokens expire)".to_owned());
        }
        let after = Duration::from_millis(rng.random_range(50..2_500));
        let killed = sync_killed_after(&books, after).await;
        stats.syncs += 1;
        if killed {
            stats.crashes += 1;
        }
        trace.push(format!("sync, kill -9 after {after:?}: killed {killed}"));
    }

    let mut violations = Vec::new();
    match sync_until_quiet(&world, &books, &mut stats, &mut trace).await {
        Err(v) => violations.push(v),
        Ok(report) => {
            let ledger = open_ledger(&books).await;
            let quiet: Vec<(System, Explained)> = SYSTEMS
                .into_iter()
                .map(|s| (s, explained_of(&report, s)))
                .collect();
            violations = invariants::check(&world, &ledger, &initial, &log, &quiet).await;
            ledger.close().await;
        }
    }
    stats.violations = violations.len() as u64;
    world.sandbox.shutdown().await;
    SeedOutcome {
        stats,
        violations,
        trace,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_seeded_times_then_restart_converges() {
    let seeds = selected("FAULT_KILL_SEEDS", 2);
    run_all(
        "kill_9_at_seeded_times_then_restart_converges",
        seeds,
        2,
        kill_seed,
    )
    .await;
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
    // Latency makes each sync take seconds, so the two overlap whatever the machine.
    for base in &world.bases() {
        world
            .control(base, "faults", json!({ "seed": 1, "latency_ms": [15, 25] }))
            .await;
    }
    let (a, b) = tokio::join!(sync(&books), async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        sync(&books).await
    });
    let mut codes = [a.code, b.code];
    codes.sort_unstable();
    assert_eq!(
        codes,
        [Some(0), Some(4)],
        "one proceeds, the other exits 4:\n{}\n{}",
        a.stderr,
        b.stderr
    );
    let busy = if a.code == Some(4) { &a } else { &b };
    assert!(busy.stderr.contains("ledger busy"), "{}", busy.stderr);

    // A person edits ServiceTitan while a sync runs; one more sync settles everything.
    let mut log = EditLog::default();
    let (during, made) = tokio::join!(sync(&books), async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        edits::servicetitan_edits(&world, &mut rng, &mut log).await
    });
    assert!(matches!(during.code, Some(0 | 3)), "{}", during.stderr);
    assert!(!made.is_empty(), "edits were made during the sync");
    let mut stats = Stats::default();
    let mut trace = made;
    let report = sync_until_quiet(&world, &books, &mut stats, &mut trace)
        .await
        .unwrap_or_else(|v| panic!("{v}\n{}", trace.join("\n")));
    let ledger = open_ledger(&books).await;
    let quiet: Vec<(System, Explained)> = SYSTEMS
        .into_iter()
        .map(|s| (s, explained_of(&report, s)))
        .collect();
    let violations = invariants::check(&world, &ledger, &initial, &log, &quiet).await;
    assert!(
        violations.is_empty(),
        "{}\n{}",
        violations.join("\n"),
        trace.join("\n")
    );
}
