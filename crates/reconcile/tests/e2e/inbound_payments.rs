//! Payments recorded in the books flow back to ServiceTitan: exactly once, with the mapped
//! payment type and the right splits, and never echo (issue #10).

use futures::TryStreamExt;
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::MappingKind;
use ledgerbridge_reconcile::SyncSettings;
use rust_decimal::Decimal;
use serde_json::json;

use crate::helpers::{World, settings};
use crate::inbound_helpers::{
    counts, from_books, map_method, open_invoice, payments_created, record_in_books, st,
    st_payments, st_type,
};

async fn reaches_servicetitan_once(system: System) {
    let world = World::start().await;
    let first = world.sync(system, &settings()).await;
    assert_eq!(
        first.totals.errors, 0,
        "{:?}",
        first.targets[0].blocked_records
    );
    // The first sync's own payments in the books (a split payment is several Xero payments,
    // linked as one) come back as the bridge's writes: nothing is brought over.
    let split = world
        .ledger
        .links()
        .list(&world.tenant(system).tenant, Some(EntityKind::Payment))
        .await
        .unwrap();
    let mut lines = 0;
    for link in &split {
        lines += world.ledger.links().lines(&link.key).await.unwrap().len();
    }
    let brought = world
        .ledger
        .events()
        .list(&ledgerbridge_ledger::EventFilter {
            kind: Some("payment.from_books".to_owned()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(brought.is_empty(), "{brought:?}");
    assert!(!split.is_empty());
    if system == System::Xero {
        assert!(lines > 0, "the demo has split payments");
    }
    let (type_id, type_name) = st_type(&world, system).await;
    map_method(&world, system, &type_name).await;
    let warm = world.sync(system, &settings()).await;
    assert_eq!(payments_created(&warm), 0, "{:?}", warm.targets[0]);
    if system == System::Xero {
        // The demo's Xero holds payments of invoices the bridge never synced: blocked whole.
        let unlinked = from_books(&warm)
            .into_iter()
            .filter(|b| b.reason.contains("not linked to a ServiceTitan invoice"))
            .count();
        assert!(unlinked > 0, "{:?}", warm.targets[0].blocked_records);
    }
    let (invoice, books_invoice, customer) = open_invoice(&world, system).await;
    let before = st_payments(&world, system, invoice).await.len();
    let books_id = record_in_books(&world, system, &books_invoice, &customer).await;

    let report = world.sync(system, &settings()).await;
    assert_eq!(payments_created(&report), 1, "{:?}", report.targets[0]);
    let found = st_payments(&world, system, invoice).await;
    assert_eq!(
        found.len(),
        before + 1,
        "exactly one new ServiceTitan payment"
    );
    let export_id = ledgerbridge_reconcile::books_payments::export_id(system, &books_id);
    let ours: Vec<_> = found
        .iter()
        .filter(|p| {
            ledgerbridge_reconcile::books_payments::memo_names(p.record.memo.as_deref(), &export_id)
        })
        .collect();
    assert_eq!(ours.len(), 1, "{found:?}");
    let p = &ours[0].record;
    assert_eq!(p.payment_type, type_name, "type id {type_id}");
    assert_eq!(p.allocations.len(), 1);
    assert_eq!(p.allocations[0].invoice.servicetitan_id(), Some(invoice));
    assert_eq!(p.allocations[0].amount.amount(), Decimal::new(1000, 2));
    assert_eq!(p.reference.as_deref(), Some("5521"));
    let t = world.tenant(system);
    let link = world
        .ledger
        .links()
        .find_by_target(EntityKind::Payment, system, &t.company, &books_id)
        .await
        .unwrap()
        .expect("linked");
    assert_eq!(link.key.servicetitan_id, ours[0].id.to_string());
    // It is in ServiceTitan's payment export feed, which the next sync reads as linked.
    let feed: Vec<_> = st(&world, system)
        .payment_changes(None)
        .try_collect()
        .await
        .unwrap();
    assert!(
        feed.iter()
            .flat_map(|b| &b.records)
            .any(|r| r.id == ours[0].id)
    );

    // No echo: three more syncs write nothing anywhere.
    let settled = counts(&world, system).await;
    for run in 1..=3 {
        let report = world.sync(system, &settings()).await;
        let t = &report.targets[0];
        assert_eq!(t.counts().writes(), 0, "run {run}: {t:?}");
        assert_eq!(t.counts().errors, 0, "run {run}: {t:?}");
        let ours: Vec<_> = from_books(&report)
            .into_iter()
            .filter(|b| b.servicetitan_id == export_id)
            .collect();
        assert!(ours.is_empty(), "run {run}: {ours:?}");
        assert_eq!(counts(&world, system).await, settled, "run {run}");
    }
    assert_eq!(st_payments(&world, system, invoice).await.len(), before + 1);
}

#[tokio::test]
async fn a_payment_recorded_in_quickbooks_reaches_servicetitan_once() {
    reaches_servicetitan_once(System::QuickBooks).await;
}

#[tokio::test]
async fn a_payment_recorded_in_xero_reaches_servicetitan_once() {
    reaches_servicetitan_once(System::Xero).await;
}

#[tokio::test]
async fn an_unmapped_method_blocks_until_it_is_mapped() {
    let world = World::start().await;
    let system = System::QuickBooks;
    // The sandbox's demo mappings map QuickBooks' methods back; take "Check" away.
    world
        .unmap(system, MappingKind::PaymentTypeReverse, "Check")
        .await;
    world.sync(system, &settings()).await;
    let (invoice, books_invoice, customer) = open_invoice(&world, system).await;
    let before = st_payments(&world, system, invoice).await.len();
    let books_id = record_in_books(&world, system, &books_invoice, &customer).await;
    for run in ["first", "second"] {
        let report = world.sync(system, &settings()).await;
        let t = &report.targets[0];
        let blocked: Vec<_> = t
            .blocked_records
            .iter()
            .filter(|b| b.servicetitan_id == format!("qbo:{books_id}"))
            .collect();
        assert_eq!(blocked.len(), 1, "{run}: {:?}", t.blocked_records);
        assert!(
            blocked[0]
                .reason
                .starts_with("unmapped accounting payment method \"Check\""),
            "{run}: {}",
            blocked[0].reason
        );
        assert_eq!(st_payments(&world, system, invoice).await.len(), before);
    }
    // `ledgerbridge mappings unmapped` lists the method with the payment it blocks, and
    // ServiceTitan's payment types (not the books' deposit accounts) to map it to.
    let tenant = world.tenant(system).tenant;
    let lists = ledgerbridge_reconcile::unmapped::ServiceTitanLists::read(&world.st_qbo)
        .await
        .unwrap();
    let list = ledgerbridge_reconcile::unmapped::unmapped(
        &world.ledger,
        &tenant,
        &world.qbo,
        Default::default(),
        lists,
    )
    .await
    .unwrap();
    let method: Vec<_> = list
        .iter()
        .filter(|u| u.kind == MappingKind::PaymentTypeReverse)
        .collect();
    assert_eq!(method.len(), 1, "{list:?}");
    assert_eq!((method[0].source.as_str(), method[0].count), ("Check", 1));
    let (type_id, name) = st_type(&world, system).await;
    let offered: Vec<(&str, &str)> = method[0]
        .choices
        .iter()
        .map(|c| (c.value.as_str(), c.label.as_str()))
        .collect();
    let every_type = st(&world, system).payment_types().await.unwrap();
    assert_eq!(offered.len(), every_type.len(), "{offered:?}");
    assert!(
        offered.contains(&(type_id.to_string().as_str(), name.as_str())),
        "{offered:?}"
    );
    assert!(
        !offered
            .iter()
            .any(|(_, label)| label.contains("Undeposited")),
        "no deposit account is offered: {offered:?}"
    );

    // Mapping it to the offered choice (the type's id) lets the payment through.
    map_method(&world, system, &type_id.to_string()).await;
    let report = world.sync(system, &settings()).await;
    assert_eq!(payments_created(&report), 1, "{:?}", report.targets[0]);
    assert!(from_books(&report).is_empty(), "{:?}", report.targets[0]);
    assert_eq!(st_payments(&world, system, invoice).await.len(), before + 1);
}

#[tokio::test]
async fn a_lost_answer_is_settled_by_look_up_without_a_duplicate() {
    let world = World::start().await;
    let system = System::Xero;
    world.sync(system, &settings()).await;
    let (_, name) = st_type(&world, system).await;
    map_method(&world, system, &name).await;
    let (invoice, books_invoice, customer) = open_invoice(&world, system).await;
    let before = st_payments(&world, system, invoice).await.len();
    record_in_books(&world, system, &books_invoice, &customer).await;

    // Every ServiceTitan write commits, then loses its answer.
    let base = world.sandbox.servicetitan_handle.base_url.clone();
    world
        .control(
            &base,
            "faults",
            json!({"seed": 7, "lost_after_commit_rate": 1.0}),
        )
        .await;
    let quiet = SyncSettings {
        mark_exported: false,
        ..settings()
    };
    let report = world.sync(system, &quiet).await;
    world
        .http
        .delete(format!("{base}/_sandbox/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(payments_created(&report), 1, "{:?}", report.targets[0]);
    assert_eq!(report.totals.errors, 0);
    assert_eq!(st_payments(&world, system, invoice).await.len(), before + 1);
    let events = world
        .ledger
        .events()
        .list(&ledgerbridge_ledger::EventFilter {
            kind: Some("payment.from_books".to_owned()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail["found_by_lookup"], true);
    for _ in 0..2 {
        let again = world.sync(system, &settings()).await;
        assert_eq!(payments_created(&again), 0);
    }
    assert_eq!(st_payments(&world, system, invoice).await.len(), before + 1);
}
