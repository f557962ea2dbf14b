//! What the `watch` tests share: a running `watch` (its log in a file, killed on drop), waits
//! on conditions, the ledger's view, fault plans and the metrics-versus-ledger check.

use std::future::Future;
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use ledgerbridge_core::EntityKind;
use ledgerbridge_ledger::{EventFilter, Ledger, LedgerLocation, LedgerOptions, RunStatus};
use serde_json::Value;

use crate::helpers::ledgerbridge;
use crate::sandboxed::{Books, blocking};

/// A running `watch` and where it serves. Its stderr goes to a file (a pipe nobody reads
/// until the end would fill up with the log and block the process).
pub(crate) struct Watch {
    child: Child,
    pub(crate) base: String,
    http: reqwest::Client,
    log: std::path::PathBuf,
}

/// A fresh file for a child's stderr, beside the ledger.
pub(crate) fn log_file(dir: &std::path::Path, name: &str) -> (std::fs::File, std::path::PathBuf) {
    let path = dir.join(format!("{name}-{}.log", free_port()));
    (std::fs::File::create(&path).unwrap(), path)
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `watch` in the ledger's folder: ServiceTitan polled every second, the books every
/// `books_poll` seconds (an hour: only a webhook wakes them; a second: the safety poll does).
pub(crate) fn start_watch(books: &Books, books_poll: u64) -> Watch {
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
pub(crate) async fn until<F, Fut>(what: &str, limit: Duration, mut check: F)
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
    pub(crate) async fn get(&self, path: &str) -> Option<(u16, String)> {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .ok()?;
        Some((r.status().as_u16(), r.text().await.ok()?))
    }

    pub(crate) async fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> u16 {
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

    pub(crate) async fn ready(&self) {
        until("/readyz answers 200", Duration::from_secs(300), || async {
            self.get("/readyz").await.is_some_and(|(s, _)| s == 200)
        })
        .await;
    }

    /// SIGTERM (or SIGKILL), then the exit code and the log.
    pub(crate) async fn signal(mut self, signal: &str) -> (Option<i32>, String) {
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
pub(crate) async fn latency(books: &Books, plan: Option<Value>) {
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

pub(crate) async fn ledger(books: &Books) -> Ledger {
    let location = LedgerLocation::File(books.books.join("ledgerbridge.db"));
    Ledger::open(location, LedgerOptions::default())
        .await
        .unwrap()
}

pub(crate) async fn invoice_links(books: &Books, tenant: &str) -> usize {
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

pub(crate) async fn events_of(books: &Books, kind: &str) -> usize {
    let ledger = ledger(books).await;
    let filter = EventFilter {
        kind: Some(kind.to_owned()),
        ..EventFilter::default()
    };
    let n = ledger.events().list(&filter).await.unwrap().len();
    ledger.close().await;
    n
}

/// A sample's value (counters and gauges; 0 for other kinds).
pub(crate) fn sample_value(sample: &prometheus_parse::Sample) -> i64 {
    match sample.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => format!("{v}").parse().unwrap_or(-1),
        _ => 0,
    }
}

/// Runs and records written by outcome, from `/metrics`.
pub(crate) async fn scrape_totals(watch: &Watch) -> (i64, i64) {
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
pub(crate) async fn metrics_match_the_ledger(watch: &Watch, books: &Books) {
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
