//! `ledgerbridge watch` through the real binary against the sandbox: records move both ways
//! without a `sync` call, webhooks are verified, `/readyz` and `/metrics` tell the truth, one
//! tenant's broken remote leaves the other syncing, SIGTERM exits 0 and SIGKILL converges.
//! Intervals are one second through the config; every wait is on a condition (a status code,
//! a ledger row), bounded by a deadline, never a fixed sleep.

use std::process::Stdio;
use std::time::Duration;

use ledgerbridge_core::EntityKind;
use ledgerbridge_ledger::RunStatus;
use ledgerbridge_service::webhooks::sign;
use serde_json::{Value, json};

use crate::helpers::{ledgerbridge, stdout_json};
use crate::sandboxed::{Books, blocking, books};
use crate::watch_books::{pay_in_quickbooks, pay_in_xero};
use crate::watch_support::{
    Watch, events_of, free_port, invoice_links, latency, ledger, log_file,
    metrics_match_the_ledger, start_watch, until,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_moves_records_both_ways_verifies_webhooks_and_stops_cleanly_on_sigterm() {
    let books = books().await;
    let qbo_tenant = books.tenant_of("quickbooks").await;
    let watch = start_watch(&books, 3600);
    until("/healthz", Duration::from_secs(60), || async {
        watch.get("/healthz").await.is_some_and(|(s, _)| s == 200)
    })
    .await;
    watch.ready().await;
    servicetitan_to_the_books(&books, &qbo_tenant).await;
    the_books_to_servicetitan_on_webhooks(&books, &watch, &qbo_tenant).await;
    bad_webhooks_are_refused(&books, &watch).await;
    metrics_say_what_happened(&watch).await;
    metrics_match_the_ledger(&watch, &books).await;

    let (code, stderr) = watch.signal("TERM").await;
    assert_eq!(code, Some(0), "{stderr}");
    let ledger = ledger(&books).await;
    let runs = ledger.runs().list(200).await.unwrap();
    assert!(
        runs.iter().all(|r| r.status != RunStatus::Running),
        "every run ended: {:?}",
        runs.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(
        ledger.leases().list().await.unwrap().is_empty(),
        "leases freed"
    );
    ledger.close().await;
}

/// A new ServiceTitan invoice reaches the books within a poll, without `sync`.
async fn servicetitan_to_the_books(books: &Books, qbo_tenant: &str) {
    let before = invoice_links(books, qbo_tenant).await;
    let st = books.sandbox.servicetitan_handle.addr;
    let added: Value = reqwest::Client::new()
        .post(format!(
            "http://{st}/_sandbox/servicetitan/{qbo_tenant}/bulk-invoices"
        ))
        .json(&json!({ "count": 2 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(added["created"], 2, "{added}");
    until(
        "two new invoices linked",
        Duration::from_secs(120),
        || async { invoice_links(books, qbo_tenant).await == before + 2 },
    )
    .await;
}

/// A payment recorded in QuickBooks and one in Xero reach ServiceTitan on the emulators'
/// webhooks alone (the books' poll is an hour away).
async fn the_books_to_servicetitan_on_webhooks(books: &Books, watch: &Watch, qbo_tenant: &str) {
    for emulator in [&books.sandbox.quickbooks_handle, &books.sandbox.xero_handle] {
        let set = reqwest::Client::new()
            .post(format!("http://{}/_sandbox/webhooks", emulator.addr))
            .json(&json!({ "url": watch.base }))
            .send()
            .await
            .unwrap();
        assert!(set.status().is_success());
    }
    let brought = events_of(books, "payment.from_books").await;
    pay_in_quickbooks(books, qbo_tenant).await;
    until(
        "the QuickBooks payment reached ServiceTitan",
        Duration::from_secs(120),
        || async { events_of(books, "payment.from_books").await > brought },
    )
    .await;
    let brought = events_of(books, "payment.from_books").await;
    pay_in_xero(books, &books.tenant_of("xero").await).await;
    until(
        "the Xero payment reached ServiceTitan",
        Duration::from_secs(180),
        || async { events_of(books, "payment.from_books").await > brought },
    )
    .await;
}

/// Unsigned, mis-signed and replayed-with-another-body deliveries get 401.
async fn bad_webhooks_are_refused(books: &Books, watch: &Watch) {
    let realm = books.sandbox.info().quickbooks.realm_id.clone();
    let verifier = books
        .sandbox
        .info()
        .quickbooks
        .webhook_verifier_token
        .clone();
    let body = format!(
        r#"[{{"specversion":"1.0","id":"e","source":"intuit.t","type":"qbo.payment.created.v1","time":"2026-12-01T00:00:00Z","intuitentityid":"1","intuitaccountid":"{realm}","data":{{}}}}]"#
    );
    assert_eq!(watch.post("/webhooks/quickbooks", &[], &body).await, 401);
    let wrong = sign("not-the-verifier", body.as_bytes());
    assert_eq!(
        watch
            .post(
                "/webhooks/quickbooks",
                &[("intuit-signature", &wrong)],
                &body
            )
            .await,
        401
    );
    let other = sign(&verifier, b"[]");
    assert_eq!(
        watch
            .post(
                "/webhooks/quickbooks",
                &[("intuit-signature", &other)],
                &body
            )
            .await,
        401
    );
    assert_eq!(
        watch
            .post("/webhooks/xero", &[("x-xero-signature", &other)], "{}")
            .await,
        401
    );
}

/// `/metrics` parses as the Prometheus text format and counts the webhooks above.
async fn metrics_say_what_happened(watch: &Watch) {
    let (status, metrics) = watch.get("/metrics").await.unwrap();
    assert_eq!(status, 200);
    let lines = metrics.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text format");
    let named = |name: &str| scrape.samples.iter().filter(|s| s.metric == name).count();
    assert!(named("ledgerbridge_runs_total") >= 2, "{metrics}");
    assert!(named("ledgerbridge_remote_requests_total") > 0, "{metrics}");
    for expected in [
        r#"ledgerbridge_webhooks_total{system="quickbooks",result="rejected"} 3"#,
        r#"ledgerbridge_webhooks_total{system="quickbooks",result="accepted"}"#,
        r#"ledgerbridge_webhooks_total{system="xero",result="accepted"}"#,
    ] {
        assert!(metrics.contains(expected), "{expected} in {metrics}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_remote_is_named_by_readyz_and_the_other_tenant_keeps_syncing() {
    let books = books().await;
    let qbo_tenant = books.tenant_of("quickbooks").await;
    let xero_tenant = books.tenant_of("xero").await;
    // Every Xero request fails from the start.
    let xero = books.sandbox.xero_handle.addr;
    let answer = reqwest::Client::new()
        .post(format!("http://{xero}/_sandbox/faults"))
        .json(&json!({ "seed": 7, "error_rate": 1.0 }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success());
    let watch = start_watch(&books, 1);
    until(
        "/readyz names the broken tenant",
        Duration::from_secs(300),
        || async {
            let Some((status, body)) = watch.get("/readyz").await else {
                return false;
            };
            let ready: Value = serde_json::from_str(&body).unwrap_or_default();
            let state = |t: &str| {
                ready["tenants"]
                    .as_array()
                    .and_then(|a| a.iter().find(|x| x["tenant"] == t))
                    .map(|x| x["state"].clone())
            };
            status == 503
                && state(&xero_tenant) == Some(json!("broken"))
                && state(&qbo_tenant) == Some(json!("ok"))
        },
    )
    .await;
    // The QuickBooks tenant goes on: a new ServiceTitan invoice still reaches its books.
    let before = invoice_links(&books, &qbo_tenant).await;
    let st = books.sandbox.servicetitan_handle.addr;
    reqwest::Client::new()
        .post(format!(
            "http://{st}/_sandbox/servicetitan/{qbo_tenant}/bulk-invoices"
        ))
        .json(&json!({ "count": 1 }))
        .send()
        .await
        .unwrap();
    until(
        "the QuickBooks tenant syncs on",
        Duration::from_secs(120),
        || async { invoice_links(&books, &qbo_tenant).await == before + 1 },
    )
    .await;
    let (code, stderr) = watch.signal("TERM").await;
    assert_eq!(code, Some(0), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_then_sigkill_mid_run_and_a_restart_converges_with_nothing_twice() {
    let books = books().await;
    // Where each signal lands is decided by the ledger's state (writes confirmed by the run
    // in flight), not by a time; every answer takes 40-80 ms, so the first run (a backfill
    // of both tenants) is still writing when the first write is seen, however slow the
    // machine.
    latency(&books, Some(json!({ "seed": 3, "latency_ms": [40, 80] }))).await;
    let watch = start_watch(&books, 1);
    until("writes confirmed", Duration::from_secs(120), || async {
        events_of(&books, "invoice.created").await > 0
    })
    .await;
    let (code, stderr) = watch.signal("TERM").await;
    assert_eq!(code, Some(0), "SIGTERM mid-run exits 0: {stderr}");
    let ledger_now = ledger(&books).await;
    let statuses: Vec<RunStatus> = ledger_now
        .runs()
        .list(50)
        .await
        .unwrap()
        .iter()
        .map(|r| r.status)
        .collect();
    ledger_now.close().await;
    assert!(!statuses.contains(&RunStatus::Running), "{statuses:?}");
    assert!(
        statuses.contains(&RunStatus::Interrupted),
        "the run in flight: {statuses:?}"
    );

    let written = events_of(&books, "invoice.created").await;
    let watch = start_watch(&books, 1);
    until(
        "more writes, or nothing left to write",
        Duration::from_secs(300),
        || async {
            events_of(&books, "invoice.created").await > written
                || watch.get("/readyz").await.is_some_and(|(s, _)| s == 200)
        },
    )
    .await;
    let (code, _) = watch.signal("KILL").await;
    assert_eq!(code, None, "killed by the signal");
    latency(&books, None).await;

    let watch = start_watch(&books, 1);
    watch.ready().await;
    let (code, stderr) = watch.signal("TERM").await;
    assert_eq!(code, Some(0), "{stderr}");

    converged_with_nothing_twice(&books).await;
}

/// A plain sync afterwards finds nothing to write (nothing was lost, nothing is written twice),
/// and no QuickBooks invoice the ledger links exists twice.
async fn converged_with_nothing_twice(books: &Books) {
    let out = books.run(&["sync", "--format", "json"], 0).await;
    let report = stdout_json(&out);
    let totals = &report["totals"];
    assert_eq!(
        (&totals["created"], &totals["updated"], &totals["errors"]),
        (&json!(0), &json!(0), &json!(0)),
        "{report}"
    );
    let state: Value = reqwest::Client::new()
        .get(format!(
            "http://{}/_sandbox/state",
            books.sandbox.quickbooks_handle.addr
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let invoices = state["entities"]["Invoice"].as_array().unwrap();
    let ledger = ledger(books).await;
    let tenant = books.tenant_of("quickbooks").await;
    let links = ledger
        .links()
        .list(&tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    ledger.close().await;
    assert!(!links.is_empty());
    for link in &links {
        let linked = invoices
            .iter()
            .find(|i| i["Id"] == link.target_id.as_str())
            .unwrap();
        let twins = invoices
            .iter()
            .filter(|i| i["DocNumber"] == linked["DocNumber"])
            .count();
        assert_eq!(
            twins, 1,
            "invoice {} is in QuickBooks once",
            linked["DocNumber"]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_watch_shows_a_books_payment_arriving_without_a_sync() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let (log, log_path) = log_file(dir.path(), "demo");
    let mut child = ledgerbridge(dir.path())
        .args(["demo", "--watch", "--dir", "demo"])
        .env("LEDGERBRIDGE_SERVICE__ADDR", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    // The demo's output, read to its end by a thread (a pipe closed early would make the
    // demo's next line fail), watched here until it says the payment arrived.
    let stdout = child.stdout.take().unwrap();
    let shared = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = shared.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            let mut text = sink.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    let done = |text: &str| {
        text.contains("nobody ran `sync`") || text.contains("not in ServiceTitan after")
    };
    until(
        "the demo shows the payment",
        Duration::from_secs(300),
        || {
            let text = shared.lock().unwrap().clone();
            async move { done(&text) }
        },
    )
    .await;
    let seen = shared.lock().unwrap().clone();
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(
        seen.contains(&format!("http://127.0.0.1:{port}/metrics")),
        "{seen}\n{}",
        log()
    );
    assert!(seen.contains("nobody ran `sync`"), "{seen}\n{}", log());
    let pid = child.id().to_string();
    let status = blocking(move || {
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        child.wait().unwrap()
    })
    .await;
    assert_eq!(status.code(), Some(0), "{}", log());
    reader.join().unwrap();
}
