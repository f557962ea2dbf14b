//! `sync` exits 3 while any conflict of the synced tenants is open, including one raised by an
//! earlier run, and says what to run on stderr (stdout stays JSON); other tenants' syncs and a
//! sync after the conflict is settled exit 0.

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{NewConflict, RecordKey};
use serde_json::json;

use crate::conflicts::{cli, field, open, stderr};
use crate::helpers::{ledgerbridge, run, stdout_json};

/// The first `[[tenants]]` block of a config `init --sandbox` wrote: tenant, target, company.
fn first_tenant(config: &str) -> (String, System, String) {
    let value = |key: &str| {
        config
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = ")))
            .map(|v| v.trim_matches('"').to_owned())
            .unwrap_or_else(|| panic!("no {key} in\n{config}"))
    };
    let target = value("target").parse().unwrap();
    (value("servicetitan_tenant"), target, value("company"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_exits_3_while_a_conflict_of_a_synced_tenant_is_open() {
    use ledgerbridge_emulator::{LimitMode, Scenario};
    use ledgerbridge_sandbox::{Sandbox, SandboxOptions};

    let sandbox = Sandbox::start(SandboxOptions::for_tests(
        Scenario::Empty,
        LimitMode::Relaxed,
    ))
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let ports = [
        sandbox.servicetitan_handle.addr.port(),
        sandbox.quickbooks_handle.addr.port(),
        sandbox.xero_handle.addr.port(),
    ]
    .map(|p| p.to_string());
    tokio::task::spawn_blocking(move || {
        run(
            ledgerbridge(&root)
                .args(["init", "--sandbox", "--dir", "books"])
                .args([
                    "--servicetitan-port",
                    &ports[0],
                    "--quickbooks-port",
                    &ports[1],
                    "--xero-port",
                    &ports[2],
                ]),
            0,
        )
    })
    .await
    .unwrap();
    let books = dir.path().join("books");
    cli(&books, &["sync"], 0).await;

    let config = std::fs::read_to_string(books.join("ledgerbridge.toml")).unwrap();
    let (tenant, target, company) = first_tenant(&config);
    let ledger = open(&books).await;
    let key = RecordKey::new(&tenant, EntityKind::Customer, "77", target, &company);
    let id = ledger
        .conflicts()
        .raise(&NewConflict {
            key,
            target_id: "5".into(),
            run: None,
            fields: vec![field(
                "customer.email",
                json!(null),
                json!("a@x.test"),
                json!("b@x.test"),
            )],
        })
        .await
        .unwrap()
        .id;
    ledger.close().await;

    // Raised by an earlier run, still open: every sync of that tenant says so with exit 3.
    let out = cli(&books, &["sync", "--format", "json"], 3).await;
    assert!(stdout_json(&out)["totals"].is_object(), "stdout stays JSON");
    assert!(stderr(&out).contains("conflicts list"), "{}", stderr(&out));
    cli(&books, &["sync", "--tenant", &tenant], 3).await;
    let other: Vec<&str> = config
        .lines()
        .filter_map(|l| l.strip_prefix("servicetitan_tenant = "))
        .map(|v| v.trim_matches('"'))
        .filter(|t| *t != tenant)
        .collect();
    if let Some(other) = other.first() {
        cli(&books, &["sync", "--tenant", other], 0).await;
    }
    cli(&books, &["conflicts", "dismiss", &id.to_string()], 0).await;
    cli(&books, &["sync"], 0).await;
    drop(sandbox);
}
