//! Leases are per tenant: two holders sync different tenants side by side, the same tenant is
//! refused, a dead holder's lease is taken over tenant by tenant, and a claim of several
//! tenants is all or none.

use std::time::Duration;

use ledgerbridge_ledger::{EventFilter, LeaseClaim, LeaseError, RunStatus, TakeoverReason};

use crate::helpers::ManualClock;
use crate::lease::{ALIVE, claim, ledger_at};

fn tenants_of(guard: &ledgerbridge_ledger::LeaseGuard) -> Vec<&str> {
    guard.held().iter().map(|l| l.tenant.as_str()).collect()
}

#[tokio::test]
async fn two_holders_hold_two_tenants_side_by_side_and_the_same_tenant_is_refused() {
    let clock = ManualClock::at("2026-11-29T08:00:00Z");
    let ledger = ledger_at(&clock).await;
    let mut a = ledger
        .leases()
        .acquire(&["A"], &claim(1, "host-a", ALIVE))
        .await
        .unwrap();
    let mut b = ledger
        .leases()
        .acquire(&["B"], &claim(2, "host-a", ALIVE))
        .await
        .expect("tenant B is free while A is synced");
    assert_eq!((tenants_of(&a), tenants_of(&b)), (vec!["A"], vec!["B"]));
    let held: Vec<(String, u32)> = ledger
        .leases()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.tenant, l.pid))
        .collect();
    assert_eq!(held, [("A".to_owned(), 1), ("B".to_owned(), 2)]);

    let busy = ledger
        .leases()
        .acquire(&["A"], &claim(3, "host-a", ALIVE))
        .await
        .unwrap_err();
    assert!(
        matches!(busy, LeaseError::Busy { ref tenant, pid: 1, .. } if tenant == "A"),
        "{busy:?}"
    );
    assert!(
        busy.to_string().starts_with("tenant A is being synced"),
        "{busy}"
    );

    // Each holder's heartbeat and run touch only its own tenant.
    let run = ledger.runs().start(false).await.unwrap();
    clock.advance(Duration::from_secs(30));
    a.heartbeat().await.unwrap();
    b.set_run(run.id).await.unwrap();
    let a_now = ledger.leases().current("A").await.unwrap().unwrap();
    let b_now = ledger.leases().current("B").await.unwrap().unwrap();
    assert_eq!((a_now.run, b_now.run), (None, Some(run.id)));
    assert!(a_now.heartbeat_at > b_now.heartbeat_at);

    a.release().await.unwrap();
    assert!(ledger.leases().current("A").await.unwrap().is_none());
    assert_eq!(ledger.leases().current("B").await.unwrap().unwrap().pid, 2);
    b.release().await.unwrap();
    assert!(ledger.leases().list().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_claim_of_several_tenants_is_all_or_none() {
    let clock = ManualClock::at("2026-11-29T08:00:00Z");
    let ledger = ledger_at(&clock).await;
    let b = ledger
        .leases()
        .acquire(&["B"], &claim(1, "host-a", ALIVE))
        .await
        .unwrap();
    // A comes before B in order and was free, C after it: neither is held after the refusal.
    let busy = ledger
        .leases()
        .acquire(&["C", "A", "B"], &claim(2, "host-a", ALIVE))
        .await
        .unwrap_err();
    assert!(
        matches!(busy, LeaseError::Busy { ref tenant, .. } if tenant == "B"),
        "{busy:?}"
    );
    let held: Vec<String> = ledger
        .leases()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.tenant)
        .collect();
    assert_eq!(held, ["B"], "the refused claim released what it took");

    b.release().await.unwrap();
    let all = ledger
        .leases()
        .acquire(&["C", "A", "B", "A"], &claim(2, "host-a", ALIVE))
        .await
        .unwrap();
    assert_eq!(tenants_of(&all), ["A", "B", "C"], "in order, once each");
    assert_eq!(ledger.leases().list().await.unwrap().len(), 3);
    all.release().await.unwrap();
    assert!(ledger.leases().list().await.unwrap().is_empty());
    assert!(matches!(
        ledger
            .leases()
            .acquire::<&str>(&[], &claim(2, "host-a", ALIVE))
            .await,
        Err(LeaseError::Ledger(_))
    ));
}

#[tokio::test]
async fn a_dead_holders_leases_are_taken_over_tenant_by_tenant() {
    let clock = ManualClock::at("2026-11-29T08:00:00Z");
    let ledger = ledger_at(&clock).await;
    let run = ledger.runs().start(false).await.unwrap();
    let dead = ledger
        .leases()
        .acquire(
            &["A", "B"],
            &LeaseClaim {
                run: Some(run.id),
                ..claim(7, "host-a", ALIVE)
            },
        )
        .await
        .unwrap();
    // The process died without releasing (no Drop: a kill -9).
    std::mem::forget(dead);

    let pid_7_dead = |pid: u32| pid != 7;
    let a = ledger
        .leases()
        .acquire(&["A"], &claim(8, "host-a", &pid_7_dead))
        .await
        .unwrap();
    let takeovers = a.takeovers();
    assert_eq!(takeovers.len(), 1);
    assert_eq!(
        (
            takeovers[0].previous.tenant.as_str(),
            takeovers[0].previous.pid,
            takeovers[0].reason
        ),
        ("A", 7, TakeoverReason::PidDead)
    );
    assert_eq!(
        ledger.runs().get(run.id).await.unwrap().unwrap().status,
        RunStatus::Interrupted
    );
    // B's lease is still the dead holder's until a sync of B takes it over.
    assert_eq!(ledger.leases().current("B").await.unwrap().unwrap().pid, 7);
    let b = ledger
        .leases()
        .acquire(&["B"], &claim(9, "host-a", &pid_7_dead))
        .await
        .unwrap();
    assert_eq!(b.takeovers()[0].previous.tenant, "B");
    let events = ledger
        .events()
        .list(&EventFilter {
            kind: Some("lease.takeover".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let tenants: Vec<Option<&str>> = events.iter().map(|e| e.tenant.as_deref()).collect();
    assert_eq!(tenants, [Some("A"), Some("B")]);
    a.release().await.unwrap();
    b.release().await.unwrap();
}

#[tokio::test]
async fn a_holder_of_several_tenants_learns_which_one_it_lost() {
    let clock = ManualClock::at("2026-11-29T08:00:00Z");
    let ledger = ledger_at(&clock).await;
    let mut old = ledger
        .leases()
        .acquire(&["A", "B"], &claim(1, "host-a", ALIVE))
        .await
        .unwrap();
    clock.advance(Duration::from_secs(61));
    let new = ledger
        .leases()
        .acquire(&["B"], &claim(2, "host-b", ALIVE))
        .await
        .unwrap();
    assert_eq!(new.takeovers()[0].reason, TakeoverReason::HeartbeatStale);
    let lost = old.heartbeat().await.unwrap_err();
    assert!(
        matches!(lost, LeaseError::Lost { ref tenant, by: Some(ref by) } if tenant == "B" && by == "pid 2 on host-b"),
        "{lost:?}"
    );
    // A is still the old holder's and was heartbeaten; releasing frees A, never B.
    let a = ledger.leases().current("A").await.unwrap().unwrap();
    assert_eq!((a.pid, a.heartbeat_at), (1, clock.clock().now()));
    assert!(matches!(old.release().await, Err(LeaseError::Lost { .. })));
    assert!(ledger.leases().current("A").await.unwrap().is_none());
    assert_eq!(ledger.leases().current("B").await.unwrap().unwrap().pid, 2);
    new.release().await.unwrap();
}
