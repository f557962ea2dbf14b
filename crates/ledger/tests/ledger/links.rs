//! Links: uniqueness both ways, for records and for lines.

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{LedgerError, LineLink, NewSnapshot, RecordKey};
use sqlx::SqlitePool;

use crate::helpers::{invoice, ledger};

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_servicetitan_record_links_to_one_accounting_record(pool: SqlitePool) {
    let ledger = ledger(pool);
    let link = ledger
        .links()
        .insert(&invoice("4521"), "qbo-1")
        .await
        .unwrap();
    assert_eq!(link.target_id, "qbo-1");
    let again = ledger.links().insert(&invoice("4521"), "qbo-2").await;
    assert!(
        matches!(again, Err(LedgerError::Duplicate { what: "link", .. })),
        "{again:?}"
    );
    assert_eq!(
        ledger
            .links()
            .get(&invoice("4521"))
            .await
            .unwrap()
            .unwrap()
            .target_id,
        "qbo-1"
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn an_accounting_record_is_the_twin_of_one_servicetitan_record(pool: SqlitePool) {
    let ledger = ledger(pool);
    ledger
        .links()
        .insert(&invoice("4521"), "qbo-1")
        .await
        .unwrap();
    let stolen = ledger.links().insert(&invoice("4522"), "qbo-1").await;
    assert!(
        matches!(stolen, Err(LedgerError::Duplicate { what: "link", .. })),
        "{stolen:?}"
    );
    // Even another tenant cannot claim the same accounting record.
    let other_tenant = RecordKey::new(
        "t2",
        EntityKind::Invoice,
        "9",
        System::QuickBooks,
        "realm-1",
    );
    let stolen = ledger.links().insert(&other_tenant, "qbo-1").await;
    assert!(
        matches!(stolen, Err(LedgerError::Duplicate { .. })),
        "{stolen:?}"
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn the_same_ids_may_repeat_across_entities_and_companies(pool: SqlitePool) {
    let ledger = ledger(pool);
    ledger.links().insert(&invoice("1"), "1").await.unwrap();
    let customer = RecordKey::new(
        "t1",
        EntityKind::Customer,
        "1",
        System::QuickBooks,
        "realm-1",
    );
    ledger.links().insert(&customer, "1").await.unwrap();
    let other_company = RecordKey::new(
        "t1",
        EntityKind::Invoice,
        "1",
        System::QuickBooks,
        "realm-2",
    );
    ledger.links().insert(&other_company, "1").await.unwrap();
    let found = ledger
        .links()
        .find_by_target(EntityKind::Customer, System::QuickBooks, "realm-1", "1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.key, customer);
    assert_eq!(
        ledger
            .links()
            .list("t1", Some(EntityKind::Invoice))
            .await
            .unwrap()
            .len(),
        2
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_servicetitan_target_is_refused(pool: SqlitePool) {
    let ledger = ledger(pool);
    let key = RecordKey::new("t1", EntityKind::Invoice, "1", System::ServiceTitan, "t1");
    let refused = ledger.links().insert(&key, "x").await;
    assert!(
        matches!(refused, Err(LedgerError::Invalid { .. })),
        "{refused:?}"
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn line_ids_are_unique_both_ways_and_replaced_atomically(pool: SqlitePool) {
    let ledger = ledger(pool);
    let key = invoice("4521");
    ledger.links().insert(&key, "qbo-1").await.unwrap();
    let lines = [LineLink::new("st-1", "1"), LineLink::new("st-2", "2")];
    ledger.links().set_lines(&key, &lines).await.unwrap();

    let same_item_twice = [LineLink::new("st-3", "3"), LineLink::new("st-3", "4")];
    let refused = ledger.links().set_lines(&key, &same_item_twice).await;
    assert!(
        matches!(
            refused,
            Err(LedgerError::Duplicate {
                what: "line link",
                ..
            })
        ),
        "{refused:?}"
    );

    let same_target_twice = [LineLink::new("st-3", "3"), LineLink::new("st-4", "3")];
    let refused = ledger.links().set_lines(&key, &same_target_twice).await;
    assert!(
        matches!(
            refused,
            Err(LedgerError::Duplicate {
                what: "line link",
                ..
            })
        ),
        "{refused:?}"
    );

    // Both refusals rolled back their deletes and inserts: the old lines are intact.
    assert_eq!(ledger.links().lines(&key).await.unwrap(), lines);

    let unlinked = ledger.links().set_lines(&invoice("nope"), &lines).await;
    assert!(
        matches!(unlinked, Err(LedgerError::NotFound { .. })),
        "{unlinked:?}"
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn removing_a_link_removes_its_lines_and_snapshot(pool: SqlitePool) {
    let ledger = ledger(pool.clone());
    let key = invoice("4521");
    ledger.links().insert(&key, "qbo-1").await.unwrap();
    ledger
        .links()
        .set_lines(&key, &[LineLink::new("st-1", "1")])
        .await
        .unwrap();
    let snapshot = NewSnapshot {
        base: serde_json::json!({"number": "4521"}),
        servicetitan_version: None,
        target_version: Some("0".into()),
        totals: None,
        target_total: None,
        target_tax: None,
        document_date: None,
        run: None,
    };
    ledger.snapshots().save(&key, &snapshot).await.unwrap();
    assert!(ledger.links().remove(&key).await.unwrap());
    assert!(!ledger.links().remove(&key).await.unwrap());
    assert!(ledger.snapshots().get(&key).await.unwrap().is_none());
    let lines: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM link_lines")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(lines, 0);
    // The accounting record is free again.
    ledger
        .links()
        .insert(&invoice("4522"), "qbo-1")
        .await
        .unwrap();
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_record_is_found_by_one_of_its_line_target_ids(pool: SqlitePool) {
    let ledger = ledger(pool);
    let key = RecordKey::new("t1", EntityKind::Payment, "77", System::Xero, "org-1");
    ledger.links().insert(&key, "pay-a").await.unwrap();
    let lines = [
        LineLink::new("st:1", "pay-a"),
        LineLink::new("st:2", "pay-b"),
    ];
    ledger.links().set_lines(&key, &lines).await.unwrap();
    let find = async |entity, company: &str, id: &str| {
        ledger
            .links()
            .find_by_target_line(entity, System::Xero, company, id)
            .await
            .unwrap()
            .map(|l| l.key.servicetitan_id)
    };
    assert_eq!(
        find(EntityKind::Payment, "org-1", "pay-b").await.as_deref(),
        Some("77")
    );
    assert_eq!(find(EntityKind::Payment, "org-2", "pay-b").await, None);
    assert_eq!(find(EntityKind::Invoice, "org-1", "pay-b").await, None);
    assert_eq!(find(EntityKind::Payment, "org-1", "pay-c").await, None);
}
