//! `conflicts list|show|resolve|dismiss` through the real binary, on conflicts seeded into a
//! fresh ledger (a linked invoice with its base snapshot and one open conflict, and a customer
//! conflict), so each rule is checked on its own: the JSON of CONTRACTS.md, each form of
//! `resolve`, refusals that record nothing (exit 2; exit 1 for a conflict no longer open),
//! `dismiss`, and who decided (refusals and `dismiss` in `conflicts_refusals.rs`). `sync` and its exit code 3 are in `sync_conflicts.rs`; a
//! conflict from a real two-way sync in `conflicts_apply.rs` and the demo test.

use std::path::{Path, PathBuf};

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{
    ConflictField, ConflictId, EventFilter, Ledger, LedgerLocation, LedgerOptions, NewConflict,
    NewSnapshot, RecordKey,
};
use serde_json::{Value, json};

use crate::helpers::{ledgerbridge, run, stdout_json};

const TENANT: &str = "1017823";
const COMPANY: &str = "9130355";

fn usd(amount: &str) -> Value {
    json!({"amount": amount, "currency": "USD"})
}

/// The invoice both sides last agreed on: 2 x 45.00, no tax.
fn base_invoice() -> Value {
    json!({
        "number": "5001", "customer": "st:10", "invoice_date": "2026-01-10",
        "due_date": "2026-02-09", "status": "posted", "currency": "USD",
        "lines": [{
            "key": "st:4521", "item": "SKU-1", "description": "Drain cleaning",
            "quantity": "2", "unit_price": "45", "amount": usd("90.00"),
            "gl_account": "4000", "taxable": false, "tax_code": null
        }],
        "tax_lines": [], "subtotal": usd("90.00"), "tax": usd("0.00"), "total": usd("90.00"),
        "balance": usd("90.00"), "memo": "Gate code on file", "business_unit": null
    })
}

pub(crate) fn field(path: &str, base: Value, st: Value, acct: Value) -> ConflictField {
    ConflictField {
        path: path.into(),
        base,
        servicetitan: st,
        accounting: acct,
    }
}

/// The technician billed 3 hours, the accountant 4; both changed the memo.
fn invoice_fields() -> Vec<ConflictField> {
    vec![
        field(
            "invoice.memo",
            json!("Gate code on file"),
            json!("Gate code 4521"),
            json!("Net 30"),
        ),
        field(
            "invoice.subtotal",
            usd("90.00"),
            usd("135.00"),
            usd("180.00"),
        ),
        field("invoice.total", usd("90.00"), usd("135.00"), usd("180.00")),
        field(
            "lines[st:4521].amount",
            usd("90.00"),
            usd("135.00"),
            usd("180.00"),
        ),
        field(
            "lines[st:4521].quantity",
            json!("2"),
            json!("3"),
            json!("4"),
        ),
    ]
}

pub(crate) struct Seeded {
    _dir: tempfile::TempDir,
    pub(crate) books: PathBuf,
    pub(crate) invoice: ConflictId,
    pub(crate) customer: ConflictId,
}

pub(crate) async fn open(books: &Path) -> Ledger {
    Ledger::open(
        LedgerLocation::File(books.join("ledgerbridge.db")),
        LedgerOptions::default(),
    )
    .await
    .unwrap()
}

/// A fresh `init` ledger with a linked invoice (its base snapshot and one open conflict) and a
/// customer conflict without a snapshot.
pub(crate) async fn seeded() -> Seeded {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    tokio::task::spawn_blocking(move || {
        run(ledgerbridge(&root).args(["init", "--dir", "books"]), 0);
    })
    .await
    .unwrap();
    let books = dir.path().join("books");
    let ledger = open(&books).await;
    let key = RecordKey::new(
        TENANT,
        EntityKind::Invoice,
        "5001",
        System::QuickBooks,
        COMPANY,
    );
    ledger.links().insert(&key, "130").await.unwrap();
    let snapshot = NewSnapshot {
        base: base_invoice(),
        servicetitan_version: None,
        target_version: None,
        totals: None,
        target_total: None,
        target_tax: None,
        document_date: None,
        run: None,
    };
    ledger.snapshots().save(&key, &snapshot).await.unwrap();
    let invoice = ledger
        .conflicts()
        .raise(&NewConflict {
            key,
            target_id: "130".into(),
            run: None,
            fields: invoice_fields(),
        })
        .await
        .unwrap()
        .id;
    let customer_key = RecordKey::new(
        TENANT,
        EntityKind::Customer,
        "10",
        System::QuickBooks,
        COMPANY,
    );
    let customer = ledger
        .conflicts()
        .raise(&NewConflict {
            key: customer_key,
            target_id: "58".into(),
            run: None,
            fields: vec![field(
                "customer.email",
                json!("a@example.com"),
                json!("b@example.com"),
                json!("c@example.com"),
            )],
        })
        .await
        .unwrap()
        .id;
    ledger.close().await;
    Seeded {
        _dir: dir,
        books,
        invoice,
        customer,
    }
}

/// Runs the binary in `books` off the async runtime.
pub(crate) async fn cli(books: &Path, args: &[&str], expected: i32) -> std::process::Output {
    let books = books.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    tokio::task::spawn_blocking(move || {
        run(
            ledgerbridge(&books)
                .args(&args)
                .env("USER", "os-user")
                .env_remove("LOGNAME"),
            expected,
        )
    })
    .await
    .unwrap()
}

pub(crate) async fn show(books: &Path, id: ConflictId) -> Value {
    stdout_json(
        &cli(
            books,
            &["conflicts", "show", &id.to_string(), "--format", "json"],
            0,
        )
        .await,
    )
}

pub(crate) fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub(crate) async fn events(books: &Path, kind: &str) -> Vec<ledgerbridge_ledger::Event> {
    let ledger = open(books).await;
    let filter = EventFilter {
        kind: Some(kind.into()),
        ..EventFilter::default()
    };
    let events = ledger.events().list(&filter).await.unwrap();
    ledger.close().await;
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_and_show_print_the_contract_json_and_filter_by_status_and_tenant() {
    let s = seeded().await;
    let list = stdout_json(&cli(&s.books, &["conflicts", "list", "--format", "json"], 0).await);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let first = list[0].as_object().unwrap();
    let mut keys: Vec<&str> = first.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "detected_at",
            "entity",
            "fields",
            "id",
            "servicetitan_id",
            "status",
            "target",
            "target_id",
            "tenant"
        ]
    );
    assert_eq!(first["id"], json!(s.invoice.0));
    assert_eq!(first["status"], "open");
    assert_eq!(first["entity"], "invoice");
    assert_eq!(first["target"], "quickbooks");
    assert_eq!(first["target_id"], "130");
    assert_eq!(
        first["fields"][4],
        json!({"path": "lines[st:4521].quantity", "base": "2", "servicetitan": "3", "accounting": "4"})
    );

    let none = cli(
        &s.books,
        &[
            "conflicts",
            "list",
            "--status",
            "resolved",
            "--format",
            "json",
        ],
        0,
    );
    assert_eq!(stdout_json(&none.await), json!([]));
    let other = cli(
        &s.books,
        &["conflicts", "list", "--tenant", "42", "--format", "json"],
        0,
    );
    assert_eq!(stdout_json(&other.await), json!([]));

    let detail = show(&s.books, s.invoice).await;
    assert_eq!(detail["resolution"], Value::Null);
    assert_eq!(detail["fields"].as_array().unwrap().len(), 5);
    let table = cli(&s.books, &["conflicts", "show", &s.invoice.to_string()], 0).await;
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("lines[st:4521].quantity"), "{table}");
    assert!(
        table.contains("135.00 USD"),
        "money shown as amount and currency: {table}"
    );
    let missing = cli(&s.books, &["conflicts", "show", "999"], 1).await;
    assert!(
        stderr(&missing).contains("no conflict 999"),
        "{}",
        stderr(&missing)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn take_a_side_records_the_choice_who_and_the_note_in_the_audit_log() {
    let s = seeded().await;
    let id = s.invoice.to_string();
    let args = [
        "conflicts",
        "resolve",
        &id,
        "--take",
        "accounting",
        "--by",
        "alice",
    ];
    let out = cli(
        &s.books,
        &[&args[..], &["--note", "the books are right"]].concat(),
        0,
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("resolved by alice"), "{stdout}");
    assert!(stdout.contains("next sync"), "{stdout}");

    let detail = show(&s.books, s.invoice).await;
    assert_eq!(detail["status"], "resolved");
    assert_eq!(detail["resolved_by"], "alice");
    assert_eq!(detail["note"], "the books are right");
    assert_eq!(
        detail["applied_at"],
        Value::Null,
        "no sync has applied it yet"
    );
    let expected: serde_json::Map<String, Value> = invoice_fields()
        .into_iter()
        .map(|f| (f.path, json!("accounting")))
        .collect();
    assert_eq!(detail["resolution"], Value::Object(expected));

    let audit = events(&s.books, "conflict.resolved").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].detail["by"], "alice");
    assert_eq!(audit[0].detail["conflict"], json!(s.invoice.0));

    // Settled once: a second decision is refused (exit 1), nothing changes.
    let again = cli(
        &s.books,
        &["conflicts", "resolve", &id, "--take", "servicetitan"],
        1,
    )
    .await;
    assert!(
        stderr(&again).contains("already resolved"),
        "{}",
        stderr(&again)
    );
    assert_eq!(show(&s.books, s.invoice).await["resolved_by"], "alice");
    assert_eq!(events(&s.books, "conflict.resolved").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_field_by_side_or_by_typed_value_and_the_os_user_is_who() {
    let s = seeded().await;
    // Every field named, by side.
    let id = s.invoice.to_string();
    let mut args = vec!["conflicts", "resolve", id.as_str()];
    let fields = [
        "--field=invoice.memo=accounting",
        "--field=invoice.subtotal=servicetitan",
        "--field=invoice.total=servicetitan",
        "--field=lines[st:4521].amount=servicetitan",
        "--field=lines[st:4521].quantity=servicetitan",
    ];
    args.extend(fields);
    cli(&s.books, &args, 0).await;
    let detail = show(&s.books, s.invoice).await;
    assert_eq!(detail["resolution"]["invoice.memo"], "accounting");
    assert_eq!(
        detail["resolution"]["lines[st:4521].quantity"],
        "servicetitan"
    );
    assert_eq!(
        detail["resolved_by"], "os-user",
        "$USER when --by is not given"
    );

    // Typed values, read by each field's kind, over a side for the rest.
    let s = seeded().await;
    let id = s.invoice.to_string();
    let args = [
        "conflicts",
        "resolve",
        &id,
        "--take",
        "servicetitan",
        "--field",
        "invoice.memo=Call before arriving",
        "--field",
        "lines[st:4521].quantity=3.000",
    ];
    cli(&s.books, &args, 0).await;
    let resolution = show(&s.books, s.invoice).await["resolution"].clone();
    assert_eq!(
        resolution["invoice.memo"],
        json!({"value": "Call before arriving"})
    );
    assert_eq!(resolution["lines[st:4521].quantity"], json!({"value": "3"}));
    assert_eq!(resolution["invoice.total"], "servicetitan");
}
