//! Resolutions recorded in the ledger (the pinned choice object: a side for every field, a
//! side per field, a typed value) are applied by the next sync: both systems end up equal,
//! the conflict is marked applied, and the sync after writes nothing.

use chrono::NaiveDate;
use ledgerbridge_core::System;
use ledgerbridge_ledger::Resolution;
use serde_json::{Value, json};

use crate::books_edits::{
    Synced, assert_systems_equal, descriptions, edit_both, edit_due_in_servicetitan, edit_in_books,
    key, servicetitan_now, synced_invoice_nth,
};
use crate::helpers::{World, settings};

/// Syncs (raising the conflict), records `choice`, syncs again (applying it) and checks the
/// conflict was applied and nothing echoes afterwards.
async fn resolve_and_apply(world: &World, s: &Synced, choice: Value) {
    let raised = world.sync(s.system, &settings()).await;
    assert_eq!(
        raised.totals.conflicts, 1,
        "{:?}",
        raised.targets[0].blocked_records
    );
    let open = world
        .ledger
        .conflicts()
        .open_for(&key(world, s.system, s.id))
        .await
        .unwrap()
        .expect("open conflict");
    let resolution = Resolution {
        choice,
        by: "ana".into(),
        note: Some("checked with the office".into()),
    };
    world
        .ledger
        .conflicts()
        .resolve(open.id, &resolution)
        .await
        .unwrap();
    let applied = world.sync(s.system, &settings()).await;
    let t = &applied.targets[0];
    assert_eq!(t.counts().conflicts, 0, "{:?}", t.blocked_records);
    assert_eq!(t.counts().errors, 0, "{:?}", t.blocked_records);
    assert!(
        world
            .ledger
            .conflicts()
            .applied_at(open.id)
            .await
            .unwrap()
            .is_some(),
        "marked applied"
    );
    assert_systems_equal(world, s).await;
    let after = world.sync(s.system, &settings()).await;
    assert_eq!(
        (
            after.totals.created,
            after.totals.updated,
            after.totals.conflicts
        ),
        (0, 0, 0),
        "{}: nothing echoes after a resolution: {:?}",
        s.system,
        after.targets[0].blocked_records
    );
}

async fn each_resolution_form_leaves_both_systems_equal(system: System) {
    let world = World::start().await;
    world.sync(system, &settings()).await;

    // A side for every field.
    let s = synced_invoice_nth(&world, system, 0).await;
    edit_both(&world, &s, "Valve (tech)", "Valve (accountant)").await;
    let path = s.line_path("description");
    resolve_and_apply(&world, &s, json!({ path: "accounting" })).await;
    assert_eq!(descriptions(&world, &s).await.1, "Valve (accountant)");

    // A side per field: the line from ServiceTitan, the due date from the books.
    let s = synced_invoice_nth(&world, system, 1).await;
    edit_both(&world, &s, "Pump (tech)", "Pump (accountant)").await;
    let st_due = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
    let books_due = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    edit_due_in_servicetitan(&world, &s, st_due).await;
    edit_in_books(&world, &s, None, Some(books_due)).await;
    let path = s.line_path("description");
    let choice = json!({ path: "servicetitan", "invoice.due_date": "accounting" });
    resolve_and_apply(&world, &s, choice).await;
    assert_eq!(descriptions(&world, &s).await.1, "Pump (tech)");
    let st = servicetitan_now(&world, &s).await.record;
    assert_eq!(st.due_date, Some(books_due));

    // A typed value.
    let s = synced_invoice_nth(&world, system, 2).await;
    edit_both(&world, &s, "Belt (tech)", "Belt (accountant)").await;
    let path = s.line_path("description");
    resolve_and_apply(
        &world,
        &s,
        json!({ path: {"value": "Drive belt, replaced"} }),
    )
    .await;
    let (books, st) = descriptions(&world, &s).await;
    assert_eq!(
        (books.as_str(), st.as_str()),
        ("Drive belt, replaced", "Drive belt, replaced")
    );
}

#[tokio::test]
async fn quickbooks_resolutions_are_applied_by_the_next_sync() {
    each_resolution_form_leaves_both_systems_equal(System::QuickBooks).await;
}

#[tokio::test]
async fn xero_resolutions_are_applied_by_the_next_sync() {
    each_resolution_form_leaves_both_systems_equal(System::Xero).await;
}

/// A resolution that does not fit its conflict (here: a value of the wrong type) is reported,
/// nothing is written, and the conflict is open again for a new decision.
#[tokio::test]
async fn a_resolution_that_does_not_fit_is_reported_not_written() {
    let system = System::QuickBooks;
    let world = World::start().await;
    world.sync(system, &settings()).await;
    let s = synced_invoice_nth(&world, system, 0).await;
    edit_both(&world, &s, "Hose (tech)", "Hose (accountant)").await;
    world.sync(system, &settings()).await;
    let open = world
        .ledger
        .conflicts()
        .open_for(&key(&world, system, s.id))
        .await
        .unwrap()
        .expect("open conflict");
    let path = s.line_path("description");
    let resolution = Resolution {
        choice: json!({ path: {"value": 42} }),
        by: "ana".into(),
        note: None,
    };
    world
        .ledger
        .conflicts()
        .resolve(open.id, &resolution)
        .await
        .unwrap();
    let report = world.sync(system, &settings()).await;
    let t = &report.targets[0];
    assert_eq!(t.counts().writes(), 0, "nothing written");
    assert!(
        t.blocked_records
            .iter()
            .any(|b| b.reason.contains("not applied") && b.servicetitan_id == s.id.to_string()),
        "{:?}",
        t.blocked_records
    );
    let reopened = world
        .ledger
        .conflicts()
        .open_for(&key(&world, system, s.id))
        .await
        .unwrap()
        .expect("open again");
    assert_ne!(reopened.id, open.id);
    assert_eq!(
        descriptions(&world, &s).await,
        ("Hose (accountant)".to_owned(), "Hose (tech)".to_owned())
    );
}
