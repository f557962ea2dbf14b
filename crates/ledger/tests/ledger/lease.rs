//! Tenant leases within one process: busy, stale takeover, dead-pid takeover, loss (the
//! per-tenant cases, side by side and all-or-none, are in `lease_tenants`).

use std::time::Duration;

use ledgerbridge_ledger::{
    EventFilter, LeaseClaim, LeaseError, Ledger, LedgerLocation, LedgerOptions, RunStatus,
    TakeoverReason,
};

use crate::helpers::ManualClock;

pub(crate) const ALIVE: &(dyn Fn(u32) -> bool + Sync) = &|_| true;
pub(crate) const DEAD: &(dyn Fn(u32) -> bool + Sync) = &|_| false;
/// The tenant whose lease these tests take.
const T: &str = "1001";

pub(crate) fn claim<'a>(
    pid: u32,
    host: &'a str,
    is_alive: &'a (dyn Fn(u32) -> bool + Sync),
) -> LeaseClaim<'a> {
    LeaseClaim {
        pid,
        host,
        run: None,
        stale_after: Duration::from_secs(60),
        is_alive,
    }
}

pub(crate) async fn ledger_at(clock: &ManualClock) -> Ledger {
    Ledger::open(
        LedgerLocation::InMemory,
        LedgerOptions::default().clock(clock.clock()),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_second_holder_is_told_who_is_busy() {
    let clock = ManualClock::at("2026-11-29T08:41:03.5Z");
    let ledger = ledger_at(&clock).await;
    let run = ledger.runs().start(false).await.unwrap();
    let mut guard = ledger
        .leases()
        .acquire(&[T], &claim(4242, "host-a", ALIVE))
        .await
        .unwrap();
    assert!(guard.takeovers().is_empty());
    guard.set_run(run.id).await.unwrap();

    clock.advance(Duration::from_secs(30));
    let busy = ledger
        .leases()
        .acquire(&[T], &claim(5151, "host-a", ALIVE))
        .await
        .unwrap_err();
    assert_eq!(
        busy.to_string(),
        format!(
            "tenant {T} is being synced (run {}, pid 4242 on host-a, since 2026-11-29T08:41:03Z)",
            run.id
        )
    );
    assert!(matches!(busy, LeaseError::Busy { pid: 4242, ref tenant, .. } if tenant == T));

    guard.release().await.unwrap();
    assert!(ledger.leases().current(T).await.unwrap().is_none());
    ledger
        .leases()
        .acquire(&[T], &claim(5151, "host-a", ALIVE))
        .await
        .unwrap()
        .release()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_stale_heartbeat_is_taken_over_and_the_loser_learns_it() {
    let clock = ManualClock::at("2026-11-29T08:00:00Z");
    let ledger = ledger_at(&clock).await;
    let run = ledger.runs().start(false).await.unwrap();
    let mut old = ledger
        .leases()
        .acquire(
            &[T],
            &LeaseClaim {
                run: Some(run.id),
                ..claim(1, "host-a", ALIVE)
            },
        )
        .await
        .unwrap();

    clock.advance(Duration::from_secs(50));
    old.heartbeat().await.unwrap();
    clock.advance(Duration::from_secs(50));
    // 50 s since the heartbeat: still fresh.
    assert!(matches!(
        ledger
            .leases()
            .acquire(&[T], &claim(2, "host-b", ALIVE))
            .await,
        Err(LeaseError::Busy { .. })
    ));
    clock.advance(Duration::from_secs(11));
    let new = ledger
        .leases()
        .acquire(&[T], &claim(2, "host-b", ALIVE))
        .await
        .unwrap();
    let takeover = &new.takeovers()[0];
    assert_eq!(takeover.previous.tenant, T);
    assert_eq!(takeover.reason, TakeoverReason::HeartbeatStale);
    assert_eq!(
        (takeover.previous.pid, takeover.previous.run),
        (1, Some(run.id))
    );

    let lost = old.heartbeat().await.unwrap_err();
    assert!(
        matches!(lost, LeaseError::Lost { ref tenant, by: Some(ref by) } if by == "pid 2 on host-b" && tenant == T),
        "{lost:?}"
    );
    assert!(
        matches!(old.release().await, Err(LeaseError::Lost { .. })),
        "a loser cannot free its successor's lease"
    );
    assert_eq!(ledger.leases().current(T).await.unwrap().unwrap().pid, 2);
    assert_eq!(
        ledger.runs().get(run.id).await.unwrap().unwrap().status,
        RunStatus::Interrupted
    );
    let events = ledger
        .events()
        .list(&EventFilter {
            kind: Some("lease.takeover".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail["reason"], "heartbeat_stale");
    assert_eq!(events[0].run, Some(run.id));
    assert_eq!(events[0].tenant.as_deref(), Some(T));
    new.release().await.unwrap();
}

#[tokio::test]
async fn a_dead_pid_is_taken_over_only_on_its_own_host() {
    let clock = ManualClock::at("2026-11-29T08:00:00Z");
    let ledger = ledger_at(&clock).await;
    let _held = ledger
        .leases()
        .acquire(&[T], &claim(7, "host-a", ALIVE))
        .await
        .unwrap();
    // On another host pid 7 means nothing: only the heartbeat can free the lease.
    assert!(matches!(
        ledger
            .leases()
            .acquire(&[T], &claim(8, "host-b", DEAD))
            .await,
        Err(LeaseError::Busy { .. })
    ));
    let asked = std::sync::Mutex::new(Vec::new());
    let probe = |pid: u32| {
        asked.lock().unwrap().push(pid);
        false
    };
    let guard = ledger
        .leases()
        .acquire(&[T], &claim(8, "host-a", &probe))
        .await
        .unwrap();
    assert_eq!(
        *asked.lock().unwrap(),
        [7],
        "the liveness capability is asked about the holder"
    );
    assert_eq!(guard.takeovers()[0].reason, TakeoverReason::PidDead);
    assert_eq!(guard.held()[0].pid, 8);
}
