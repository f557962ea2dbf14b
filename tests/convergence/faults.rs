//! The seeded in-process harness: faults, crashes and edits, then the invariants.
//! `FAULT_SEEDS=N` (default 100) seeds, or `FAULT_SEED=S` replayed.

use crate::scenario::run_seed;
use crate::seeds::{CONCURRENT, run_all, selected};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_converges_exactly_once_to_the_cent() {
    let seeds = selected("FAULT_SEEDS", 100);
    run_all(
        "every_seed_converges_exactly_once_to_the_cent",
        seeds,
        CONCURRENT,
        run_seed,
    )
    .await;
}
