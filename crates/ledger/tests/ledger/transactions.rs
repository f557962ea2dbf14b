//! Caller-held transactions: all or nothing, and cursors move only with their data.

use ledgerbridge_core::System;
use ledgerbridge_ledger::{
    CursorKey, Ledger, LedgerError, LedgerLocation, LedgerOptions, LineLink, NewSnapshot,
};
use sqlx::SqlitePool;

use crate::helpers::{invoice, ledger};

fn snapshot() -> NewSnapshot {
    NewSnapshot {
        base: serde_json::json!({"number": "4521"}),
        servicetitan_version: Some("2026-11-01T10:00:00Z".into()),
        target_version: Some("3".into()),
        totals: None,
        target_total: None,
        target_tax: None,
        document_date: None,
        run: None,
    }
}

fn feed() -> CursorKey {
    CursorKey::new("t1", System::ServiceTitan, "export/invoices")
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_dropped_transaction_leaves_nothing(pool: SqlitePool) {
    let ledger = ledger(pool);
    {
        let mut tx = ledger.begin().await.unwrap();
        let run = tx.runs().start(false).await.unwrap();
        tx.links().insert(&invoice("4521"), "qbo-1").await.unwrap();
        tx.links()
            .set_lines(&invoice("4521"), &[LineLink::new("st-1", "1")])
            .await
            .unwrap();
        tx.snapshots()
            .save(&invoice("4521"), &snapshot())
            .await
            .unwrap();
        tx.advance_cursor(&feed(), "token-2", Some(run.id))
            .await
            .unwrap();
        // Inside the transaction everything is visible...
        assert!(tx.links().get(&invoice("4521")).await.unwrap().is_some());
        assert_eq!(
            tx.cursors().get(&feed()).await.unwrap().unwrap().value,
            "token-2"
        );
        // ...and dropped here without a commit.
    }
    assert!(
        ledger
            .links()
            .get(&invoice("4521"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        ledger
            .links()
            .lines(&invoice("4521"))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        ledger
            .snapshots()
            .get(&invoice("4521"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(ledger.cursors().get(&feed()).await.unwrap().is_none());
    assert!(ledger.runs().list(10).await.unwrap().is_empty());
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_committed_transaction_stores_data_and_cursor_together(pool: SqlitePool) {
    let ledger = ledger(pool);
    let mut tx = ledger.begin().await.unwrap();
    tx.links().insert(&invoice("4521"), "qbo-1").await.unwrap();
    tx.advance_cursor(&feed(), "token-2", None).await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        ledger
            .links()
            .get(&invoice("4521"))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        ledger.cursors().get(&feed()).await.unwrap().unwrap().value,
        "token-2"
    );
}

#[derive(Debug, thiserror::Error)]
enum PageError {
    #[error("the page could not be stored")]
    Ledger(#[from] LedgerError),
    #[error("connector refused the page")]
    Refused,
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn the_closure_form_commits_on_ok_and_rolls_back_on_err(pool: SqlitePool) {
    let ledger = ledger(pool);
    let failed: Result<(), PageError> = ledger
        .transaction(async |tx| {
            tx.links().insert(&invoice("1"), "qbo-1").await?;
            tx.advance_cursor(&feed(), "token-1", None).await?;
            Err(PageError::Refused)
        })
        .await;
    assert!(matches!(failed, Err(PageError::Refused)));
    assert!(ledger.links().get(&invoice("1")).await.unwrap().is_none());
    assert!(ledger.cursors().get(&feed()).await.unwrap().is_none());

    let stored = ledger
        .transaction(async |tx| -> Result<i64, PageError> {
            let link = tx.links().insert(&invoice("1"), "qbo-1").await?;
            tx.advance_cursor(&feed(), "token-1", None).await?;
            Ok(link.id.0)
        })
        .await
        .unwrap();
    assert_eq!(
        ledger
            .links()
            .get(&invoice("1"))
            .await
            .unwrap()
            .unwrap()
            .id
            .0,
        stored
    );
    assert_eq!(
        ledger.cursors().get(&feed()).await.unwrap().unwrap().value,
        "token-1"
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_refused_call_inside_a_transaction_undoes_only_itself(pool: SqlitePool) {
    let ledger = ledger(pool);
    let mut tx = ledger.begin().await.unwrap();
    tx.links().insert(&invoice("1"), "qbo-1").await.unwrap();
    tx.links()
        .set_lines(&invoice("1"), &[LineLink::new("st-1", "1")])
        .await
        .unwrap();
    let dup = [LineLink::new("st-2", "2"), LineLink::new("st-2", "3")];
    assert!(tx.links().set_lines(&invoice("1"), &dup).await.is_err());
    tx.commit().await.unwrap();
    assert_eq!(
        ledger.links().lines(&invoice("1")).await.unwrap(),
        [LineLink::new("st-1", "1")]
    );
}

#[tokio::test]
async fn other_connections_see_nothing_until_commit() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(
        LedgerLocation::File(dir.path().join("ledger.db")),
        LedgerOptions::default(),
    )
    .await
    .unwrap();
    let mut tx = ledger.begin().await.unwrap();
    tx.links().insert(&invoice("1"), "qbo-1").await.unwrap();
    tx.advance_cursor(&feed(), "token-1", None).await.unwrap();
    // A reader (the web UI) on another connection is not blocked and sees the old state.
    assert!(ledger.links().get(&invoice("1")).await.unwrap().is_none());
    assert!(ledger.cursors().get(&feed()).await.unwrap().is_none());
    tx.commit().await.unwrap();
    assert!(ledger.links().get(&invoice("1")).await.unwrap().is_some());
    assert!(ledger.cursors().get(&feed()).await.unwrap().is_some());
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn ledger_work_can_run_on_spawned_tasks(pool: SqlitePool) {
    // The reconciler runs tenants on `tokio::spawn`ed tasks: repository calls and the closure
    // form of a transaction must produce `Send` futures.
    let ledger = ledger(pool);
    let spawned = ledger.clone();
    let link = tokio::spawn(async move {
        spawned
            .transaction(async |tx| -> Result<_, LedgerError> {
                let link = tx.links().insert(&invoice("1"), "qbo-1").await?;
                tx.advance_cursor(&feed(), "token-1", None).await?;
                Ok(link)
            })
            .await
    })
    .await
    .unwrap()
    .unwrap();
    let reader = ledger.clone();
    let read = tokio::spawn(async move { reader.links().get(&invoice("1")).await })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read, Some(link));
}
