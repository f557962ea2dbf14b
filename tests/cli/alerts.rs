//! Alerts end to end: `init --sandbox` configures the sandbox's Slack receiver and SMTP sink,
//! `sync` raises and sends a conflict alert once (not with `--no-alerts`), `alerts list`
//! shows it with the contract's keys, and `alerts test` prints what each remote answered.

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_ledger::{NewConflict, RecordKey};
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};
use serde_json::json;

use crate::conflicts::{cli, field, open};
use crate::helpers::{ledgerbridge, run, stdout_json};

async fn raise_conflict(books: &std::path::Path, config: &str) {
    let value = |key: &str| {
        config
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = ")))
            .map(|v| v.trim_matches('"').to_owned())
            .unwrap()
    };
    let target: System = value("target").parse().unwrap();
    let key = RecordKey::new(
        value("servicetitan_tenant"),
        EntityKind::Customer,
        "77",
        target,
        value("company"),
    );
    let ledger = open(books).await;
    ledger
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
        .unwrap();
    ledger.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_reach_the_sandbox_sinks_once_after_sync_and_are_listed() {
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
                ])
                .args(["--xero-port", &ports[2]]),
            0,
        )
    })
    .await
    .unwrap();
    let books = dir.path().join("books");
    let config = std::fs::read_to_string(books.join("ledgerbridge.toml")).unwrap();
    for wanted in [
        "name = \"sandbox-slack\"",
        "name = \"sandbox-email\"",
        "on = \"conflict\"",
        "on = \"invoice_overdue\"",
    ] {
        assert!(config.contains(wanted), "{wanted} in\n{config}");
    }
    cli(&books, &["sync"], 0).await;
    raise_conflict(&books, &config).await;

    cli(&books, &["sync", "--no-alerts"], 3).await;
    assert!(sandbox.alert_sinks.slack_messages().is_empty());
    cli(&books, &["sync"], 3).await;
    let slack = sandbox.alert_sinks.slack_messages();
    assert_eq!(slack.len(), 1, "{slack:?}");
    assert!(slack[0].text.as_deref().unwrap().contains("customer.email"));
    let mail = sandbox.smtp.mailbox.messages();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].body.contains("b@x.test"), "{}", mail[0].body);

    // Still open: the next sync sends nothing new.
    cli(&books, &["sync"], 3).await;
    assert_eq!(sandbox.alert_sinks.slack_messages().len(), 1);

    let listed = stdout_json(&cli(&books, &["alerts", "list", "--format", "json"], 0).await);
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let mut keys: Vec<_> = listed[0].as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "attempts",
            "channel",
            "created_at",
            "error",
            "id",
            "rule",
            "sent_at",
            "status",
            "subject",
            "tenant"
        ]
    );
    assert!(
        listed
            .iter()
            .all(|a| a["status"] == "sent" && a["rule"] == "conflict")
    );

    let out = cli(&books, &["alerts", "test", "--channel", "sandbox-slack"], 0).await;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.contains("sandbox-slack: sent; the remote answered: HTTP 200 ok"),
        "{text}"
    );
    cli(&books, &["alerts", "test", "--channel", "nope"], 2).await;
    cli(&books, &["alerts", "test"], 0).await;
    assert_eq!(sandbox.smtp.mailbox.messages().len(), 2);
}
