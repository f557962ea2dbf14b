//! `ledgerbridge watch` through the real binary against the sandbox: records move both ways
//! without a `sync` call, webhooks are verified, `/readyz` and `/metrics` tell the truth, one
//! tenant's broken remote leaves the other syncing, SIGTERM exits 0 and SIGKILL converges.
//! Intervals are one second through the config; every wait is on a condition (a status code,
//! a ledger row), bounded by a deadline, never a fixed sleep.

use std::future::Future;
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use ledgerbridge_core::EntityKind;
use ledgerbridge_ledger::{EventFilter, Ledger, LedgerLocation, LedgerOptions, RunStatus};
use ledgerbridge_service::webhooks::sign;
use serde_json::{Value, json};

use crate::helpers::{ledgerbridge, stdout_json};
use crate::sandboxed::{Books, blocking, books};

/// A running `watch` and where it serves. Its stderr goes to a file (a pipe nobody reads
/// until the end would fill up with the log and block the process).
struct Watch {
    child: Child,
    base: String,
    http: reqwest::Client,
    log: std::path::PathBuf,
}

/// A fresh file for a child's stderr, beside the ledger.
fn log_file(dir: &std::path::Path, name: &str) -> (std::fs::File, std::path::PathBuf) {
    let path = dir.join(format!("{name}-{}.log", free_port()));
    (std::fs::File::create(&path).unwrap(), path)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `watch` in the ledger's folder: ServiceTitan polled every second, the books every
/// `books_poll` seconds (an hour: only a webhook wakes them; a second: the safety poll does).
fn start_watch(books: &Books, books_poll: u64) -> Watch {
    let port = free_port();
    let (log, log_path) = log_file(&books.books, "watch");
    let child = ledgerbridge(&books.books)
        .arg("watch")
        .env("LEDGERBRIDGE_SERVICE__ADDR", format!("127.0.0.1:{port}"))
        .env("LEDGERBRIDGE_SERVICE__POLL_SECONDS", "1")
        .env(
            "LEDGERBRIDGE_SERVICE__BOOKS_POLL_SECONDS",
            books_poll.to_string(),
        )
        .env("LEDGERBRIDGE_SERVICE__STOP_SECONDS", "60")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Watch {
        child,
        base: format!("http://127.0.0.1:{port}"),
        http: reqwest::Client::new(),
        log: log_path,
    }
}

/// Waits until `check` says yes, at most `limit` (generous: a loaded machine is slow).
async fn until<F, Fut>(what: &str, limit: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Drop for Watch {
    /// A test that fails leaves no `watch` behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Watch {
    async fn get(&self, path: &str) -> Option<(u16, String)> {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .ok()?;
        Some((r.status().as_u16(), r.text().await.ok()?))
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> u16 {
        let mut request = self.http.post(format!("{}{path}", self.base));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        request
            .body(body.to_owned())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    async fn ready(&self) {
        until("/readyz answers 200", Duration::from_secs(300), || async {
            self.get("/readyz").await.is_some_and(|(s, _)| s == 200)
        })
        .await;
    }

    /// SIGTERM (or SIGKILL), then the exit code and the log.
    async fn signal(mut self, signal: &str) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let signal = signal.to_owned();
        blocking(move || {
            std::process::Command::new("kill")
                .args([format!("-{signal}"), pid])
                .status()
                .unwrap();
            let status = self.child.wait().unwrap();
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            (status.code(), log)
        })
        .await
    }
}

/// Sets (or, with `None`, clears) a fault plan on every emulator.
async fn latency(books: &Books, plan: Option<Value>) {
    let http = reqwest::Client::new();
    for handle in [
        &books.sandbox.servicetitan_handle,
        &books.sandbox.quickbooks_handle,
        &books.sandbox.xero_handle,
    ] {
        let url = format!("http://{}/_sandbox/faults", handle.addr);
        let answer = match &plan {
            Some(plan) => http.post(&url).json(plan).send().await,
            None => http.delete(&url).send().await,
        };
        assert!(answer.unwrap().status().is_success());
    }
}

async fn ledger(books: &Books) -> Ledger {
    let location = LedgerLocation::File(books.books.join("ledgerbridge.db"));
    Ledger::open(location, LedgerOptions::default())
        .await
        .unwrap()
}

async fn invoice_links(books: &Books, tenant: &str) -> usize {
    let ledger = ledger(books).await;
    let n = ledger
        .links()
        .list(tenant, Some(EntityKind::Invoice))
        .await
        .unwrap()
        .len();
    ledger.close().await;
    n
}

async fn events_of(books: &Books, kind: &str) -> usize {
    let ledger = ledger(books).await;
    let filter = EventFilter {
        kind: Some(kind.to_owned()),
        ..EventFilter::default()
    };
    let n = ledger.events().list(&filter).await.unwrap().len();
    ledger.close().await;
    n
}

/// A QuickBooks API call with the sandbox's token; the answer as JSON.
async fn qbo(books: &Books, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let info = books.sandbox.info();
    let q = &info.quickbooks;
    let url = format!(
        "{}/v3/company/{}/{path}",
        q.api_base.trim_end_matches('/'),
        q.realm_id
    );
    let token = books.sandbox.quickbooks.connect().access_token;
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(token)
        .header("accept", "application/json");
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// Records a payment of 1.00 in QuickBooks on a linked invoice with an open balance.
async fn pay_in_quickbooks(books: &Books, tenant: &str) {
    let ledger = ledger(books).await;
    let links = ledger
        .links()
        .list(tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    ledger.close().await;
    let mut open = None;
    for link in &links {
        let invoice = qbo(
            books,
            reqwest::Method::GET,
            &format!("invoice/{}", link.target_id),
            None,
        )
        .await;
        if invoice["Invoice"]["Balance"].to_string().trim_matches('"') != "0" {
            open = Some(invoice["Invoice"].clone());
            break;
        }
    }
    let invoice = open.expect("a linked invoice with an open balance");
    let methods = qbo(
        books,
        reqwest::Method::GET,
        "query?query=select%20*%20from%20PaymentMethod",
        None,
    )
    .await;
    let check = methods["QueryResponse"]["PaymentMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["Name"] == "Check")
        .expect("a Check payment method")["Id"]
        .clone();
    let body = json!({
        "CustomerRef": invoice["CustomerRef"], "TotalAmt": "1.00", "PaymentMethodRef": {"value": check},
        "Line": [{"Amount": "1.00", "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}]
    });
    let paid = qbo(
        books,
        reqwest::Method::POST,
        "payment?minorversion=75",
        Some(body),
    )
    .await;
    assert!(paid["Payment"]["Id"].is_string(), "{paid}");
}

/// Records a payment of 1.00 in Xero on a linked invoice with an amount due, into the bank
/// account the demo mapped back to a ServiceTitan payment type.
async fn pay_in_xero(books: &Books, tenant: &str) {
    let ledger = ledger(books).await;
    let links = ledger
        .links()
        .list(tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    let account = ledger
        .mappings()
        .list(Some(tenant))
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.kind == ledgerbridge_ledger::MappingKind::PaymentTypeReverse)
        .expect("the demo maps a Xero account back")
        .source;
    ledger.close().await;
    let info = books.sandbox.info();
    let x = &info.xero;
    let issued = books
        .sandbox
        .xero
        .issue_tokens("accounting.invoices accounting.payments accounting.contacts");
    let token = issued["access_token"].as_str().unwrap().to_owned();
    let api = format!("{}/api.xro/2.0", x.api_base.trim_end_matches('/'));
    let http = reqwest::Client::new();
    let call = |request: reqwest::RequestBuilder| {
        request
            .bearer_auth(&token)
            .header("xero-tenant-id", &x.tenant_id)
            .header("accept", "application/json")
    };
    let mut open = None;
    for link in &links {
        let answer: Value = call(http.get(format!("{api}/Invoices/{}", link.target_id)))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let invoice = &answer["Invoices"][0];
        let due = invoice["AmountDue"].to_string();
        if invoice["Status"] == "AUTHORISED" && due.trim_matches('"') != "0" && due != "0.0" {
            open = Some(invoice["InvoiceID"].clone());
            break;
        }
    }
    let invoice = open.expect("a linked invoice with an amount due");
    let body = json!({"Payments": [{
        "Invoice": {"InvoiceID": invoice}, "Account": {"Code": account},
        "Date": "2026-11-20", "Amount": "1.00", "Reference": "watch"
    }]});
    let paid: Value = call(http.put(format!("{api}/Payments")))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(paid["Payments"][0]["PaymentID"].is_string(), "{paid}");
}

/// A sample's value (counters and gauges; 0 for other kinds).
fn sample_value(sample: &prometheus_parse::Sample) -> i64 {
    match sample.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => format!("{v}").parse().unwrap_or(-1),
        _ => 0,
    }
}

/// Runs and records written by outcome, from `/metrics`.
async fn scrape_totals(watch: &Watch) -> (i64, i64) {
    let (_, text) = watch.get("/metrics").await.unwrap();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    let sum = |name: &str, outcome: Option<&[&str]>| -> i64 {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == name)
            .filter(|s| {
                outcome.is_none_or(|o| o.iter().any(|x| s.labels.get("outcome") == Some(*x)))
            })
            .map(sample_value)
            .sum()
    };
    (
        sum("ledgerbridge_runs_total", Some(&["ok", "conflicts"])),
        sum("ledgerbridge_records_written_total", None),
    )
}

/// The counters agree with the run rows: successful runs, and records created or updated. A
/// run's row is committed a moment before its counters move, so a difference is read again
/// until the deadline; only one that lasts fails.
async fn metrics_match_the_ledger(watch: &Watch, books: &Books) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let scraped = scrape_totals(watch).await;
        let ledger = ledger(books).await;
        let runs = ledger.runs().list(10_000).await.unwrap();
        ledger.close().await;
        let ok = runs
            .iter()
            .filter(|r| matches!(r.status, RunStatus::Ok | RunStatus::Conflicts))
            .count();
        let written: i64 = runs
            .iter()
            .map(|r| {
                let t = &r.counts["totals"];
                t["created"].as_i64().unwrap_or(0) + t["updated"].as_i64().unwrap_or(0)
            })
            .sum();
        let rows = (i64::try_from(ok).unwrap(), written);
        if scraped == rows && scrape_totals(watch).await == scraped {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "metrics {scraped:?} vs run rows {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

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

    // ServiceTitan -> the books within a poll, without `sync`.
    let before = invoice_links(&books, &qbo_tenant).await;
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
        || async { invoice_links(&books, &qbo_tenant).await == before + 2 },
    )
    .await;

    // The books -> ServiceTitan on their webhooks alone (the books' poll is an hour away):
    // the emulators notify `watch` as the real services would.
    for emulator in [&books.sandbox.quickbooks_handle, &books.sandbox.xero_handle] {
        let set = reqwest::Client::new()
            .post(format!("http://{}/_sandbox/webhooks", emulator.addr))
            .json(&json!({ "url": watch.base }))
            .send()
            .await
            .unwrap();
        assert!(set.status().is_success());
    }
    let brought = events_of(&books, "payment.from_books").await;
    pay_in_quickbooks(&books, &qbo_tenant).await;
    until(
        "the QuickBooks payment reached ServiceTitan",
        Duration::from_secs(120),
        || async { events_of(&books, "payment.from_books").await > brought },
    )
    .await;
    let brought = events_of(&books, "payment.from_books").await;
    pay_in_xero(&books, &books.tenant_of("xero").await).await;
    until(
        "the Xero payment reached ServiceTitan",
        Duration::from_secs(180),
        || async { events_of(&books, "payment.from_books").await > brought },
    )
    .await;

    // Unsigned, mis-signed and replayed-with-another-body deliveries are refused.
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

    // A plain sync afterwards finds nothing to write: nothing was lost, nothing is written twice.
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
    let ledger = ledger(&books).await;
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
