//! SIGTERM during `sync` through the real binary: the run stops after the request in flight,
//! is recorded `interrupted`, the leases are released, the exit code is 143, and the next sync
//! settles what was in flight and converges.

use std::process::Stdio;
use std::time::{Duration, Instant};

use ledgerbridge_ledger::{Ledger, LedgerLocation, LedgerOptions, OperationState, RunStatus};
use serde_json::Value;

use crate::helpers::{ledgerbridge, stdout_json};
use crate::sandboxed::{Books, blocking, books};

/// Sets (or, with `None`, clears) the fault plan of every emulator.
async fn faults(books: &Books, plan: Option<Value>) {
    let client = reqwest::Client::new();
    for handle in [
        &books.sandbox.servicetitan_handle,
        &books.sandbox.quickbooks_handle,
        &books.sandbox.xero_handle,
    ] {
        let url = format!("http://{}/_sandbox/faults", handle.addr);
        let answer = match &plan {
            Some(plan) => client.post(&url).json(plan).send().await,
            None => client.delete(&url).send().await,
        };
        assert!(answer.unwrap().status().is_success());
    }
}

/// Polls the ledger until the sync's run row is `running` and it has confirmed at least one
/// write, so the signal lands in the middle of the writes.
async fn wait_for_writes(books: &std::path::Path) {
    let location = LedgerLocation::File(books.join("ledgerbridge.db"));
    let ledger = Ledger::open(location, LedgerOptions::default())
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let running = ledger
            .runs()
            .latest()
            .await
            .unwrap()
            .is_some_and(|r| r.status == RunStatus::Running);
        let confirmed = ledger
            .outbox()
            .count_by_state(None)
            .await
            .unwrap()
            .into_iter()
            .any(|(state, n)| state == OperationState::Confirmed && n > 0);
        if running && confirmed {
            ledger.close().await;
            return;
        }
        assert!(Instant::now() < deadline, "the sync never started writing");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_sync_records_it_interrupted_and_the_next_sync_converges() {
    let books = books().await;
    faults(&books, Some(serde_json::json!({ "latency_ms": [40, 80] }))).await;

    let dir = books.books.clone();
    let sync = ledgerbridge(&dir)
        .args(["sync", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = sync.id().to_string();
    wait_for_writes(&dir).await;
    let out = blocking(move || {
        let kill = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(kill.success());
        sync.wait_with_output().unwrap()
    })
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("interrupted by SIGTERM"), "{stderr}");

    let run = books.latest_run().await;
    assert_eq!(run["status"], "interrupted", "{run}");
    assert_eq!(run["counts"]["interrupted"], "SIGTERM", "{run}");
    let interrupted = run["id"].clone();
    let location = LedgerLocation::File(books.books.join("ledgerbridge.db"));
    let ledger = Ledger::open(location, LedgerOptions::default())
        .await
        .unwrap();
    let leases = ledger.leases().list().await.unwrap();
    assert!(
        leases.is_empty(),
        "the leases were not released: {leases:?}"
    );
    ledger.close().await;

    // The leases were released: the next sync starts without taking a stale one over, settles
    // what the interrupted run left in flight, and finishes the work.
    faults(&books, None).await;
    let next = books.run(&["sync", "--format", "json"], 0).await;
    let stderr = String::from_utf8_lossy(&next.stderr);
    assert!(!stderr.contains("took over"), "{stderr}");
    let run = books.latest_run().await;
    assert_ne!(run["id"], interrupted);
    assert_eq!(run["status"], "ok", "{run}");

    // Converged: nothing left to write.
    let again = stdout_json(&books.run(&["sync", "--format", "json"], 0).await);
    assert_eq!(again["totals"]["created"], 0, "{again}");
    assert_eq!(again["totals"]["updated"], 0, "{again}");
}
