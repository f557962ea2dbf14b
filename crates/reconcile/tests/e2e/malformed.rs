//! Issue #6: malformed ServiceTitan records are quarantined (never mapped to a default, never
//! written), also once linked; a text too long for the target blocks its record (never cut),
//! the same way for QuickBooks and Xero.

use ledgerbridge_core::{EntityKind, InvoiceStatus, System};
use ledgerbridge_ledger::RecordKey;
use serde_json::{Value, json};

use crate::books_edits::{
    Synced, books_now, edit_due_in_servicetitan, servicetitan, synced_invoice_nth,
};
use crate::helpers::{World, settings};

/// Serves ServiceTitan record `id` of `entity` with `patch` merged in, from now on.
async fn malform(world: &World, system: System, entity: &str, id: i64, patch: Value) {
    let tenant = world.tenant(system).tenant;
    let base = world.info.servicetitan.api_base.clone();
    world
        .control(
            &base,
            &format!("servicetitan/{tenant}/malformed"),
            json!({ "entity": entity, "id": id, "patch": patch }),
        )
        .await;
}

fn blocked_reason(
    report: &ledgerbridge_reconcile::SyncReport,
    entity: EntityKind,
    id: i64,
) -> Option<String> {
    report.targets[0]
        .blocked_records
        .iter()
        .find(|b| b.entity == entity && b.servicetitan_id == id.to_string())
        .map(|b| b.reason.clone())
}

async fn quarantine_reason(world: &World, system: System, id: i64) -> Option<(String, String)> {
    let tenant = world.tenant(system).tenant;
    let entries = world
        .ledger
        .quarantine()
        .list(Some(&tenant), false)
        .await
        .unwrap();
    entries
        .iter()
        .find(|q| q.remote_id.as_deref() == Some(&*id.to_string()))
        .map(|q| {
            (
                q.reason.clone(),
                String::from_utf8_lossy(&q.raw).into_owned(),
            )
        })
}

#[tokio::test]
async fn a_linked_invoice_that_becomes_malformed_is_quarantined_and_no_update_is_sent() {
    let system = System::QuickBooks;
    let world = World::start().await;
    world.sync(system, &settings()).await;
    let weird = synced_invoice_nth(&world, system, 0).await;
    let negative = synced_invoice_nth(&world, system, 1).await;
    let mut before = Vec::new();
    for s in [&weird, &negative] {
        before.push(books_now(&world, s).await.invoice);
    }
    // Each is changed in ServiceTitan (so the feed brings it again), then served malformed.
    let due = chrono::NaiveDate::from_ymd_opt(2027, 5, 1).unwrap();
    for s in [&weird, &negative] {
        edit_due_in_servicetitan(&world, s, due).await;
    }
    malform(
        &world,
        system,
        "invoices",
        weird.id,
        json!({"syncStatus": "Weird"}),
    )
    .await;
    malform(
        &world,
        system,
        "invoices",
        negative.id,
        json!({"total": "-500.00"}),
    )
    .await;

    let report = world.sync(system, &settings()).await;
    let t = &report.targets[0];
    assert_eq!(
        t.counts().writes(),
        0,
        "no update sent: {:?}",
        t.blocked_records
    );
    let (reason, raw) = quarantine_reason(&world, system, weird.id)
        .await
        .expect("the unknown syncStatus is quarantined");
    assert!(reason.contains("syncStatus \"Weird\""), "{reason}");
    assert!(raw.contains("Weird"), "the raw payload is kept");
    let (reason, raw) = quarantine_reason(&world, system, negative.id)
        .await
        .expect("the total that does not add up is quarantined");
    assert!(reason.contains("do not add up"), "{reason}");
    assert!(raw.contains("-500.00"), "the raw payload is kept");
    for (s, was) in [&weird, &negative].into_iter().zip(before) {
        let now = books_now(&world, s).await.invoice;
        assert_eq!(now.status, InvoiceStatus::Posted, "not turned into a draft");
        assert_eq!(
            (now.total, now.due_date),
            (was.total, was.due_date),
            "unchanged"
        );
        assert!(blocked_reason(&report, EntityKind::Invoice, s.id).is_some());
    }
}

/// The customer of one of the tenant's service locations.
async fn some_customer(world: &World, system: System) -> i64 {
    let locations = servicetitan(world, system).locations(None).await.unwrap();
    locations.first().expect("a seeded location").customer_id
}

async fn too_long_is_blocked(world: &World, system: System) -> (String, String) {
    let customer = some_customer(world, system).await;
    let name = "N".repeat(100_000);
    malform(
        world,
        system,
        "customers",
        customer,
        json!({ "name": name }),
    )
    .await;
    let report = world.sync(system, &settings()).await;
    let customer_reason =
        blocked_reason(&report, EntityKind::Customer, customer).expect("the customer is blocked");
    let t = world.tenant(system);
    let key = RecordKey::new(
        &t.tenant,
        EntityKind::Customer,
        customer.to_string(),
        system,
        &t.company,
    );
    assert!(world.ledger.links().get(&key).await.unwrap().is_none());
    assert!(
        quarantine_reason(world, system, customer).await.is_none(),
        "blocked, not quarantined: the data is fine"
    );

    // A linked invoice whose number grows past the target's limit: its update is blocked.
    let s: Synced = synced_invoice_nth(world, system, 0).await;
    let was = books_now(world, &s).await.invoice;
    edit_due_in_servicetitan(
        world,
        &s,
        chrono::NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(),
    )
    .await;
    let number = "R".repeat(300);
    malform(
        world,
        system,
        "invoices",
        s.id,
        json!({ "referenceNumber": number }),
    )
    .await;
    let report = world.sync(system, &settings()).await;
    let invoice_reason =
        blocked_reason(&report, EntityKind::Invoice, s.id).expect("the invoice is blocked");
    let now = books_now(world, &s).await.invoice;
    assert_eq!(
        (now.number, now.due_date),
        (was.number, was.due_date),
        "nothing written"
    );
    (customer_reason, invoice_reason)
}

#[tokio::test]
async fn a_text_too_long_for_the_target_blocks_the_record_alike_on_quickbooks_and_xero() {
    let world = World::start().await;
    let suffix = ": shorten it in ServiceTitan (the bridge never cuts a value)";
    let (customer, invoice) = too_long_is_blocked(&world, System::QuickBooks).await;
    assert_eq!(
        customer,
        format!(
            "customer.display_name is 100000 characters; QuickBooks allows at most 500 \
             (DisplayName){suffix}"
        )
    );
    assert_eq!(
        invoice,
        format!(
            "invoice.number is 300 characters; QuickBooks allows at most 21 (DocNumber){suffix}"
        )
    );
    let (customer, invoice) = too_long_is_blocked(&world, System::Xero).await;
    assert_eq!(
        customer,
        format!(
            "customer.display_name is 100000 characters; Xero allows at most 255 \
             (Contact.Name){suffix}"
        )
    );
    assert_eq!(
        invoice,
        format!(
            "invoice.number is 300 characters; Xero allows at most 255 (InvoiceNumber){suffix}"
        )
    );
}
