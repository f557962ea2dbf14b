//! Which seeds run (`FAULT_SEED=S` replays one, `FAULT_SEEDS=N` runs 0..N, default 100), how
//! many at once, and how a failing seed is reported (with the command that replays it).

use std::future::Future;
use std::time::Instant;

use futures::StreamExt;

use crate::scenario::{SeedOutcome, Stats};

/// Seeds in flight at once: most of a seed's time is spent waiting (loopback HTTP, injected
/// latency, Retry-After), so a few share two cores well.
pub(crate) const CONCURRENT: usize = 6;

/// The seeds this run covers: `FAULT_SEED` (replayed `FAULT_REPEAT` times), else
/// `0..$count_var`, else `0..default`.
pub(crate) fn selected(count_var: &str, default: u64) -> Vec<u64> {
    let var = |name: &str| {
        std::env::var(name).ok().map(|v| {
            v.trim()
                .parse::<u64>()
                .unwrap_or_else(|_| panic!("{name} must be a whole number, not {v:?}"))
        })
    };
    if let Some(seed) = var("FAULT_SEED") {
        // The schedule replays exactly; the await point a crash lands on can shift with I/O
        // timing, so a replay runs the seed several times.
        return vec![seed; var("FAULT_REPEAT").unwrap_or(10) as usize];
    }
    (0..var(count_var).unwrap_or(default)).collect()
}

/// Runs `run` for every selected seed; panics naming each failing seed, its violations, what
/// happened, and the replay command. Prints the summed figures either way.
pub(crate) async fn run_all<F, Fut>(test: &str, seeds: Vec<u64>, concurrent: usize, run: F) -> Stats
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = SeedOutcome>,
{
    let started = Instant::now();
    let mut total = Stats::default();
    let mut failed = Vec::new();
    let mut outcomes = futures::stream::iter(seeds.iter().map(|&s| {
        let fut = run(s);
        async move { (s, fut.await) }
    }))
    .buffer_unordered(concurrent);
    while let Some((seed, outcome)) = outcomes.next().await {
        total.add(&outcome.stats);
        if std::env::var_os("FAULT_TRACE").is_some() {
            eprintln!("seed {seed}:\n  {}", outcome.trace.join("\n  "));
        }
        if !outcome.violations.is_empty() {
            eprintln!(
                "seed {seed} FAILED ({} violations):\n  {}\nwhat happened:\n  {}\nreplay: \
                 FAULT_SEED={seed} cargo test --test convergence {test} -- --nocapture\n",
                outcome.violations.len(),
                outcome.violations.join("\n  "),
                outcome.trace.join("\n  "),
            );
            failed.push(seed);
        }
    }
    eprintln!(
        "{test}: {} seeds in {:.1?}: {} server errors, {} timeouts, {} lost after commit, \
         {} throttled, {} crashes, {} syncs, {} edits, {} invariant violations",
        total.seeds,
        started.elapsed(),
        total.server_errors,
        total.timeouts,
        total.lost_after_commit,
        total.throttled,
        total.crashes,
        total.syncs,
        total.edits,
        total.violations,
    );
    failed.sort_unstable();
    assert!(
        failed.is_empty(),
        "{} of {} seeds failed: {failed:?} (replay one with FAULT_SEED=<seed> cargo test --test \
         convergence {test} -- --nocapture)",
        failed.len(),
        seeds.len()
    );
    total
}
