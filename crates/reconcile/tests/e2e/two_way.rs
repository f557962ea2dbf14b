//! Accountant edits flowing back: a line description and due date edited in the books reach
//! ServiceTitan through its API and never echo; a change on each side merges; a void in the
//! books is raised for a person and the invoice is never re-created.

use chrono::NaiveDate;
use ledgerbridge_core::System;
use ledgerbridge_ledger::{ConflictFilter, ConflictStatus};
use ledgerbridge_protocol::Target;

use crate::books_edits::{
    assert_systems_equal, descriptions, edit_due_in_servicetitan, edit_in_books, key,
    servicetitan_now, synced_invoice, void_in_books,
};
use crate::helpers::{World, settings};

async fn an_edit_in_the_books_flows_back_once(system: System) {
    let world = World::start().await;
    let first = world.sync(system, &settings()).await;
    assert_eq!(
        first.totals.errors, 0,
        "{:?}",
        first.targets[0].blocked_records
    );
    let s = synced_invoice(&world, system).await;
    let due = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    edit_in_books(
        &world,
        &s,
        Some("Replaced the condenser fan motor"),
        Some(due),
    )
    .await;

    let second = world.sync(system, &settings()).await;
    let t = &second.targets[0];
    assert_eq!(t.counts().conflicts, 0, "{:?}", t.blocked_records);
    assert_eq!(t.counts().errors, 0, "{:?}", t.blocked_records);
    let st = servicetitan_now(&world, &s).await.record;
    assert_eq!(
        st.due_date,
        Some(due),
        "{system}: the due date reached ServiceTitan"
    );
    let (books, servicetitan) = descriptions(&world, &s).await;
    assert_eq!(servicetitan, "Replaced the condenser fan motor");
    assert_eq!(books, servicetitan);
    assert_systems_equal(&world, &s).await;

    for run in ["third", "fourth"] {
        let again = world.sync(system, &settings()).await;
        let totals = again.totals;
        assert_eq!(
            (
                totals.created,
                totals.updated,
                totals.conflicts,
                totals.errors
            ),
            (0, 0, 0, 0),
            "{system}: the {run} sync writes nothing (no echo): {:?}",
            again.targets[0].blocked_records
        );
    }
    assert_systems_equal(&world, &s).await;
}

#[tokio::test]
async fn a_quickbooks_edit_flows_back_to_servicetitan_without_echo() {
    an_edit_in_the_books_flows_back_once(System::QuickBooks).await;
}

#[tokio::test]
async fn a_xero_edit_flows_back_to_servicetitan_without_echo() {
    an_edit_in_the_books_flows_back_once(System::Xero).await;
}

async fn a_void_in_the_books_is_raised(system: System) {
    let world = World::start().await;
    world.sync(system, &settings()).await;
    let s = synced_invoice(&world, system).await;
    let count = async || match system {
        System::QuickBooks => world.qbo.invoices().await.unwrap().len(),
        _ => world.xero.invoices().await.unwrap().len(),
    };
    let before = count().await;
    void_in_books(&world, &s).await;

    for run in ["first", "second"] {
        let report = world.sync(system, &settings()).await;
        let t = &report.targets[0];
        assert_eq!(t.counts().conflicts, 1, "{run}: {:?}", t.blocked_records);
        assert_eq!(
            t.counts().writes(),
            0,
            "{run}: nothing written while frozen"
        );
        let open = world
            .ledger
            .conflicts()
            .open_for(&key(&world, system, s.id))
            .await
            .unwrap()
            .expect("one open conflict");
        let paths: Vec<&str> = open.fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["invoice.status"], "{run}");
        assert_eq!(open.fields[0].accounting, "voided");
        assert_eq!(open.fields[0].servicetitan, "posted");
    }
    assert_eq!(count().await, before, "{system}: never re-created");
    let all = world
        .ledger
        .conflicts()
        .list(&ConflictFilter {
            status: Some(ConflictStatus::Open),
            ..ConflictFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "one conflict, refreshed, not two");
    let st = servicetitan_now(&world, &s).await;
    assert_eq!(st.record.status, ledgerbridge_core::InvoiceStatus::Posted);
}

#[tokio::test]
async fn a_quickbooks_void_is_raised_not_recreated() {
    a_void_in_the_books_is_raised(System::QuickBooks).await;
}

#[tokio::test]
async fn a_xero_void_is_raised_not_recreated() {
    a_void_in_the_books_is_raised(System::Xero).await;
}

/// ServiceTitan changed the due date, the books a line: the ServiceTitan change does not
/// overwrite the accountant's edit; both merge, in both systems, and nothing echoes.
async fn changes_on_both_sides_merge(system: System) {
    let world = World::start().await;
    world.sync(system, &settings()).await;
    let s = synced_invoice(&world, system).await;
    let due = NaiveDate::from_ymd_opt(2027, 4, 30).unwrap();
    edit_due_in_servicetitan(&world, &s, due).await;
    edit_in_books(&world, &s, Some("Thermostat (accountant)"), None).await;
    let report = world.sync(system, &settings()).await;
    let t = &report.targets[0];
    assert_eq!(
        (t.counts().conflicts, t.counts().errors),
        (0, 0),
        "{:?}",
        t.blocked_records
    );
    assert_systems_equal(&world, &s).await;
    let (books, st) = descriptions(&world, &s).await;
    assert_eq!(
        (books.as_str(), st.as_str()),
        ("Thermostat (accountant)", "Thermostat (accountant)")
    );
    assert_eq!(
        crate::books_edits::books_now(&world, &s)
            .await
            .invoice
            .due_date,
        Some(due)
    );
    let next = world.sync(system, &settings()).await;
    assert_eq!(next.totals.created + next.totals.updated, 0, "no echo");
}

#[tokio::test]
async fn quickbooks_changes_on_both_sides_merge() {
    changes_on_both_sides_merge(System::QuickBooks).await;
}

#[tokio::test]
async fn xero_changes_on_both_sides_merge() {
    changes_on_both_sides_merge(System::Xero).await;
}

/// A quantity changed in the books reaches ServiceTitan, whose recalculated tax then reaches
/// the books, and the record settles: both systems agree and nothing echoes.
async fn a_quantity_edit_settles_on_servicetitans_tax(system: System) {
    let world = World::start().await;
    world.sync(system, &settings()).await;
    // An invoice with a tax zone (its breakdown maps to the books' tax code), so the tax
    // ServiceTitan recalculates has somewhere to go.
    let mut n = 0;
    let (s, before) = loop {
        let s = crate::books_edits::synced_invoice_nth(&world, system, n).await;
        let st = servicetitan_now(&world, &s).await.record;
        if !st.tax_lines.is_empty() && !st.tax.is_zero() {
            break (s, st);
        }
        n += 1;
    };
    let line = before
        .lines
        .iter()
        .find(|l| l.servicetitan_item_id() == Some(s.item))
        .unwrap()
        .clone();
    let quantity = line.quantity + rust_decimal::Decimal::ONE;
    crate::books_edits::edit_quantity_in_books(&world, &s, quantity).await;
    for _ in 0..2 {
        let report = world.sync(system, &settings()).await;
        let t = &report.targets[0];
        assert_eq!(
            (t.counts().conflicts, t.counts().errors),
            (0, 0),
            "{:?}",
            t.blocked_records
        );
    }
    let st = servicetitan_now(&world, &s).await.record;
    let st_line = st.lines.iter().find(|l| l.key == line.key).unwrap();
    assert_eq!(
        st_line.quantity, quantity,
        "{system}: the quantity reached ServiceTitan"
    );
    assert_systems_equal(&world, &s).await;
    let books = crate::books_edits::books_now(&world, &s).await.invoice;
    assert_eq!(
        books.total.amount(),
        st.total.amount(),
        "{system}: the totals agree"
    );
    assert_eq!(
        books.tax.amount(),
        st.tax.amount(),
        "{system}: ServiceTitan's tax"
    );
    let next = world.sync(system, &settings()).await;
    assert_eq!(
        next.totals.created + next.totals.updated,
        0,
        "{system}: no echo"
    );
}

#[tokio::test]
async fn a_quickbooks_quantity_edit_settles() {
    a_quantity_edit_settles_on_servicetitans_tax(System::QuickBooks).await;
}

#[tokio::test]
async fn a_xero_quantity_edit_settles() {
    a_quantity_edit_settles_on_servicetitans_tax(System::Xero).await;
}
