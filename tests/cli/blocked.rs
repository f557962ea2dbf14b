//! `ledgerbridge blocked` after a real sync of the demo: the work queue lists exactly the
//! records the sync blocked, with the pinned keys and reason kinds, and filters by reason and
//! tenant; CSV has a header.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::stdout_json;
use crate::sandboxed::books;

const KEYS: [&str; 10] = [
    "id",
    "entity",
    "tenant",
    "target",
    "servicetitan_id",
    "number",
    "customer",
    "reason_kind",
    "reason",
    "since",
];

const KINDS: [&str; 11] = [
    "unmapped",
    "customer_match",
    "period_closed",
    "number_taken",
    "waits_for_invoice",
    "pre_exported",
    "not_eligible",
    "books_payment",
    "quarantined",
    "given_up",
    "other",
];

/// The `(tenant:entity:id)` of every record a `sync --format json` report blocked.
fn blocked_by(report: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for target in report["targets"].as_array().unwrap() {
        for b in target["blocked_records"].as_array().unwrap() {
            out.insert(format!(
                "{}:{}:{}",
                target["tenant"].as_str().unwrap(),
                b["entity"].as_str().unwrap(),
                b["servicetitan_id"].as_str().unwrap()
            ));
        }
    }
    out
}

fn rows(out: &std::process::Output) -> Vec<Value> {
    stdout_json(out).as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_work_queue_lists_what_the_sync_blocked_with_kinds_and_filters() {
    let books = books().await;
    let report = stdout_json(&books.run(&["sync", "--format", "json"], 0).await);
    let expected = blocked_by(&report);
    assert!(!expected.is_empty(), "the demo blocks records: {report}");

    let all = rows(&books.run(&["blocked", "--format", "json"], 0).await);
    let ids: BTreeSet<String> = all
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, expected, "{all:#?}");
    for row in &all {
        let keys: BTreeSet<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, KEYS.into_iter().collect(), "{row}");
        let kind = row["reason_kind"].as_str().unwrap();
        assert!(KINDS.contains(&kind), "{row}");
        assert!(
            chrono::DateTime::parse_from_rfc3339(row["since"].as_str().unwrap()).is_ok(),
            "{row}"
        );
        if row["entity"] == "invoice" {
            assert!(row["number"].is_string(), "{row}");
        }
    }
    let kinds: BTreeSet<&str> = all
        .iter()
        .map(|r| r["reason_kind"].as_str().unwrap())
        .collect();
    // The demo's payments of invoices another integration exported say so.
    for kind in ["customer_match", "waits_for_invoice", "pre_exported"] {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }

    // --reason keeps exactly the rows of that kind.
    let matches = rows(
        &books
            .run(
                &["blocked", "--reason", "customer_match", "--format", "json"],
                0,
            )
            .await,
    );
    let want = all
        .iter()
        .filter(|r| r["reason_kind"] == "customer_match")
        .count();
    assert_eq!(matches.len(), want);
    assert!(matches.iter().all(|r| r["reason_kind"] == "customer_match"));
    books.run(&["blocked", "--reason", "bogus"], 2).await;

    // --tenant keeps that tenant's rows.
    let tenant = books.tenant_of("xero").await;
    let xero = rows(
        &books
            .run(&["blocked", "--tenant", &tenant, "--format", "json"], 0)
            .await,
    );
    assert!(!xero.is_empty());
    assert_eq!(
        xero.len(),
        all.iter().filter(|r| r["tenant"] == *tenant).count()
    );
    assert!(
        xero.iter()
            .all(|r| r["tenant"] == *tenant && r["target"] == "xero")
    );

    // CSV: the header, then one line per record; the table names the kinds.
    let csv = books.run(&["blocked", "--format", "csv"], 0).await;
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert_eq!(csv.lines().next(), Some(KEYS.join(",").as_str()));
    // No reason holds a line break, so each record is one line.
    assert_eq!(csv.lines().count(), all.len() + 1);
    let table = books.run(&["blocked"], 0).await;
    assert!(String::from_utf8_lossy(&table.stdout).contains("waits_for_invoice"));
}

/// `(id, reason, since)` of each waiting ServiceTitan record (books payments carry no since of
/// their own: theirs is the latest save).
fn waiting(rows: &[Value]) -> BTreeSet<(String, String, String)> {
    rows.iter()
        .filter(|r| r["servicetitan_id"].is_string())
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap().to_owned();
            (s("id"), s("reason"), s("since"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_marks_records_the_next_sync_plans_again_without_writing_twice() {
    let books = books().await;
    books.run(&["sync", "--format", "json"], 0).await;
    let before = rows(&books.run(&["blocked", "--format", "json"], 0).await);
    let audit_before = rows(&books.run(&["audit", "--format", "json"], 0).await).len();

    // Marking writes nothing anywhere but the ledger's parked set.
    let marked = books.run(&["blocked", "retry", "--all"], 0).await;
    assert!(String::from_utf8_lossy(&marked.stdout).contains("planned again"));
    let audit_marked = rows(&books.run(&["audit", "--format", "json"], 0).await).len();
    assert_eq!(audit_marked, audit_before, "retry itself wrote nothing");
    books.run(&["blocked", "retry", "nope:invoice:1"], 2).await;
    books.run(&["blocked", "retry"], 2).await;

    // The next sync plans them again: the same records wait for the same reasons, since the
    // same time, and nothing is created or updated twice.
    let report = stdout_json(&books.run(&["sync", "--format", "json"], 0).await);
    assert_eq!(report["totals"]["created"], 0, "{report}");
    assert_eq!(report["totals"]["updated"], 0, "{report}");
    let after = rows(&books.run(&["blocked", "--format", "json"], 0).await);
    assert_eq!(waiting(&after), waiting(&before));
    assert_eq!(blocked_by(&report).len(), after.len());

    // --apply marks and syncs at once (one tenant).
    let one = before
        .iter()
        .find(|r| r["entity"] == "invoice")
        .unwrap_or(&before[0]);
    let id = one["id"].as_str().unwrap();
    books.run(&["blocked", "retry", id, "--apply"], 0).await;
    let again = rows(&books.run(&["blocked", "--format", "json"], 0).await);
    assert_eq!(waiting(&again), waiting(&before));
}
