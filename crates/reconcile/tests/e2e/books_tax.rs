//! The books' own total and tax are kept in the base snapshot, so the reconciliation report
//! shows a tax QuickBooks holds differently from ServiceTitan from the ledger alone (no
//! `--refresh`).

use ledgerbridge_core::System;
use ledgerbridge_quickbooks::{BatchItem, Entity, ItemOutcome, Operation};
use ledgerbridge_report::{Expected, Period, Scope, Status};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::books_edits::{Synced, key, servicetitan_now, synced_invoice_nth};
use crate::helpers::{World, settings};

const QBO: System = System::QuickBooks;

/// Sets the invoice's tax in QuickBooks to `tax` (a sparse update with `TotalTax`, which
/// QuickBooks honours and adds to the total), as a recalculation would leave it.
async fn set_tax_in_books(world: &World, s: &Synced, tax: Decimal) {
    let qbo = world.qbo.connector();
    let r = qbo
        .read::<Value>(Entity::Invoice, &s.target_id)
        .await
        .unwrap()
        .expect("invoice");
    let body = json!({
        "Id": r.id, "SyncToken": r.sync_token, "sparse": true,
        "TxnTaxDetail": {"TotalTax": tax},
    });
    let item = BatchItem::new(0, Operation::Update, Entity::Invoice, &body).unwrap();
    let write = qbo.prepare_batch(&[item]).unwrap();
    let results = qbo.send_write("test-books-tax", &write).await.unwrap();
    assert!(
        matches!(results[0].outcome, ItemOutcome::Saved(_)),
        "{:?}",
        results[0].outcome
    );
}

#[tokio::test]
async fn a_tax_the_books_hold_differently_shows_in_the_report_from_the_ledger() {
    let world = World::start().await;
    world.sync(QBO, &settings()).await;
    let mut n = 0;
    let (s, st) = loop {
        let s = synced_invoice_nth(&world, QBO, n).await;
        let st = servicetitan_now(&world, &s).await.record;
        if !st.tax.is_zero() && st.status == ledgerbridge_core::InvoiceStatus::Posted {
            break (s, st);
        }
        n += 1;
    };
    let key = key(&world, QBO, s.id);
    // Written and verified: the books answered ServiceTitan's own figures.
    let written = world.ledger.snapshots().get(&key).await.unwrap().unwrap();
    assert_eq!(written.target_tax, Some(st.tax), "{written:?}");
    assert_eq!(written.target_total, Some(st.total));

    let books_tax = st.tax.amount() + Decimal::new(6, 2);
    set_tax_in_books(&world, &s, books_tax).await;
    let report = world.sync(QBO, &settings()).await;
    assert_eq!(report.totals.errors, 0, "{:?}", report.targets[0]);
    let verified = world.ledger.snapshots().get(&key).await.unwrap().unwrap();
    assert_eq!(
        verified.target_tax.map(|m| m.amount()),
        Some(books_tax),
        "the books' tax is kept: {verified:?}"
    );
    assert_eq!(
        verified.totals.unwrap().tax,
        st.tax,
        "beside ServiceTitan's"
    );

    let tenant = world.tenant(QBO);
    let scope = Scope {
        tenant: tenant.tenant.clone(),
        target: QBO,
        company: tenant.company.clone(),
    };
    let period = Period::month_of(st.invoice_date);
    let from_ledger = ledgerbridge_report::from_ledger(
        &world.ledger,
        period,
        &[scope],
        Expected::default(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let line = from_ledger.tenants[0]
        .records
        .iter()
        .find(|r| {
            r.servicetitan
                .as_ref()
                .is_some_and(|d| d.id == s.id.to_string())
        })
        .expect("the invoice is in its day's report");
    assert_eq!(line.status, Status::TaxMismatch, "{line:?}");
    assert!(line.tax_recalculated);
    assert_eq!(
        line.accounting.as_ref().unwrap().tax.amount(),
        books_tax,
        "{line:?}"
    );
}
