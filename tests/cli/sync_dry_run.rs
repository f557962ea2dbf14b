//! `sync --dry-run` through the real binary against the sandbox: the JSON carries the plan
//! in the shape CONTRACTS.md pins, the table output lists it, payments of invoices the run
//! would create are planned (not blocked), and the real sync that follows does what the
//! plan counted.

use std::collections::BTreeSet;

use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

use crate::helpers::{ledgerbridge, run, stdout_json};

const KEYS: [&str; 6] = [
    "action",
    "entity",
    "number",
    "reason",
    "servicetitan_id",
    "writes",
];

const ACTIONS: [&str; 9] = [
    "create",
    "update",
    "void",
    "link",
    "mark_exported",
    "unchanged",
    "blocked",
    "conflict",
    "skipped",
];

fn planned(target: &Value, entity: &str, action: &str) -> usize {
    target["plan"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == entity && e["action"] == action)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_prints_its_plan_and_the_real_sync_does_it() {
    let sandbox = Sandbox::start(SandboxOptions::for_tests(
        Scenario::Demo,
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
    ];
    let (json, table, real) = tokio::task::spawn_blocking(move || {
        run(
            ledgerbridge(&root)
                .args(["init", "--sandbox", "--dir", "books"])
                .args(["--servicetitan-port", &ports[0].to_string()])
                .args(["--quickbooks-port", &ports[1].to_string()])
                .args(["--xero-port", &ports[2].to_string()]),
            0,
        );
        let books = root.join("books");
        let json = run(
            ledgerbridge(&books).args(["sync", "--dry-run", "--format", "json"]),
            0,
        );
        let table = run(ledgerbridge(&books).args(["sync", "--dry-run"]), 0);
        let real = run(ledgerbridge(&books).args(["sync", "--format", "json"]), 0);
        (stdout_json(&json), table, stdout_json(&real))
    })
    .await
    .unwrap();

    assert_eq!(json["dry_run"], true);
    let targets = json["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    for (target, done) in targets.iter().zip(real["targets"].as_array().unwrap()) {
        let plan = target["plan"]
            .as_array()
            .expect("a dry run carries its plan");
        assert!(!plan.is_empty());
        for entry in plan {
            let keys: BTreeSet<&str> = entry
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, BTreeSet::from(KEYS), "{entry}");
            assert!(
                ACTIONS.contains(&entry["action"].as_str().unwrap()),
                "{entry}"
            );
            for write in entry["writes"].as_array().unwrap() {
                assert!(write["system"].is_string() && write["operation"].is_string());
            }
        }
        // Payments of invoices the same run creates are planned as creates, and the real
        // run then creates as many; what it blocks, the plan blocked.
        let payments = planned(target, "payment", "create");
        assert!(payments > 0, "{target}");
        assert_eq!(
            payments as u64,
            done["by_entity"]["payment"]["created"].as_u64().unwrap()
        );
        assert_eq!(target["created"], done["created"], "{target}\n{done}");
        assert_eq!(target["blocked"], done["blocked"], "{target}\n{done}");
        assert!(done.get("plan").is_none(), "a real run prints no plan");
    }

    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("Plan for tenant"), "{table}");
    assert!(table.contains("quickbooks create_customer"), "{table}");
    assert!(table.contains("more (--verbose lists them all"), "{table}");
    assert!(
        table.contains("Dry run: nothing was written anywhere."),
        "{table}"
    );
}
