//! `conflicts resolve` refusals (exit 2 for a wrong decision, exit 1 for a conflict no longer
//! open), each recording nothing, and `dismiss`, on the conflicts `conflicts.rs` seeds.

use ledgerbridge_ledger::NewConflict;
use serde_json::{Value, json};

use crate::conflicts::{cli, events, field, open, seeded, show, stderr};
use crate::helpers::stdout_json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_decisions_are_refused_with_exit_2_and_nothing_is_recorded() {
    let s = seeded().await;
    let id = s.invoice.to_string();
    let cases: [(&[&str], &str); 6] = [
        (
            &[
                "--field",
                "invoice.due_date=2026-03-01",
                "--take",
                "accounting",
            ],
            "invoice.due_date is not a field of this conflict",
        ),
        (
            &["--take", "accounting", "--field", "invoice.total=ninety"],
            "not an amount in USD",
        ),
        (
            &["--take", "accounting", "--field", "invoice.total=12.345"],
            "not an amount in USD",
        ),
        (
            &[
                "--take",
                "servicetitan",
                "--field",
                "lines[st:4521].quantity=accounting",
            ],
            "would not add up",
        ),
        (&["--field", "invoice.memo=accounting"], "has no choice"),
        (&["--field", "invoice.memo"], "expected PATH=servicetitan"),
    ];
    for (flags, message) in cases {
        let args = [&["conflicts", "resolve", id.as_str()][..], flags].concat();
        let out = cli(&s.books, &args, 2).await;
        assert!(
            stderr(&out).contains(message),
            "{flags:?}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("nothing was recorded"),
            "{}",
            stderr(&out)
        );
    }
    cli(&s.books, &["conflicts", "resolve", &id], 2).await;
    let detail = show(&s.books, s.invoice).await;
    assert_eq!(detail["status"], "open");
    assert_eq!(detail["resolution"], Value::Null);
    assert!(events(&s.books, "conflict.resolved").await.is_empty());
}

/// Issue #5: a description longer than QuickBooks takes was recorded, written to ServiceTitan
/// by the next sync and refused by QuickBooks. Now it is refused before it is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_longer_than_the_books_take_is_refused_with_the_limit_and_nothing_is_recorded() {
    let s = seeded().await;
    let ledger = open(&s.books).await;
    let key = ledger
        .conflicts()
        .get(s.invoice)
        .await
        .unwrap()
        .unwrap()
        .key();
    ledger
        .conflicts()
        .dismiss(s.invoice, "test", None)
        .await
        .unwrap();
    let conflict = ledger
        .conflicts()
        .raise(&NewConflict {
            key,
            target_id: "130".into(),
            run: None,
            fields: vec![field(
                "lines[st:4521].description",
                json!("Drain cleaning"),
                json!("Drain cleaning, main line"),
                json!("Drain cleaning (2 h)"),
            )],
        })
        .await
        .unwrap()
        .id;
    ledger.close().await;
    let id = conflict.to_string();

    let huge = format!("lines[st:4521].description={}", "x".repeat(100_000));
    let out = cli(
        &s.books,
        &["conflicts", "resolve", &id, "--field", &huge],
        2,
    )
    .await;
    let text = stderr(&out);
    assert!(
        text.contains(
            "lines[st:4521].description is 100000 characters; QuickBooks allows at most 4000 \
             (Line.Description)"
        ),
        "{text}"
    );
    assert!(text.contains("nothing was recorded"), "{text}");
    let detail = show(&s.books, conflict).await;
    assert_eq!(detail["status"], "open");
    assert_eq!(detail["resolution"], Value::Null);
    assert!(events(&s.books, "conflict.resolved").await.is_empty());

    // At the limit it is taken.
    let fits = format!("lines[st:4521].description={}", "x".repeat(4000));
    cli(
        &s.books,
        &["conflicts", "resolve", &id, "--field", &fits],
        0,
    )
    .await;
    assert_eq!(show(&s.books, conflict).await["status"], "resolved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismiss_closes_without_a_choice_and_is_final() {
    let s = seeded().await;
    let id = s.customer.to_string();
    let out = cli(
        &s.books,
        &["conflicts", "dismiss", &id, "--by", "bob", "--note", "dupe"],
        0,
    )
    .await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("dismissed by bob"));
    let detail = show(&s.books, s.customer).await;
    assert_eq!(detail["status"], "dismissed");
    assert_eq!(detail["resolved_by"], "bob");
    assert_eq!(detail["resolution"], Value::Null);
    assert_eq!(events(&s.books, "conflict.dismissed").await.len(), 1);

    let again = cli(&s.books, &["conflicts", "dismiss", &id], 1).await;
    assert!(
        stderr(&again).contains("already dismissed"),
        "{}",
        stderr(&again)
    );
    let resolve = cli(
        &s.books,
        &["conflicts", "resolve", &id, "--take", "accounting"],
        1,
    )
    .await;
    assert!(
        stderr(&resolve).contains("already dismissed"),
        "{}",
        stderr(&resolve)
    );

    let open = cli(&s.books, &["conflicts", "list", "--format", "json"], 0).await;
    assert_eq!(
        stdout_json(&open).as_array().unwrap().len(),
        1,
        "only the invoice is open"
    );
    let all = cli(
        &s.books,
        &["conflicts", "list", "--status", "all", "--format", "json"],
        0,
    );
    assert_eq!(stdout_json(&all.await).as_array().unwrap().len(), 2);
}
