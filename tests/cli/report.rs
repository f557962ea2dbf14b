//! `report` through the real binary after syncing the sandbox demo: from the ledger and read
//! live, it agrees with both systems; an invoice voided in ServiceTitan afterwards shows as a
//! mismatch whose explained difference is exactly the variance.

use std::io::{Read, Write};
use std::net::TcpStream;

use ledgerbridge_emulator::{EmulatorControl, LimitMode, Scenario};
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

use crate::helpers::{ledgerbridge, run, stdout_json};

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

/// Every invoice the sandbox seeds falls in this period.
const ALL_TIME: [&str; 4] = ["--from", "2000-01-01", "--to", "2099-12-31"];

fn report(dir: &std::path::Path, extra: &[&str]) -> Value {
    let out = run(
        ledgerbridge(dir)
            .args(["report", "--format", "json"])
            .args(ALL_TIME)
            .args(extra),
        0,
    );
    stdout_json(&out)
}

fn tenant<'a>(report: &'a Value, target: &str) -> &'a Value {
    report["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["target"] == target)
        .unwrap_or_else(|| panic!("no {target} tenant in {report}"))
}

/// Cents of a decimal string (`"123.45"`), exact.
fn cents(text: &str) -> i64 {
    let (int, frac) = text.split_once('.').unwrap_or((text, "00"));
    let sign = if int.starts_with('-') { -1 } else { 1 };
    let int: i64 = int.trim_start_matches('-').parse().unwrap();
    let frac: i64 = format!("{frac:0<2}")[..2].parse().unwrap();
    sign * (int * 100 + frac)
}

fn amount_cents(v: &Value) -> i64 {
    match v {
        Value::String(s) => cents(s),
        Value::Number(n) => n.as_i64().unwrap() * 100,
        other => panic!("not an amount: {other}"),
    }
}

/// Posts `{}` to a control route of an emulator (plain HTTP/1.1, no client needed).
fn control_post(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_agrees_with_both_systems_and_explains_a_void() {
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
    let books = root.join("books");
    let books_dir = books.clone();
    let (ledger_report, live_report) = blocking(move || {
        run(
            ledgerbridge(&root)
                .args(["init", "--sandbox", "--dir", "books"])
                .args(["--servicetitan-port", &ports[0].to_string()])
                .args(["--quickbooks-port", &ports[1].to_string()])
                .args(["--xero-port", &ports[2].to_string()]),
            0,
        );
        run(
            ledgerbridge(&books_dir).args(["sync", "--format", "json"]),
            0,
        );
        (report(&books_dir, &[]), report(&books_dir, &["--refresh"]))
    })
    .await;

    for target in ["quickbooks", "xero"] {
        let from_ledger = tenant(&ledger_report, target);
        let live = tenant(&live_report, target);
        assert_eq!(from_ledger["basis"]["accounting"], "ledger");
        assert_eq!(live["basis"]["servicetitan"], "live", "{live_report:#}");
        assert_eq!(live["basis"]["accounting"], "live");
        let records = from_ledger["records"].as_array().unwrap();
        assert!(records.len() > 400, "{target}: {}", records.len());
        // Everything synced is matched; what the sync blocked (the demo's Xero customer awaiting
        // review) is listed with its reason and is missing from the books.
        let blocked: Vec<&Value> = records
            .iter()
            .filter(|r| r["status"] == "blocked")
            .collect();
        assert_eq!(
            from_ledger["status_counts"]["matched"].as_u64().unwrap() as usize + blocked.len(),
            records.len(),
            "{target}: {:#}",
            from_ledger["status_counts"]
        );
        assert!(
            blocked
                .iter()
                .all(|r| r["reason"].as_str().is_some_and(|x| !x.is_empty()))
        );
        // Read live, ServiceTitan holds what the ledger verified. The books hold it too, plus
        // whatever was keyed in there directly (the demo's Xero company has a few invoices of
        // its own): those are listed as in the books only, and with the blocked records they
        // are the whole variance.
        let totals = &live["totals"][0];
        assert_eq!(
            totals["servicetitan"],
            from_ledger["totals"][0]["servicetitan"]
        );
        let live_records = live["records"].as_array().unwrap();
        let books_only: Vec<&Value> = live_records
            .iter()
            .filter(|r| r["servicetitan"].is_null())
            .collect();
        assert!(
            books_only
                .iter()
                .all(|r| r["status"] == "missing_in_servicetitan"
                    || r["status"] == "duplicate_suspected"),
            "{target}: {books_only:#?}"
        );
        let live_blocked: Vec<&Value> = live_records
            .iter()
            .filter(|r| r["status"] == "blocked")
            .collect();
        assert_eq!(live_blocked, blocked, "{target}");
        assert_eq!(
            live_records.len(),
            records.len() + books_only.len(),
            "{target}: every other record is matched"
        );
        assert_eq!(
            live["status_counts"]["matched"], from_ledger["status_counts"]["matched"],
            "{target}"
        );
        let explained: i64 = blocked
            .iter()
            .chain(&books_only)
            .map(|r| amount_cents(&r["explains"]["total"]))
            .sum();
        assert_eq!(
            amount_cents(&totals["variance"]["total"]),
            explained,
            "{target}"
        );
        let blocked_total: i64 = blocked
            .iter()
            .map(|r| amount_cents(&r["servicetitan"]["total"]))
            .sum();
        assert_eq!(
            amount_cents(&from_ledger["totals"][0]["variance"]["total"]),
            -blocked_total,
            "{target}"
        );
    }
    assert_eq!(live_report["warnings"], Value::Array(Vec::new()));
    // The figures are as of the sync that just ran.
    assert_eq!(ledger_report["last_sync"]["status"], "ok");
    assert!(ledger_report["last_sync"]["run"].as_i64().is_some());

    // The QuickBooks company itself, read from the emulator's state: same count, same sum.
    let state = sandbox.quickbooks.state();
    let invoices = state["entities"]["Invoice"].as_array().unwrap();
    let qbo = &tenant(&live_report, "quickbooks")["totals"][0]["accounting"];
    assert_eq!(qbo["count"], invoices.len());
    let sum: i64 = invoices.iter().map(|i| amount_cents(&i["TotalAmt"])).sum();
    assert_eq!(amount_cents(&qbo["total"]), sum);

    // Void one synced invoice in ServiceTitan (not synced again): the live report shows it as
    // a mismatch, and its explained difference is the whole variance.
    let qbo_tenant = tenant(&live_report, "quickbooks")["tenant"]
        .as_str()
        .unwrap()
        .to_owned();
    let victim = tenant(&live_report, "quickbooks")["records"][0]["servicetitan"].clone();
    let id = victim["id"].as_str().unwrap().to_owned();
    let answer = control_post(
        sandbox.servicetitan_handle.addr,
        &format!("/_sandbox/servicetitan/{qbo_tenant}/invoices/{id}/void"),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let books_dir = books.clone();
    let after = blocking(move || {
        report(
            &books_dir,
            &[
                "--refresh",
                "--target",
                "quickbooks",
                "--tenant",
                &qbo_tenant,
            ],
        )
    })
    .await;
    let t = tenant(&after, "quickbooks");
    assert_eq!(
        t["status_counts"]["amount_mismatch"], 1,
        "{:#}",
        t["status_counts"]
    );
    let record = &t["records"][0];
    assert_eq!(record["status"], "amount_mismatch");
    assert_eq!(record["servicetitan"]["id"], victim["id"]);
    assert_eq!(record["servicetitan"]["status"], "voided");
    assert!(
        record["differences"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["field"] == "status" && d["accounting"] == "posted"),
        "{record:#}"
    );
    let variance = &t["totals"][0]["variance"];
    assert_eq!(variance["count"], 1);
    assert_eq!(variance["total"], victim["total"]);
    assert_eq!(record["explains"], *variance);

    // The other formats, to a file: one CSV header and a row per record and total; one HTML
    // file with nothing to fetch.
    let xero_tenant = tenant(&live_report, "xero")["tenant"]
        .as_str()
        .unwrap()
        .to_owned();
    let xero_records = tenant(&ledger_report, "xero")["records"]
        .as_array()
        .unwrap()
        .len();
    let (csv, html, unreachable) = blocking(move || {
        let csv_path = books.join("report.csv");
        let html_path = books.join("report.html");
        for (format, path) in [("csv", &csv_path), ("html", &html_path)] {
            let out = run(
                ledgerbridge(&books)
                    .args(["report", "--format", format, "--tenant", &xero_tenant])
                    .args(ALL_TIME)
                    .arg("--out")
                    .arg(path),
                0,
            );
            assert!(out.stdout.is_empty(), "--out writes the file, not stdout");
        }
        // A target that cannot be read is a warning naming it; its side comes from the ledger.
        run(
            ledgerbridge(&books).args(["disconnect", "xero", "--tenant", &xero_tenant]),
            0,
        );
        let out = run(
            ledgerbridge(&books)
                .args([
                    "report",
                    "--format",
                    "json",
                    "--refresh",
                    "--tenant",
                    &xero_tenant,
                ])
                .args(ALL_TIME),
            0,
        );
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(stderr.contains("warning: xero (tenant"), "{stderr}");
        (
            std::fs::read_to_string(csv_path).unwrap(),
            std::fs::read_to_string(html_path).unwrap(),
            stdout_json(&out),
        )
    })
    .await;
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert!(lines[0].starts_with("row,tenant,target,status,reason,currency,"));
    assert_eq!(
        lines.len(),
        1 + xero_records + 1,
        "header, records, one totals row"
    );
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<style>"));
    assert!(!html.contains("<script") && !html.contains("<link"));
    let warnings = unreachable["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].as_str().unwrap().starts_with("xero (tenant"));
    let t = &unreachable["tenants"][0];
    assert_eq!(t["basis"]["servicetitan"], "live");
    assert_eq!(t["basis"]["accounting"], "ledger");
}
