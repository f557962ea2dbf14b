//! Conflicts: one open per record, one-way review, audited without values.

use ledgerbridge_ledger::{
    ConflictField, ConflictFilter, ConflictStatus, EventFilter, LedgerError, NewConflict,
    Resolution,
};
use serde_json::json;
use sqlx::SqlitePool;

use crate::helpers::{invoice, ledger};

fn memo_conflict(st_id: &str, accounting: &str) -> NewConflict {
    NewConflict {
        key: invoice(st_id),
        target_id: format!("qbo-{st_id}"),
        run: None,
        fields: vec![ConflictField {
            path: "invoice.memo".into(),
            base: json!("Call before arrival"),
            servicetitan: json!("Gate code 1234"),
            accounting: json!(accounting),
        }],
    }
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_record_has_at_most_one_open_conflict(pool: SqlitePool) {
    let ledger = ledger(pool);
    let first = ledger
        .conflicts()
        .raise(&memo_conflict("1", "Paid by check"))
        .await
        .unwrap();
    let again = ledger
        .conflicts()
        .raise(&memo_conflict("1", "Paid by card"))
        .await
        .unwrap();
    assert_eq!(
        first.id, again.id,
        "re-detection refreshes the open conflict"
    );
    assert_eq!(again.fields[0].accounting, json!("Paid by card"));
    assert_eq!(again.detected_at, first.detected_at);
    ledger
        .conflicts()
        .raise(&memo_conflict("2", "x"))
        .await
        .unwrap();
    assert_eq!(ledger.conflicts().count_open(Some("t1")).await.unwrap(), 2);

    // Once settled, a new disagreement is a new conflict.
    ledger
        .conflicts()
        .dismiss(first.id, "ana", None)
        .await
        .unwrap();
    let newer = ledger
        .conflicts()
        .raise(&memo_conflict("1", "y"))
        .await
        .unwrap();
    assert_ne!(newer.id, first.id);
    let open = ConflictFilter {
        status: Some(ConflictStatus::Open),
        ..Default::default()
    };
    assert_eq!(ledger.conflicts().list(&open).await.unwrap().len(), 2);
    assert_eq!(
        ledger
            .conflicts()
            .open_for(&invoice("1"))
            .await
            .unwrap()
            .unwrap()
            .id,
        newer.id
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn resolving_is_one_way_and_audited_without_values(pool: SqlitePool) {
    let ledger = ledger(pool);
    let conflict = ledger
        .conflicts()
        .raise(&memo_conflict("1", "Paid by check"))
        .await
        .unwrap();
    let resolution = Resolution {
        choice: json!({"invoice.memo": "servicetitan"}),
        by: "ana".into(),
        note: Some("technician's note wins".into()),
    };
    let resolved = ledger
        .conflicts()
        .resolve(conflict.id, &resolution)
        .await
        .unwrap();
    assert_eq!(resolved.status, ConflictStatus::Resolved);
    assert_eq!(
        resolved.resolution,
        Some(json!({"invoice.memo": "servicetitan"}))
    );
    assert_eq!(resolved.resolved_by.as_deref(), Some("ana"));
    assert!(resolved.resolved_at.is_some());

    let twice = ledger.conflicts().dismiss(conflict.id, "bob", None).await;
    match twice {
        Err(LedgerError::IllegalTransition { from, to, .. }) => {
            assert_eq!((from.as_str(), to.as_str()), ("resolved", "dismissed"))
        }
        other => panic!("expected IllegalTransition, got {other:?}"),
    }
    let missing = ledger
        .conflicts()
        .resolve(ledgerbridge_ledger::ConflictId(999), &resolution)
        .await;
    assert!(
        matches!(missing, Err(LedgerError::NotFound { .. })),
        "{missing:?}"
    );

    let events = ledger
        .events()
        .list(&EventFilter {
            kind: Some("conflict.resolved".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail["paths"], json!(["invoice.memo"]));
    let text = events[0].detail.to_string();
    assert!(
        !text.contains("Gate code") && !text.contains("Paid by"),
        "values leaked: {text}"
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn conflicts_serialize_with_the_contract_keys(pool: SqlitePool) {
    let ledger = ledger(pool);
    let conflict = ledger
        .conflicts()
        .raise(&memo_conflict("4521", "x"))
        .await
        .unwrap();
    let value = serde_json::to_value(&conflict).unwrap();
    for key in [
        "id",
        "status",
        "entity",
        "tenant",
        "servicetitan_id",
        "target",
        "target_id",
        "detected_at",
        "fields",
    ] {
        assert!(value.get(key).is_some(), "missing {key} in {value}");
    }
    assert_eq!(value["status"], "open");
    assert_eq!(value["target"], "quickbooks");
    assert_eq!(value["entity"], "invoice");
    let field = &value["fields"][0];
    assert_eq!(field["path"], "invoice.memo");
    assert!(
        field.get("base").is_some()
            && field.get("servicetitan").is_some()
            && field.get("accounting").is_some()
    );
    assert_eq!(conflict.key(), invoice("4521"));
    let empty = NewConflict {
        fields: vec![],
        ..memo_conflict("9", "x")
    };
    assert!(matches!(
        ledger.conflicts().raise(&empty).await,
        Err(LedgerError::Invalid { .. })
    ));
}
