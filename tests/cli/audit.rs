//! `ledgerbridge audit` after a real sync: every confirmed remote write (invoices, payments
//! and export marks included, not only customers) is exactly one event naming its operation,
//! its ServiceTitan record and its books record, and `--record` finds a record by either id.

use std::collections::HashMap;

use ledgerbridge_ledger::{
    EventFilter, Ledger, LedgerLocation, LedgerOptions, OperationFilter, OperationState,
};
use serde_json::Value;

use crate::helpers::stdout_json;
use crate::sandboxed::books;

const KEYS: [&str; 11] = [
    "id",
    "at",
    "kind",
    "tenant",
    "entity",
    "servicetitan_id",
    "target",
    "target_id",
    "operation_id",
    "run_id",
    "detail",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_remote_write_of_a_sync_is_one_audit_event_found_by_either_id() {
    let books = books().await;
    let tenant = books.tenant_of("quickbooks").await;
    books.run(&["sync", "--tenant", &tenant], 0).await;

    // From the ledger: one write event per confirmed operation, none for anything else.
    let location = LedgerLocation::File(books.books.join("ledgerbridge.db"));
    let ledger = Ledger::open(location, LedgerOptions::default())
        .await
        .unwrap();
    let confirmed = ledger
        .outbox()
        .list(&OperationFilter {
            state: Some(OperationState::Confirmed),
            limit: Some(1_000_000),
            ..OperationFilter::default()
        })
        .await
        .unwrap();
    let events = ledger
        .events()
        .list(&EventFilter {
            limit: Some(1_000_000),
            ..EventFilter::default()
        })
        .await
        .unwrap();
    ledger.close().await;
    let mut per_operation: HashMap<String, Vec<&str>> = HashMap::new();
    for event in &events {
        if let Some(op) = event.operation {
            per_operation
                .entry(op.to_string())
                .or_default()
                .push(&event.kind);
        }
    }
    assert!(confirmed.len() > 100, "{}", confirmed.len());
    for op in &confirmed {
        let kinds = &per_operation[&op.id.to_string()];
        assert_eq!(kinds.len(), 1, "{op:?}: {kinds:?}");
        assert!(kinds[0].starts_with(op.entity.as_str()), "{kinds:?}");
    }
    assert_eq!(per_operation.len(), confirmed.len());
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    for kind in [
        "customer.created",
        "invoice.created",
        "invoice.exported",
        "payment.created",
    ] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }

    // Through the command: the pinned JSON keys, and every write in it.
    let all = stdout_json(&books.run(&["audit", "--format", "json"], 0).await);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), events.len());
    for row in all {
        let mut keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut pinned = KEYS.to_vec();
        pinned.sort_unstable();
        assert_eq!(keys, pinned, "{row}");
    }
    let invoice = all.iter().find(|e| e["kind"] == "invoice.created").unwrap();
    assert_eq!(invoice["target"], "quickbooks");
    assert!(invoice["operation_id"].is_string() && invoice["run_id"].is_number());

    // By the books id and by the ServiceTitan id.
    let books_id = invoice["target_id"].as_str().unwrap();
    let by_books = books
        .run(
            &[
                "audit",
                "--record",
                &format!("qbo:{books_id}"),
                "--format",
                "json",
            ],
            0,
        )
        .await;
    let by_books = stdout_json(&by_books);
    let by_books = by_books.as_array().unwrap();
    assert!(by_books.iter().any(|e| e["id"] == invoice["id"]));
    assert!(
        by_books.iter().all(|e| e["target_id"] == books_id),
        "{by_books:?}"
    );
    let st_id = invoice["servicetitan_id"].as_str().unwrap();
    let by_st = stdout_json(
        &books
            .run(&["audit", "--record", st_id, "--format", "json"], 0)
            .await,
    );
    let by_st = by_st.as_array().unwrap();
    assert!(by_st.iter().any(|e| e["id"] == invoice["id"]));
    assert!(by_st.iter().all(|e| e["servicetitan_id"] == st_id));
    let xero = books
        .run(&["audit", "--record", &format!("xero:{books_id}")], 0)
        .await;
    assert!(String::from_utf8_lossy(&xero.stdout).contains("(none)"));

    // --since, CSV, and a record id that is neither.
    let future = stdout_json(
        &books
            .run(&["audit", "--since", "2999-01-01", "--format", "json"], 0)
            .await,
    );
    assert_eq!(future, Value::Array(Vec::new()));
    let csv = books.run(&["audit", "--format", "csv"], 0).await;
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert_eq!(csv.lines().next(), Some(KEYS.join(",").as_str()));
    assert_eq!(csv.lines().count(), all.len() + 1);
    books.run(&["audit", "--record", "sage:1"], 2).await;
}
