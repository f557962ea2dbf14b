//! Voids: an invoice deactivated in ServiceTitan after it was synced is voided in the books
//! exactly once (QuickBooks zeroes it and notes "Voided"; Xero voids an AUTHORISED invoice
//! and deletes a DRAFT), and the next sync writes nothing.

use std::collections::HashMap;

use ledgerbridge_core::{EntityKind, InvoiceStatus, System};
use ledgerbridge_protocol::Target;
use ledgerbridge_reconcile::SyncSettings;
use rust_decimal::Decimal;
use serde_json::json;

use crate::helpers::{World, settings};

/// The ServiceTitan id of a linked invoice whose accounting copy has `status`, a total above
/// zero and nothing paid (so the books accept a void).
async fn unpaid_linked<T: Target>(
    world: &World,
    system: System,
    target: &T,
    status: InvoiceStatus,
) -> (i64, String) {
    let tenant = world.tenant(system).tenant;
    let remote: HashMap<String, _> = target
        .invoices()
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();
    let links = world
        .ledger
        .links()
        .list(&tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    links
        .iter()
        .find_map(|l| {
            let r = remote.get(&l.target_id)?;
            (r.status == status && r.total > Decimal::ZERO && r.balance == r.total)
                .then(|| (l.key.servicetitan_id.parse().unwrap(), l.target_id.clone()))
        })
        .unwrap_or_else(|| panic!("{system}: an unpaid {status:?} invoice was synced"))
}

async fn void_in_servicetitan(world: &World, system: System, id: i64) {
    let tenant = world.tenant(system).tenant;
    let base = world.sandbox.servicetitan_handle.base_url.clone();
    let answer = world
        .control(
            &base,
            &format!("servicetitan/{tenant}/invoices/{id}/void"),
            json!({}),
        )
        .await;
    assert_eq!(answer["active"], false, "{answer}");
}

/// Second sync: exactly one invoice written (the void), nothing created, no error; third
/// sync: nothing written at all.
async fn sync_void_once(world: &World, system: System, settings: &SyncSettings) {
    let second = world.sync(system, settings).await;
    let t = &second.targets[0];
    assert_eq!(t.counts().errors, 0, "{:?}", t.blocked_records);
    let invoices = t.by_entity[&EntityKind::Invoice];
    assert_eq!(
        (invoices.created, invoices.updated),
        (0, 1),
        "{system}: the void is the only invoice write"
    );
    let third = world.sync(system, settings).await;
    let totals = third.totals;
    assert_eq!(
        (totals.created, totals.updated, totals.errors),
        (0, 0, 0),
        "{system}: a third sync writes nothing: {totals:?}"
    );
}

#[tokio::test]
async fn a_voided_invoice_is_voided_once_in_quickbooks() {
    let world = World::start().await;
    let first = world.sync(System::QuickBooks, &settings()).await;
    assert_eq!(first.totals.errors, 0);
    let (id, target_id) = unpaid_linked(
        &world,
        System::QuickBooks,
        &world.qbo,
        InvoiceStatus::Posted,
    )
    .await;
    let count_before = world.qbo.invoices().await.unwrap().len();

    void_in_servicetitan(&world, System::QuickBooks, id).await;
    sync_void_once(&world, System::QuickBooks, &settings()).await;

    let after = world.qbo.invoices().await.unwrap();
    assert_eq!(after.len(), count_before, "a void neither adds nor removes");
    let voided = after
        .iter()
        .find(|r| r.id == target_id)
        .expect("still there");
    assert_eq!(voided.status, InvoiceStatus::Voided, "{voided:?}");
    assert_eq!(voided.total, Decimal::ZERO, "QuickBooks zeroes a void");
    assert_eq!(voided.balance, Decimal::ZERO);

    // The base now says voided, so ServiceTitan's inactive invoice is no longer a change.
    let tenant = world.tenant(System::QuickBooks);
    let key = ledgerbridge_ledger::RecordKey::new(
        &tenant.tenant,
        EntityKind::Invoice,
        id.to_string(),
        System::QuickBooks,
        &tenant.company,
    );
    let snapshot = world.ledger.snapshots().get(&key).await.unwrap().unwrap();
    assert_eq!(snapshot.base["status"], json!(InvoiceStatus::Voided));
}

#[tokio::test]
async fn a_voided_invoice_is_voided_or_deleted_once_in_xero() {
    let world = World::start().await;
    // Pending invoices are written as drafts, which Xero deletes rather than voids.
    let settings = SyncSettings {
        include_pending: true,
        ..settings()
    };
    let first = world.sync(System::Xero, &settings).await;
    assert_eq!(first.totals.errors, 0);
    let (posted, posted_target) =
        unpaid_linked(&world, System::Xero, &world.xero, InvoiceStatus::Posted).await;
    let (draft, draft_target) =
        unpaid_linked(&world, System::Xero, &world.xero, InvoiceStatus::Draft).await;
    let read = |ids: [&String; 2]| {
        let ids: Vec<String> = ids.iter().map(|s| (*s).clone()).collect();
        let xero = world.xero.connector();
        async move { xero.invoices_by_id(&ids).await.unwrap() }
    };
    let before = read([&posted_target, &draft_target]).await;
    assert_eq!(
        before[&posted_target.to_ascii_lowercase()]
            .status
            .as_deref(),
        Some("AUTHORISED")
    );
    assert_eq!(
        before[&draft_target.to_ascii_lowercase()].status.as_deref(),
        Some("DRAFT")
    );

    void_in_servicetitan(&world, System::Xero, posted).await;
    void_in_servicetitan(&world, System::Xero, draft).await;
    let second = world.sync(System::Xero, &settings).await;
    let t = &second.targets[0];
    assert_eq!(t.counts().errors, 0, "{:?}", t.blocked_records);
    let invoices = t.by_entity[&EntityKind::Invoice];
    assert_eq!(
        (invoices.created, invoices.updated),
        (0, 2),
        "the two voids are the only invoice writes"
    );
    let after = read([&posted_target, &draft_target]).await;
    assert_eq!(
        after[&posted_target.to_ascii_lowercase()].status.as_deref(),
        Some("VOIDED")
    );
    assert_eq!(
        after[&draft_target.to_ascii_lowercase()].status.as_deref(),
        Some("DELETED")
    );

    let third = world.sync(System::Xero, &settings).await;
    let totals = third.totals;
    assert_eq!(
        (totals.created, totals.updated, totals.errors),
        (0, 0, 0),
        "a third sync writes nothing: {totals:?}"
    );
    let last = read([&posted_target, &draft_target]).await;
    for id in [&posted_target, &draft_target] {
        let id = id.to_ascii_lowercase();
        assert_eq!(
            last[&id].updated_date_utc, after[&id].updated_date_utc,
            "{id} untouched by the third sync"
        );
    }
}
