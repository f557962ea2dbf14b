//! `init --sandbox` against a running sandbox: one command configures both demo tenants and
//! connects all three systems; `doctor` shows them; `disconnect` revokes and forgets one.

use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

use crate::helpers::{ledgerbridge, run, stdout_json};

async fn run_async(
    args: Vec<String>,
    dir: std::path::PathBuf,
    expected: i32,
) -> std::process::Output {
    tokio::task::spawn_blocking(move || run(ledgerbridge(&dir).args(&args), expected))
        .await
        .unwrap()
}

fn port(handle: &ledgerbridge_emulator::EmulatorHandle) -> String {
    handle.addr.port().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_sandbox_connects_everything_and_disconnect_forgets_one() {
    let sandbox = Sandbox::start(SandboxOptions::for_tests(
        Scenario::Demo,
        LimitMode::Relaxed,
    ))
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let init: Vec<String> = [
        "init",
        "--sandbox",
        "--dir",
        "books",
        "--servicetitan-port",
        &port(&sandbox.servicetitan_handle),
        "--quickbooks-port",
        &port(&sandbox.quickbooks_handle),
        "--xero-port",
        &port(&sandbox.xero_handle),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    run_async(init, root.clone(), 0).await;
    let books = root.join("books");

    let out = run_async(
        vec!["doctor".into(), "--format".into(), "json".into()],
        books.clone(),
        0,
    )
    .await;
    let connections = stdout_json(&out);
    let mut seen: Vec<(String, String)> = connections
        .as_array()
        .unwrap()
        .iter()
        .map(|c: &Value| {
            assert_eq!(c["environment"], "sandbox", "{c}");
            assert_eq!(c["status"], "ok", "{c}");
            if c["system"] == "servicetitan" {
                assert!(c["tokens"].is_null(), "{c}");
            } else {
                // Token dates, never tokens: a fresh consent needs no reconnect.
                assert_eq!(c["tokens"]["reconnect_needed"], false, "{c}");
                assert_eq!(c["tokens"]["refresh_token_age_days"], 0, "{c}");
                assert!(c["tokens"]["refresh_token_expires_at"].is_string(), "{c}");
                assert!(!c.to_string().contains("access_token\":"), "{c}");
            }
            (
                c["system"].as_str().unwrap().to_owned(),
                c["company"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    seen.sort();
    let info = sandbox.info();
    let st = &info.servicetitan.tenants;
    let mut expected = vec![
        ("quickbooks".to_owned(), info.quickbooks.realm_id.clone()),
        ("servicetitan".to_owned(), st[0].tenant_id.to_string()),
        ("servicetitan".to_owned(), st[1].tenant_id.to_string()),
        ("xero".to_owned(), info.xero.tenant_id.clone()),
    ];
    expected.sort();
    assert_eq!(seen, expected);

    // The config holds no ledger key and no token; tokens live encrypted in the ledger.
    let config = std::fs::read_to_string(books.join("ledgerbridge.toml")).unwrap();
    assert!(!config.contains("access_token") && !config.contains("refresh_token"));

    let out = run_async(
        vec!["disconnect".into(), "quickbooks".into()],
        books.clone(),
        0,
    )
    .await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("removed"));
    let out = run_async(
        vec!["doctor".into(), "--format".into(), "json".into()],
        books.clone(),
        0,
    )
    .await;
    let systems: Vec<String> = stdout_json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["system"].as_str().unwrap().to_owned())
        .collect();
    assert!(!systems.contains(&"quickbooks".to_owned()), "{systems:?}");
    assert_eq!(systems.len(), 3);

    // Connecting QuickBooks again works with the same config.
    let args = ["connect", "quickbooks", "--approve-sandbox"]
        .map(String::from)
        .to_vec();
    run_async(args, books.clone(), 0).await;
}

#[test]
fn init_sandbox_without_a_sandbox_says_how_to_start_one_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let out = run(
        ledgerbridge(dir.path()).args(["init", "--sandbox", "--servicetitan-port", &closed]),
        1,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("ledgerbridge sandbox serve"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no files written"
    );
}
