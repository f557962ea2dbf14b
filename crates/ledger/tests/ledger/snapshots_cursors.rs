//! Snapshots, cursors and quarantine.

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{CursorKey, LedgerError, NewQuarantine, NewSnapshot};
use serde_json::json;
use sqlx::SqlitePool;

use crate::helpers::{invoice, ledger};

fn snapshot(memo: &str, sync_token: &str) -> NewSnapshot {
    NewSnapshot {
        base: json!({"memo": memo, "lines": [{"quantity": "1.5", "unit_price": "10.0000"}]}),
        servicetitan_version: Some("2026-11-01T10:00:00.123Z".into()),
        target_version: Some(sync_token.into()),
        totals: None,
        target_total: None,
        target_tax: None,
        document_date: None,
        run: None,
    }
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_snapshot_belongs_to_a_link_and_is_replaced_in_place(pool: SqlitePool) {
    let ledger = ledger(pool);
    let orphan = ledger
        .snapshots()
        .save(&invoice("1"), &snapshot("a", "0"))
        .await;
    assert!(
        matches!(orphan, Err(LedgerError::MissingReference { .. })),
        "{orphan:?}"
    );

    ledger.links().insert(&invoice("1"), "qbo-1").await.unwrap();
    ledger
        .snapshots()
        .save(&invoice("1"), &snapshot("a", "0"))
        .await
        .unwrap();
    ledger
        .snapshots()
        .save(&invoice("1"), &snapshot("b", "1"))
        .await
        .unwrap();
    let stored = ledger
        .snapshots()
        .get(&invoice("1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.base["memo"], "b");
    assert_eq!(
        stored.base["lines"][0]["unit_price"], "10.0000",
        "decimal text kept exactly"
    );
    assert_eq!(stored.target_version.as_deref(), Some("1"));
    assert_eq!(stored.key, invoice("1"));
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn cursors_are_per_tenant_system_and_feed(pool: SqlitePool) {
    let ledger = ledger(pool);
    let invoices = CursorKey::new("t1", System::ServiceTitan, "export/invoices");
    let payments = CursorKey::new("t1", System::ServiceTitan, "export/payments");
    let other_tenant = CursorKey::new("t2", System::ServiceTitan, "export/invoices");
    let mut tx = ledger.begin().await.unwrap();
    tx.advance_cursor(&invoices, "a", None).await.unwrap();
    tx.advance_cursor(&payments, "b", None).await.unwrap();
    tx.advance_cursor(&other_tenant, "c", None).await.unwrap();
    tx.advance_cursor(&invoices, "a2", None).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        ledger
            .cursors()
            .get(&invoices)
            .await
            .unwrap()
            .unwrap()
            .value,
        "a2"
    );
    assert_eq!(ledger.cursors().list(Some("t1")).await.unwrap().len(), 2);
    assert_eq!(ledger.cursors().list(None).await.unwrap().len(), 3);
    assert!(ledger.cursors().reset(&invoices).await.unwrap());
    assert!(ledger.cursors().get(&invoices).await.unwrap().is_none());
    assert_eq!(
        ledger
            .cursors()
            .get(&payments)
            .await
            .unwrap()
            .unwrap()
            .value,
        "b"
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn unparsable_records_are_quarantined_then_released(pool: SqlitePool) {
    let ledger = ledger(pool);
    let raw = br#"{"id": 77, "total": "twelve"}"#.to_vec();
    let entry = ledger
        .quarantine()
        .add(&NewQuarantine {
            run: None,
            tenant: "t1".into(),
            system: System::ServiceTitan,
            entity: EntityKind::Invoice,
            remote_id: Some("77".into()),
            reason: "total: invalid decimal".into(),
            raw: raw.clone(),
        })
        .await
        .unwrap();
    assert_eq!(
        ledger
            .quarantine()
            .get(entry.id)
            .await
            .unwrap()
            .unwrap()
            .raw,
        raw
    );
    assert!(
        !serde_json::to_string(&entry).unwrap().contains("twelve"),
        "raw payload is not serialized"
    );
    assert_eq!(
        ledger
            .quarantine()
            .list(Some("t1"), false)
            .await
            .unwrap()
            .len(),
        1
    );
    let released = ledger.quarantine().release(entry.id).await.unwrap();
    assert!(released.released_at.is_some());
    assert!(
        ledger
            .quarantine()
            .list(Some("t1"), false)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(ledger.quarantine().list(None, true).await.unwrap().len(), 1);
    assert!(matches!(
        ledger.quarantine().release(entry.id).await,
        Err(LedgerError::IllegalTransition { .. })
    ));
}
