//! Money in SQLite: integer minor units, exact sums.

use std::sync::atomic::{AtomicU64, Ordering};

use ledgerbridge_core::{Currency, EntityKind, Money, System};
use ledgerbridge_ledger::{
    Ledger, LedgerError, LedgerLocation, LedgerOptions, NewSnapshot, RecordKey, SnapshotTotals,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use sqlx::SqlitePool;

use crate::helpers::{invoice, ledger};

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

fn with_total(total: Money, date: &str) -> NewSnapshot {
    NewSnapshot {
        base: serde_json::json!({}),
        servicetitan_version: None,
        target_version: None,
        totals: Some(SnapshotTotals {
            total,
            tax: Money::zero(total.currency()),
            balance: total,
        }),
        target_total: None,
        target_tax: None,
        document_date: Some(date.parse().unwrap()),
        run: None,
    }
}

async fn store(ledger: &Ledger, key: &RecordKey, total: Money, date: &str) {
    ledger
        .links()
        .insert(key, &format!("qbo-{}", key.servicetitan_id))
        .await
        .unwrap();
    ledger
        .snapshots()
        .save(key, &with_total(total, date))
        .await
        .unwrap();
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn ten_cents_plus_twenty_cents_is_thirty_cents_in_sql(pool: SqlitePool) {
    let ledger = ledger(pool.clone());
    store(&ledger, &invoice("1"), usd("0.10"), "2026-11-01").await;
    store(&ledger, &invoice("2"), usd("0.20"), "2026-11-02").await;
    let totals = ledger
        .snapshots()
        .totals("t1", EntityKind::Invoice, None, None)
        .await
        .unwrap();
    assert_eq!(totals.len(), 1);
    assert_eq!(totals[0].count, 2);
    assert_eq!(totals[0].total, usd("0.30"));
    assert_eq!(totals[0].total.amount().to_string(), "0.30");
    let (sum, kind): (i64, String) =
        sqlx::query_as("SELECT SUM(total_minor), typeof(SUM(total_minor)) FROM snapshots")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        (sum, kind.as_str()),
        (30, "integer"),
        "stored as integer cents, summed as integers"
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn totals_are_per_currency_and_period(pool: SqlitePool) {
    let ledger = ledger(pool);
    let eur = Currency::new("EUR").unwrap();
    store(&ledger, &invoice("1"), usd("100.01"), "2026-10-31").await;
    store(&ledger, &invoice("2"), usd("0.99"), "2026-11-01").await;
    store(
        &ledger,
        &invoice("3"),
        Money::parse("5.00", eur).unwrap(),
        "2026-11-15",
    )
    .await;
    let november = ledger
        .snapshots()
        .totals(
            "t1",
            EntityKind::Invoice,
            Some("2026-11-01".parse().unwrap()),
            Some("2026-11-30".parse().unwrap()),
        )
        .await
        .unwrap();
    let sums: Vec<Money> = november.iter().map(|t| t.total).collect();
    assert_eq!(sums, [Money::parse("5.00", eur).unwrap(), usd("0.99")]);
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn amounts_of_mixed_currencies_are_refused(pool: SqlitePool) {
    let ledger = ledger(pool);
    ledger.links().insert(&invoice("1"), "qbo-1").await.unwrap();
    let mut snapshot = with_total(usd("1.00"), "2026-11-01");
    snapshot.totals = Some(SnapshotTotals {
        total: usd("1.00"),
        tax: Money::parse("0.10", Currency::new("CAD").unwrap()).unwrap(),
        balance: usd("1.00"),
    });
    let refused = ledger.snapshots().save(&invoice("1"), &snapshot).await;
    assert!(
        matches!(refused, Err(LedgerError::Invalid { .. })),
        "{refused:?}"
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_real_cannot_enter_an_amount_column(pool: SqlitePool) {
    let ledger = ledger(pool.clone());
    store(&ledger, &invoice("1"), usd("1.00"), "2026-11-01").await;
    let real = sqlx::query("UPDATE snapshots SET total_minor = 0.1")
        .execute(&pool)
        .await;
    assert!(
        real.is_err(),
        "STRICT tables refuse a REAL in an INTEGER column"
    );
}

#[test]
fn sql_sums_equal_exact_decimal_sums() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ledger = runtime
        .block_on(Ledger::open(
            LedgerLocation::InMemory,
            LedgerOptions::default(),
        ))
        .unwrap();
    let case = AtomicU64::new(0);
    proptest!(ProptestConfig::with_cases(48), |(cents in prop::collection::vec(-100_000_000_i64..100_000_000, 1..25))| {
        let tenant = format!("t{}", case.fetch_add(1, Ordering::SeqCst));
        let amounts: Vec<Money> = cents.iter().map(|&c| Money::from_minor(c, Currency::USD)).collect();
        let totals = runtime.block_on(async {
            for (i, amount) in amounts.iter().enumerate() {
                let key = RecordKey::new(tenant.as_str(), EntityKind::Invoice, i.to_string(), System::Xero, "org");
                ledger.links().insert(&key, &format!("{tenant}-{i}")).await.unwrap();
                ledger.snapshots().save(&key, &with_total(*amount, "2026-11-01")).await.unwrap();
            }
            ledger.snapshots().totals(&tenant, EntityKind::Invoice, None, None).await.unwrap()
        });
        let exact: Decimal = amounts.iter().map(Money::amount).sum();
        prop_assert_eq!(totals.len(), 1);
        prop_assert_eq!(totals[0].total.amount(), exact);
        prop_assert_eq!(totals[0].count, i64::try_from(amounts.len()).unwrap());
    });
}
