//! A tax the books recalculated shows from the ledger alone: the snapshot keeps the total and
//! tax QuickBooks or Xero answered when the invoice was written (migration 0007).

use ledgerbridge_core::{Invoice, Money};
use ledgerbridge_ledger::{Ledger, LedgerLocation, LedgerOptions, NewSnapshot, SnapshotTotals};
use ledgerbridge_report::{Basis, Expected, Status, from_ledger};

use crate::fixtures::{generated_at, november, usd};
use crate::from_ledger::{invoice, key, scope};

/// Links `inv` with the books' own total and tax (`None`: a snapshot from before they were
/// kept, or a books answer without them).
async fn link(ledger: &Ledger, id: &str, inv: &Invoice, books: Option<(&str, &str)>) {
    ledger
        .links()
        .insert(&key(id), &format!("q{id}"))
        .await
        .unwrap();
    let snapshot = NewSnapshot {
        base: serde_json::to_value(inv).unwrap(),
        servicetitan_version: None,
        target_version: Some("0".into()),
        totals: Some(SnapshotTotals {
            total: inv.total,
            tax: inv.tax,
            balance: inv.balance,
        }),
        target_total: books.map(|(total, _)| usd(total)),
        target_tax: books.map(|(_, tax)| usd(tax)),
        document_date: Some(inv.invoice_date),
        run: None,
    };
    ledger.snapshots().save(&key(id), &snapshot).await.unwrap();
}

#[tokio::test]
async fn a_tax_the_books_recalculated_is_flagged_without_a_refresh() {
    let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default())
        .await
        .unwrap();
    // Paid in full in ServiceTitan (108.25); the books made the tax 8.31.
    let recalculated = invoice("1001", "2026-11-02", "100.00", "8.25", "0.00");
    link(&ledger, "1", &recalculated, Some(("108.31", "8.31"))).await;
    let agreed = invoice("1002", "2026-11-03", "200.00", "16.50", "216.50");
    link(&ledger, "2", &agreed, Some(("216.50", "16.50"))).await;
    let older = invoice("1003", "2026-11-04", "50.00", "4.13", "54.13");
    link(&ledger, "3", &older, None).await;

    let report = from_ledger(
        &ledger,
        november(),
        &[scope()],
        Expected::default(),
        generated_at(),
    )
    .await
    .unwrap();
    let t = &report.tenants[0];
    assert_eq!(
        (t.basis.servicetitan, t.basis.accounting),
        (Basis::Ledger, Basis::Ledger)
    );
    let statuses: Vec<(Status, &str)> = t
        .records
        .iter()
        .map(|r| (r.status, r.servicetitan.as_ref().unwrap().id.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            (Status::TaxMismatch, "1"),
            (Status::Matched, "2"),
            (Status::Matched, "3"),
        ]
    );
    let line = &t.records[0];
    assert!(line.tax_recalculated);
    let books = line.accounting.as_ref().unwrap();
    assert_eq!(books.id, "q1");
    assert_eq!(
        (books.subtotal, books.tax, books.total),
        (usd("100.00"), usd("8.31"), usd("108.31"))
    );
    // The payment of 108.25 leaves the recalculated 0.06 open in the books.
    assert_eq!(
        (books.payments, books.balance),
        (usd("108.25"), usd("0.06"))
    );
    let fields: Vec<(&str, &str, &str)> = line
        .differences
        .iter()
        .map(|d| {
            (
                d.field.as_str(),
                d.servicetitan.as_str(),
                d.accounting.as_str(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("tax", "8.25", "8.31"),
            ("total", "108.25", "108.31"),
            ("balance", "0.00", "0.06"),
        ]
    );
    assert_eq!(t.tax_recalculated, 1);
    let variance = &t.totals[0].variance;
    let cents = |text: &str| Money::parse(text, ledgerbridge_core::Currency::USD).unwrap();
    assert_eq!(
        (variance.tax, variance.total, variance.balance),
        (cents("0.06"), cents("0.06"), cents("0.06"))
    );
}
