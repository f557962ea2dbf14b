//! A tenant's lease across two real processes: the test binary re-executes itself, a dedicated
//! child test holds tenant A's lease on a file ledger, the parent takes tenant B's at once,
//! sees "busy" for A, kills the child with SIGKILL and takes A's lease over.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use ledgerbridge_ledger::{
    EventFilter, LeaseClaim, LeaseError, Ledger, LedgerLocation, LedgerOptions, RunId, RunStatus,
    TakeoverReason,
};

/// Set only in the child: the ledger file it must lock.
const CHILD_LEDGER: &str = "LEDGERBRIDGE_TEST_LEASE_CHILD_LEDGER";
const HOST: &str = "lease-test-host";
const READY: &str = "LEASE-HELD run=";
/// The tenant the child holds.
const A: &str = "tenant-a";

/// The pid is alive when the kernel still lists it (the parent reaps the child before asking).
fn pid_alive(pid: u32) -> bool {
    PathBuf::from(format!("/proc/{pid}")).exists()
}

/// Not a test of its own: the entry point of the child process. Run normally (without
/// `CHILD_LEDGER`) it returns at once.
#[tokio::test]
async fn child_holds_the_lease() {
    let Some(path) = std::env::var_os(CHILD_LEDGER) else {
        return;
    };
    let ledger = Ledger::open(LedgerLocation::File(path.into()), LedgerOptions::default())
        .await
        .unwrap();
    let run = ledger.runs().start(false).await.unwrap();
    let claim = LeaseClaim {
        pid: std::process::id(),
        host: HOST,
        run: Some(run.id),
        stale_after: Duration::from_secs(600),
        is_alive: &pid_alive,
    };
    let guard = ledger.leases().acquire(&[A], &claim).await.unwrap();
    println!("{READY}{}", run.id);
    // Held until the test kills this process. No heartbeat is needed: the lease goes stale
    // only after `stale_after` (ten minutes), and the tests judge the holder by its pid.
    let _held = guard;
    std::future::pending::<()>().await;
}

/// Kills the child if the test fails before it does.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_holder(path: &std::path::Path) -> (KillOnDrop, RunId) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "lease_process::child_holds_the_lease",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_LEDGER, path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest prints "test <name> ... " on the same line first.
            if let Some(at) = line.find(READY) {
                let _ = tx.send(line[at + READY.len()..].trim().parse::<RunId>().unwrap());
            }
        }
    });
    let child = KillOnDrop(child);
    let run = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the child never took the lease");
    (child, run)
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_second_process_is_refused_then_takes_over_after_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    // Migrate first, so the child and the parent do not race to create the schema.
    let ledger = Ledger::open(LedgerLocation::File(path.clone()), LedgerOptions::default())
        .await
        .unwrap();

    let (mut child, child_run) = spawn_holder(&path);
    let child_pid = child.0.id();
    let claim = LeaseClaim {
        pid: std::process::id(),
        host: HOST,
        run: None,
        stale_after: Duration::from_secs(600),
        is_alive: &pid_alive,
    };
    // Another tenant is free while the child syncs A.
    ledger
        .leases()
        .acquire(&["tenant-b"], &claim)
        .await
        .expect("tenant B is free")
        .release()
        .await
        .unwrap();
    match ledger.leases().acquire(&[A], &claim).await {
        Err(busy @ LeaseError::Busy { .. }) => {
            let LeaseError::Busy {
                ref tenant,
                run,
                pid,
                ref host,
                ..
            } = busy
            else {
                unreachable!()
            };
            assert_eq!(
                (tenant.as_str(), run, pid, host.as_str()),
                (A, Some(child_run), child_pid, HOST)
            );
            let message = busy.to_string();
            let expected = format!(
                "tenant {A} is being synced (run {child_run}, pid {child_pid} on {HOST}, since "
            );
            assert!(message.starts_with(&expected), "{message}");
        }
        other => panic!("expected busy while the child lives, got {other:?}"),
    }

    // SIGKILL: the child gets no chance to release anything.
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    assert!(!pid_alive(child_pid));

    let guard = ledger.leases().acquire(&[A], &claim).await.unwrap();
    let takeover = guard
        .takeovers()
        .first()
        .expect("a takeover, not a free lease");
    assert_eq!(takeover.previous.tenant, A);
    assert_eq!(takeover.reason, TakeoverReason::PidDead);
    assert_eq!(
        (takeover.previous.pid, takeover.previous.run),
        (child_pid, Some(child_run))
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
    assert_eq!(events[0].detail["previous"]["pid"], child_pid);
    assert_eq!(events[0].detail["reason"], "pid_dead");
    assert_eq!(
        ledger.runs().get(child_run).await.unwrap().unwrap().status,
        RunStatus::Interrupted
    );
    guard.release().await.unwrap();
}
