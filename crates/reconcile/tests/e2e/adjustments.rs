//! Adjustment invoices: ServiceTitan's way of changing an invoice already exported is a new
//! invoice (`adjustmentToId`, numbered `<original>-1`). Once posted it lands in the books
//! once, as its own invoice linked to its own ServiceTitan id; the original is untouched.

use ledgerbridge_core::{EntityKind, Invoice, System};
use ledgerbridge_ledger::RecordKey;
use ledgerbridge_protocol::Target;
use ledgerbridge_servicetitan::{AdjustmentInvoice, InvoiceItemPatch, ServiceTitan};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::{World, settings};

/// The SKU id of an invoice's first item, read from the ServiceTitan API itself (the canonical
/// invoice carries SKU names; an adjustment item is added by SKU id).
async fn first_sku_id(world: &World, tenant_index: usize, invoice: i64) -> i64 {
    let st = &world.info.servicetitan;
    let t = &st.tenants[tenant_index];
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        t.client_id, t.client_secret
    );
    let token: Value = world
        .http
        .post(&st.token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page: Value = world
        .http
        .get(format!(
            "{}/accounting/v2/tenant/{}/invoices?ids={invoice}",
            st.api_base.trim_end_matches('/'),
            t.tenant_id
        ))
        .bearer_auth(token["access_token"].as_str().unwrap())
        .header("ST-App-Key", &st.app_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["data"][0]["items"][0]["skuId"]
        .as_i64()
        .unwrap_or_else(|| panic!("invoice {invoice} has an item with a SKU: {page}"))
}

async fn check_adjustment<T: Target>(
    world: &World,
    system: System,
    st: &ServiceTitan,
    target: &T,
    tenant_index: usize,
) {
    let spec = world.tenant(system);
    let first = world.sync(system, &settings()).await;
    assert_eq!(first.totals.errors, 0);
    let links = world
        .ledger
        .links()
        .list(&spec.tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    let original = &links[0];
    let original_id: i64 = original.key.servicetitan_id.parse().unwrap();
    let original_before = target
        .invoices()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == original.target_id)
        .expect("the original is in the books");

    let sku = first_sku_id(world, tenant_index, original_id).await;
    let adjustment = st
        .create_adjustment_invoice(&AdjustmentInvoice {
            adjustment_to_id: original_id,
            number: None,
            summary: Some("Second visit: filter replaced".to_owned()),
            items: vec![InvoiceItemPatch {
                id: None,
                description: "Filter replaced on second visit".to_owned(),
                quantity: Decimal::ONE,
                unit_price: Some(Decimal::new(4_500, 2)),
                sku_id: Some(sku),
            }],
        })
        .await
        .unwrap();
    assert_ne!(adjustment, original_id);

    // Created Pending, as ServiceTitan does: not eligible until its batch is posted.
    let pending = world.sync(system, &settings()).await;
    assert_eq!(pending.totals.created, 0, "a Pending adjustment waits");
    let base = world.sandbox.servicetitan_handle.base_url.clone();
    let posted = world
        .control(
            &base,
            &format!("servicetitan/{}/invoices/{adjustment}/post", spec.tenant),
            json!({}),
        )
        .await;
    assert_eq!(posted["syncStatus"], "Posted", "{posted}");

    let count_before = target.invoices().await.unwrap().len();
    let second = world.sync(system, &settings()).await;
    let t = &second.targets[0];
    assert_eq!(t.counts().errors, 0, "{:?}", t.blocked_records);
    let invoices = t.by_entity[&EntityKind::Invoice];
    assert_eq!(
        (invoices.created, invoices.updated),
        (1, 0),
        "the adjustment is created, the original is not rewritten"
    );

    let key = RecordKey::new(
        &spec.tenant,
        EntityKind::Invoice,
        adjustment.to_string(),
        system,
        &spec.company,
    );
    let link = world
        .ledger
        .links()
        .get(&key)
        .await
        .unwrap()
        .expect("the adjustment is linked under its own ServiceTitan id");
    assert_ne!(link.target_id, original.target_id);
    let snapshot = world.ledger.snapshots().get(&key).await.unwrap().unwrap();
    let synced: Invoice = serde_json::from_value(snapshot.base).unwrap();
    assert!(
        synced.number.ends_with("-1"),
        "numbered after the original: {}",
        synced.number
    );

    let remote = target.invoices().await.unwrap();
    assert_eq!(remote.len(), count_before + 1);
    let in_books: Vec<_> = remote
        .iter()
        .filter(|r| r.number == synced.number)
        .collect();
    assert_eq!(in_books.len(), 1, "exactly once");
    assert_eq!(in_books[0].id, link.target_id);
    assert_eq!(in_books[0].total, synced.total.amount());
    assert!(in_books[0].total > Decimal::ZERO);
    let original_after = remote
        .iter()
        .find(|r| r.id == original.target_id)
        .expect("the original is still there");
    assert_eq!(original_after.version, original_before.version, "untouched");
    assert_eq!(original_after.total, original_before.total);

    // ServiceTitan's adjustment carries the accounting id as its export mark.
    let marked = st.invoices_by_id(&[adjustment]).await.unwrap();
    assert_eq!(
        marked[0].export_id.as_deref(),
        Some(link.target_id.as_str())
    );

    let third = world.sync(system, &settings()).await;
    assert_eq!(
        (
            third.totals.created,
            third.totals.updated,
            third.totals.errors
        ),
        (0, 0, 0)
    );
    assert_eq!(target.invoices().await.unwrap().len(), count_before + 1);
}

#[tokio::test]
async fn an_adjustment_invoice_lands_once_in_quickbooks() {
    let world = World::start().await;
    check_adjustment(&world, System::QuickBooks, &world.st_qbo, &world.qbo, 0).await;
}

#[tokio::test]
async fn an_adjustment_invoice_lands_once_in_xero() {
    let world = World::start().await;
    check_adjustment(&world, System::Xero, &world.st_xero, &world.xero, 1).await;
}
