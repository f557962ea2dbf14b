//! A full sync of each demo tenant: every eligible invoice exactly once in its target, totals,
//! tax and balances to the cent, payments applied, export marks set; a second sync writes
//! nothing.

use std::collections::HashMap;

use ledgerbridge_core::{EntityKind, Invoice, System};
use ledgerbridge_protocol::Target;
use ledgerbridge_servicetitan::ServiceTitan;

use crate::helpers::{World, settings};

async fn check_full_sync<T: Target>(
    world: &World,
    system: System,
    st: &ServiceTitan,
    target: &T,
    preexisting: &str,
) {
    let first = world.sync(system, &settings()).await;
    let t = &first.targets[0];
    assert_eq!(t.counts().errors, 0, "{:?}", t.blocked_records);
    let invoices = t.by_entity[&EntityKind::Invoice];
    assert!(invoices.created > 400, "{invoices:?}");
    assert_eq!(invoices.linked, 1, "the pre-existing invoice is linked");
    assert!(t.by_entity[&EntityKind::Payment].created > 300);

    let tenant = world.tenant(system).tenant;
    let links = world
        .ledger
        .links()
        .list(&tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    assert_eq!(links.len() as u64, invoices.created + invoices.linked);
    let remote = target.invoices().await.unwrap();
    let mut by_number: HashMap<&str, usize> = HashMap::new();
    for r in &remote {
        *by_number.entry(r.number.as_str()).or_default() += 1;
    }
    let by_id: HashMap<&str, _> = remote.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut balances_off = 0;
    for link in &links {
        let snapshot = world
            .ledger
            .snapshots()
            .get(&link.key)
            .await
            .unwrap()
            .expect("base");
        let base: Invoice = serde_json::from_value(snapshot.base).unwrap();
        let r = by_id[link.target_id.as_str()];
        assert_eq!(
            by_number[base.number.as_str()],
            1,
            "invoice {} exists once",
            base.number
        );
        assert_eq!(r.total, base.total.amount(), "total of {}", base.number);
        assert_eq!(r.tax, base.tax.amount(), "tax of {}", base.number);
        if r.balance != base.balance.amount() {
            balances_off += 1;
        }
    }
    // Balances follow the payments written; only invoices paid by a payment that is blocked
    // (it also pays an invoice that is not synced) may still differ.
    let blocked_payments = t.by_entity[&EntityKind::Payment].blocked as usize;
    assert!(
        balances_off <= blocked_payments,
        "{balances_off} balances differ"
    );
    assert_eq!(
        by_number[preexisting], 1,
        "the pre-existing invoice was not duplicated"
    );

    // Export marks carry the accounting id.
    let sample: Vec<i64> = links
        .iter()
        .take(40)
        .map(|l| l.key.servicetitan_id.parse().unwrap())
        .collect();
    let marked = st.invoices_by_id(&sample).await.unwrap();
    let target_of: HashMap<String, &str> = links
        .iter()
        .map(|l| (l.key.servicetitan_id.clone(), l.target_id.as_str()))
        .collect();
    assert_eq!(marked.len(), sample.len());
    for m in &marked {
        assert_eq!(
            m.export_id.as_deref(),
            Some(target_of[&m.id.to_string()]),
            "invoice {}",
            m.id
        );
    }

    let second = world.sync(system, &settings()).await;
    let totals = second.totals;
    assert_eq!(
        (totals.created, totals.updated, totals.errors),
        (0, 0, 0),
        "{totals:?}"
    );
    let after = target.invoices().await.unwrap();
    assert_eq!(
        after.len(),
        remote.len(),
        "the second sync wrote no invoice"
    );
}

#[tokio::test]
async fn a_full_sync_of_the_quickbooks_demo_tenant() {
    let world = World::start().await;
    check_full_sync(
        &world,
        System::QuickBooks,
        &world.st_qbo,
        &world.qbo,
        "10007",
    )
    .await;
    // Two ServiceTitan "John Smith"s: one linked to the existing customer, one created with a
    // readable, distinct name.
    let customers = world.qbo.customers().await.unwrap();
    let smiths: Vec<_> = customers
        .iter()
        .filter(|c| c.customer.display_name == "John Smith")
        .collect();
    assert_eq!(smiths.len(), 2, "{smiths:?}");
    // The one the bridge created carries its stamp; the adapter strips the "(ST id)" suffix
    // it wrote to keep QuickBooks display names unique.
    assert_eq!(
        smiths
            .iter()
            .filter(|c| c.servicetitan_id.is_some())
            .count(),
        1
    );
}

#[tokio::test]
async fn a_full_sync_of_the_xero_demo_tenant() {
    let world = World::start().await;
    check_full_sync(&world, System::Xero, &world.st_xero, &world.xero, "20011").await;
    // A name-and-phone match is only suggested, never linked silently.
    let tenant = world.tenant(System::Xero).tenant;
    let suggestions = ledgerbridge_reconcile::links::suggested(&world.ledger, &tenant)
        .await
        .unwrap();
    assert_eq!(suggestions.len(), 1, "{suggestions:?}");
    assert!(suggestions[0].confidence < 80);
}
