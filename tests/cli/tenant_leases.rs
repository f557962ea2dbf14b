//! Leases are per tenant, through the real binary: while another live process holds tenant A's
//! lease, `sync --tenant B` runs to the end and `sync --tenant A` exits 4 naming A, leaving
//! no run row and nothing written for A.

use std::time::Duration;

use ledgerbridge_ledger::{LeaseClaim, Ledger, LedgerLocation, LedgerOptions};

use crate::helpers::stdout_json;
use crate::sandboxed::books;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenant_syncs_while_one_is_held_and_the_held_one_exits_4() {
    let books = books().await;
    let held = books.tenant_of("quickbooks").await;
    let free = books.tenant_of("xero").await;
    assert_ne!(held, free);

    // The test process is the other live holder (alive by definition, on another host so
    // only its heartbeat could free the lease, and it is fresh for an hour).
    let location = LedgerLocation::File(books.books.join("ledgerbridge.db"));
    let ledger = Ledger::open(location, LedgerOptions::default())
        .await
        .unwrap();
    let alive = |_: u32| true;
    let claim = LeaseClaim {
        pid: std::process::id(),
        host: "another-host",
        run: None,
        stale_after: Duration::from_secs(3_600),
        is_alive: &alive,
    };
    let guard = ledger.leases().acquire(&[&held], &claim).await.unwrap();

    let out = books
        .run(&["sync", "--tenant", &free, "--format", "json"], 0)
        .await;
    let report = stdout_json(&out);
    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1, "{report}");
    assert_eq!(targets[0]["tenant"], free.as_str());
    assert!(targets[0]["created"].as_u64().unwrap() > 0, "{report}");
    let runs_before = stdout_json(&books.run(&["runs", "list", "--format", "json"], 0).await);

    let busy = books.run(&["sync", "--tenant", &held], 4).await;
    let stderr = String::from_utf8_lossy(&busy.stderr);
    assert!(
        stderr.contains(&format!("tenant {held} is being synced (no run yet, pid ")),
        "{stderr}"
    );
    assert!(stderr.contains("on another-host"), "{stderr}");
    // Every tenant of the config includes the held one: refused as a whole.
    let all = books.run(&["sync"], 4).await;
    assert!(
        String::from_utf8_lossy(&all.stderr).contains(&format!("tenant {held} is being synced")),
        "{}",
        String::from_utf8_lossy(&all.stderr)
    );
    let runs_after = stdout_json(&books.run(&["runs", "list", "--format", "json"], 0).await);
    assert_eq!(runs_after, runs_before, "a refused sync starts no run");
    assert!(
        ledger.links().list(&held, None).await.unwrap().is_empty(),
        "nothing was written for the held tenant"
    );
    // The free tenant's lease was released by its sync; the held one is still the test's.
    let leases = ledger.leases().list().await.unwrap();
    assert_eq!(
        leases.iter().map(|l| l.tenant.as_str()).collect::<Vec<_>>(),
        [held.as_str()]
    );

    guard.release().await.unwrap();
    let out = books
        .run(&["sync", "--tenant", &held, "--format", "json"], 0)
        .await;
    assert_eq!(stdout_json(&out)["targets"][0]["tenant"], held.as_str());
    ledger.close().await;
}
