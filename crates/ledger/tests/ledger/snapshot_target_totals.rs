//! The books' own total and tax beside ServiceTitan's in a snapshot (migration 0007).

use ledgerbridge_core::{Currency, EntityKind, Money};
use ledgerbridge_ledger::{LedgerError, NewSnapshot, SnapshotTotals};
use sqlx::SqlitePool;

use crate::helpers::{invoice, ledger};

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

/// ServiceTitan's 100.00 + 8.25 tax, which the books recalculated to 8.26.
fn recalculated() -> NewSnapshot {
    NewSnapshot {
        base: serde_json::json!({}),
        servicetitan_version: None,
        target_version: Some("3".to_owned()),
        totals: Some(SnapshotTotals {
            total: usd("108.25"),
            tax: usd("8.25"),
            balance: usd("108.25"),
        }),
        target_total: Some(usd("108.26")),
        target_tax: Some(usd("8.26")),
        document_date: Some("2026-11-02".parse().unwrap()),
        run: None,
    }
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn the_books_figures_are_kept_in_minor_units_and_read_back(pool: SqlitePool) {
    let ledger = ledger(pool.clone());
    let key = invoice("1");
    ledger.links().insert(&key, "qbo-1").await.unwrap();
    ledger
        .snapshots()
        .save(&key, &recalculated())
        .await
        .unwrap();

    let got = ledger.snapshots().get(&key).await.unwrap().expect("saved");
    assert_eq!(
        (got.target_total, got.target_tax),
        (Some(usd("108.26")), Some(usd("8.26")))
    );
    assert_eq!(
        got.totals.unwrap().tax,
        usd("8.25"),
        "ServiceTitan's own tax"
    );
    let listed = ledger
        .snapshots()
        .in_period("t1", EntityKind::Invoice, None, None)
        .await
        .unwrap();
    assert_eq!(listed[0].target_tax, Some(usd("8.26")));
    let (total, tax, kind): (i64, i64, String) = sqlx::query_as(
        "SELECT target_total_minor, target_tax_minor, typeof(target_tax_minor) FROM snapshots",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((total, tax, kind.as_str()), (10826, 826, "integer"));

    // A base saved without them (the books did not say) forgets the old ones.
    let unknown = NewSnapshot {
        target_total: None,
        target_tax: None,
        ..recalculated()
    };
    ledger.snapshots().save(&key, &unknown).await.unwrap();
    let got = ledger.snapshots().get(&key).await.unwrap().expect("saved");
    assert_eq!((got.target_total, got.target_tax), (None, None));
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn the_books_figures_need_the_totals_and_their_currency(pool: SqlitePool) {
    let ledger = ledger(pool.clone());
    let key = invoice("1");
    ledger.links().insert(&key, "qbo-1").await.unwrap();
    let without_totals = NewSnapshot {
        totals: None,
        ..recalculated()
    };
    let cad = Money::parse("8.26", Currency::new("CAD").unwrap()).unwrap();
    let other_currency = NewSnapshot {
        target_tax: Some(cad),
        ..recalculated()
    };
    for refused in [without_totals, other_currency] {
        let result = ledger.snapshots().save(&key, &refused).await;
        assert!(
            matches!(result, Err(LedgerError::Invalid { .. })),
            "{result:?}"
        );
    }
    ledger
        .snapshots()
        .save(&key, &recalculated())
        .await
        .unwrap();
    let refused = sqlx::query(
        "UPDATE snapshots SET currency = NULL, total_minor = NULL, tax_minor = NULL, \
         balance_minor = NULL",
    )
    .execute(&pool)
    .await;
    assert!(
        refused.is_err(),
        "the schema refuses books figures without a currency"
    );
}
