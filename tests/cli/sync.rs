//! `sync` through the real binary against the sandbox: both demo tenants land once, a second
//! sync writes nothing, and a second sync started while one runs is refused with exit code 4
//! naming the first of its tenants the running sync holds.

use std::process::Stdio;
use std::time::Duration;

use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

use crate::gate::Gate;
use crate::helpers::{ledgerbridge, run, stdout_json};

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tenants_sync_once_then_nothing_and_a_concurrent_sync_gets_exit_4() {
    let sandbox = Sandbox::start(SandboxOptions::for_tests(
        Scenario::Demo,
        LimitMode::Relaxed,
    ))
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let st = sandbox.servicetitan_handle.addr;
    let ports = [
        st.port(),
        sandbox.quickbooks_handle.addr.port(),
        sandbox.xero_handle.addr.port(),
    ];
    let books = root.join("books");
    blocking(move || {
        run(
            ledgerbridge(&root)
                .args(["init", "--sandbox", "--dir", "books"])
                .args([
                    "--servicetitan-port",
                    &ports[0].to_string(),
                    "--quickbooks-port",
                    &ports[1].to_string(),
                    "--xero-port",
                    &ports[2].to_string(),
                ]),
            0,
        )
    })
    .await;

    // ServiceTitan behind a gate: the first sync is held at its first ServiceTitan request
    // (made after it took the lease and started its run) until the second one was refused.
    let gate = Gate::start(st).await;
    let config = books.join("ledgerbridge.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let gated = text.replace(
        &format!("127.0.0.1:{}\"", st.port()),
        &format!("127.0.0.1:{}\"", gate.port),
    );
    assert_ne!(gated, text, "the config names ServiceTitan's port");
    std::fs::write(&config, gated).unwrap();

    // The first sync, and a second one started while it holds the lease.
    gate.arm();
    let first = ledgerbridge(&books)
        .args(["sync", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The bound only guards against a hang; the signal is the held connection.
    tokio::time::timeout(Duration::from_secs(300), gate.held())
        .await
        .expect("the first sync reached ServiceTitan");
    let dir_b = books.clone();
    let busy = blocking(move || {
        let runs = run(
            ledgerbridge(&dir_b).args(["runs", "list", "--format", "json"]),
            0,
        );
        let runs = stdout_json(&runs);
        assert!(
            runs.as_array()
                .is_some_and(|r| r.iter().any(|r| r["status"] == "running")),
            "the held sync has a running run: {runs}"
        );
        ledgerbridge(&dir_b).args(["sync"]).output().unwrap()
    })
    .await;
    gate.release();
    let first = blocking(move || first.wait_with_output().unwrap()).await;
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        busy.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&busy.stderr)
    );
    // Both tenants are held by the first sync: the second is refused at the first in order.
    let info = sandbox.info();
    let first_tenant = [0, 1]
        .map(|i| info.servicetitan.tenants[i].tenant_id.to_string())
        .into_iter()
        .min()
        .unwrap();
    let busy_err = String::from_utf8_lossy(&busy.stderr);
    assert!(
        busy_err.contains(&format!("tenant {first_tenant} is being synced (run ")),
        "{busy_err}"
    );

    let report: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(report["dry_run"], false);
    let targets: Vec<&str> = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["quickbooks", "xero"]);
    for target in report["targets"].as_array().unwrap() {
        assert!(target["created"].as_u64().unwrap() > 400, "{target}");
    }

    // Nothing changed since: the second sync writes nothing.
    let again = blocking({
        let books = books.clone();
        move || run(ledgerbridge(&books).args(["sync", "--format", "json"]), 0)
    })
    .await;
    let again = stdout_json(&again);
    assert_eq!(again["totals"]["created"], 0, "{again}");
    assert_eq!(again["totals"]["updated"], 0, "{again}");
    let runs = blocking({
        let books = books.clone();
        move || {
            run(
                ledgerbridge(&books).args(["runs", "list", "--format", "json"]),
                0,
            )
        }
    })
    .await;
    let statuses: Vec<Value> = stdout_json(&runs)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].clone())
        .collect();
    assert_eq!(statuses, [Value::from("ok"), Value::from("ok")]);

    let info = sandbox.info();
    let qbo_tenant = info.servicetitan.tenants[0].tenant_id.to_string();
    let xero_tenant = info.servicetitan.tenants[1].tenant_id.to_string();
    blocking(move || {
        let cli = |args: &[&str]| run(ledgerbridge(&books).args(args), 0);
        // Every invoice is linked; the demo's mappings leave nothing unmapped.
        let links = stdout_json(&cli(&[
            "links",
            "list",
            "--tenant",
            &qbo_tenant,
            "--entity",
            "invoice",
            "--format",
            "json",
        ]));
        let links = links.as_array().unwrap();
        assert!(links.len() > 400);
        assert_eq!(
            stdout_json(&cli(&["mappings", "unmapped", "--format", "json"])),
            serde_json::json!([])
        );
        // A weak customer match waits for a person (the demo's Maria Garcia: name and phone only).
        let suggested = stdout_json(&cli(&[
            "links",
            "suggested",
            "--tenant",
            &xero_tenant,
            "--format",
            "json",
        ]));
        assert!(!suggested.as_array().unwrap().is_empty(), "{suggested}");
        // Rejecting a suggestion removes it from the list; a second rejection is refused.
        let first = &suggested[0];
        let reject = [
            "links",
            "reject",
            "--tenant",
            xero_tenant.as_str(),
            "--entity",
            "customer",
            "--servicetitan-id",
            first["servicetitan_id"].as_str().unwrap(),
            "--to",
            first["target_id"].as_str().unwrap(),
            "--by",
            "test",
        ];
        cli(&reject);
        let after = stdout_json(&cli(&[
            "links",
            "suggested",
            "--tenant",
            &xero_tenant,
            "--format",
            "json",
        ]));
        assert_eq!(
            after.as_array().unwrap().len(),
            suggested.as_array().unwrap().len() - 1,
            "{after}"
        );
        run(ledgerbridge(&books).args(reject), 2);
        // A link can be removed and set again by hand; both are audited.
        let link = &links[0];
        let id = link["key"]["servicetitan_id"].as_str().unwrap();
        let target_id = link["target_id"].as_str().unwrap();
        let base = [
            "--tenant",
            qbo_tenant.as_str(),
            "--entity",
            "invoice",
            "--servicetitan-id",
            id,
            "--by",
            "test",
        ];
        cli(&[&["links", "unset"][..], &base[..]].concat());
        run(
            ledgerbridge(&books).args([&["links", "unset"][..], &base[..]].concat()),
            1,
        );
        cli(&[&["links", "set"][..], &base[..], &["--to", target_id][..]].concat());
        let again = stdout_json(&cli(&[
            "links",
            "list",
            "--tenant",
            &qbo_tenant,
            "--entity",
            "invoice",
            "--format",
            "json",
        ]));
        assert_eq!(again.as_array().unwrap().len(), links.len());
    })
    .await;
}
