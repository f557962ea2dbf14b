//! Records that cannot be written are blocked with a clear reason while the run goes on, and
//! go through on a later run once the cause is fixed.

use chrono::{Days, Utc};
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::MappingKind;
use serde_json::json;

use crate::helpers::{World, settings};

fn reasons(report: &ledgerbridge_reconcile::SyncReport, entity: EntityKind) -> Vec<String> {
    report.targets[0]
        .blocked_records
        .iter()
        .filter(|b| b.entity == entity)
        .map(|b| b.reason.clone())
        .collect()
}

#[tokio::test]
async fn unmapped_items_and_tax_zones_block_their_invoices_until_mapped() {
    let world = World::start().await;
    let equipment = world
        .mapping(System::QuickBooks, MappingKind::GlAccount, "4200")
        .await;
    let chatham = world
        .mapping(System::QuickBooks, MappingKind::TaxZone, "Chatham")
        .await;
    world
        .unmap(System::QuickBooks, MappingKind::GlAccount, "4200")
        .await;
    world
        .unmap(System::QuickBooks, MappingKind::TaxZone, "Chatham")
        .await;

    let first = world.sync(System::QuickBooks, &settings()).await;
    let blocked = reasons(&first, EntityKind::Invoice);
    assert!(
        blocked.iter().any(|r| r.contains("unmapped SKU")),
        "{blocked:?}"
    );
    assert!(
        blocked
            .iter()
            .any(|r| r.contains("unmapped tax zone \"Chatham\"")),
        "{blocked:?}"
    );
    let invoices = first.targets[0].by_entity[&EntityKind::Invoice];
    assert!(invoices.created > 300, "the run went on: {invoices:?}");
    assert_eq!(invoices.blocked as usize, blocked.len());

    // `mappings unmapped` lists both values with counts and QuickBooks' choices.
    let tenant = world.tenant(System::QuickBooks).tenant;
    let listed = ledgerbridge_reconcile::unmapped::unmapped(
        &world.ledger,
        &tenant,
        &world.qbo,
        Default::default(),
        Default::default(),
    )
    .await
    .unwrap();
    assert!(
        listed
            .iter()
            .any(|u| u.kind == MappingKind::Item && u.count > 0 && !u.choices.is_empty())
    );

    world
        .ledger
        .mappings()
        .upsert_all(&[equipment, chatham])
        .await
        .unwrap();
    let second = world.sync(System::QuickBooks, &settings()).await;
    let after = second.targets[0].by_entity[&EntityKind::Invoice];
    assert_eq!(
        after.created, invoices.blocked,
        "every parked invoice went through"
    );
    assert!(reasons(&second, EntityKind::Invoice).is_empty());
}

#[tokio::test]
async fn a_closed_period_blocks_with_its_reason_and_the_rest_is_written() {
    let world = World::start().await;
    let lock = Utc::now().date_naive() - Days::new(25);
    let base = world.sandbox.xero_handle.base_url.clone();
    world
        .control(
            &base,
            "xero/lock_date",
            json!({ "period_lock_date": lock.to_string() }),
        )
        .await;
    let report = world.sync(System::Xero, &settings()).await;
    let blocked = reasons(&report, EntityKind::Invoice);
    let closed = blocked
        .iter()
        .filter(|r| r.starts_with("period closed"))
        .count();
    assert!(closed > 20, "{blocked:?}");
    assert!(blocked[0].contains(&lock.to_string()), "{}", blocked[0]);
    let invoices = report.targets[0].by_entity[&EntityKind::Invoice];
    assert!(invoices.created > 300, "{invoices:?}");
    assert_eq!(report.targets[0].counts().errors, 0);
}

#[tokio::test]
async fn a_malformed_invoice_from_servicetitan_is_quarantined_with_its_reason_while_the_run_goes_on()
 {
    let world = World::start().await;
    let tenant = world.tenant(System::QuickBooks).tenant;
    let base = world.info.servicetitan.api_base.clone();
    // The emulator serves this invoice with a total that is not a number from now on.
    let bad_id = 10_001_005;
    world
        .control(
            &base,
            &format!("servicetitan/{tenant}/malformed"),
            json!({ "entity": "invoices", "id": bad_id, "patch": { "total": "not-a-number" } }),
        )
        .await;

    let report = world.sync(System::QuickBooks, &settings()).await;
    let blocked: Vec<_> = report.targets[0]
        .blocked_records
        .iter()
        .filter(|b| b.entity == EntityKind::Invoice && b.servicetitan_id == bad_id.to_string())
        .collect();
    assert_eq!(blocked.len(), 1, "{:?}", report.targets[0].blocked_records);
    let invoices = report.targets[0].by_entity[&EntityKind::Invoice];
    assert!(invoices.created > 300, "the run went on: {invoices:?}");

    let quarantined = world
        .ledger
        .quarantine()
        .list(Some(&tenant), false)
        .await
        .unwrap();
    let entry = quarantined
        .iter()
        .find(|q| q.remote_id.as_deref() == Some(&*bad_id.to_string()))
        .expect("the malformed invoice is in the quarantine");
    assert_eq!(entry.entity, EntityKind::Invoice);
    assert!(!entry.reason.is_empty());
    assert!(
        String::from_utf8_lossy(&entry.raw).contains("not-a-number"),
        "the raw payload is kept for a person to inspect"
    );
    // Nothing was written for it.
    let key = ledgerbridge_ledger::RecordKey::new(
        &tenant,
        EntityKind::Invoice,
        bad_id.to_string(),
        System::QuickBooks,
        world.tenant(System::QuickBooks).company,
    );
    assert!(world.ledger.links().get(&key).await.unwrap().is_none());
}
