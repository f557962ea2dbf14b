//! Voids flow: a voided payment is read as `Voided` by the feed, the paged list and the
//! look-up by id (the 2025 payment list hides voided payments unless asked, and its items have
//! no `active` field); a voided invoice likewise.

use chrono::Utc;
use futures::TryStreamExt;
use ledgerbridge_core::{InvoiceStatus, PaymentStatus};
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_servicetitan::NewPayment;
use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::json;

use crate::helpers::World;

#[tokio::test]
async fn a_voided_payment_is_read_as_voided_by_the_list_the_look_up_and_the_feed() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let st = world.connector();
    let invoice = world.seed_invoices(1)[0];
    let type_id = st.payment_types().await.unwrap()[0].id;
    let amount = Decimal::new(2500, 2);
    let id = st
        .create_payment(&NewPayment {
            type_id,
            paid_on: Utc::now(),
            memo: None,
            check_number: Some("77".into()),
            export_id: "QBO-PMT-77".into(),
            splits: vec![(invoice, amount)],
        })
        .await
        .unwrap();
    let before = st.payments_by_id(&[id]).await.unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].record.status, PaymentStatus::Posted);

    // A person voids it (the API's PATCH with `active: false`).
    let body = json!({"typeId": type_id, "active": false,
                      "splits": [{"invoiceId": invoice, "amount": 25.00}]});
    world
        .api(
            Method::PATCH,
            &format!("accounting/v2/tenant/{}/payments/{id}", world.tenant_id()),
            body,
        )
        .await;

    let after = st.payments_by_id(&[id]).await.unwrap();
    assert_eq!(after.len(), 1, "a voided payment is still found by id");
    assert_eq!(after[0].record.status, PaymentStatus::Voided);
    assert!(after[0].modified_on > before[0].modified_on);

    let pages: Vec<_> = st.payment_pages(None).try_collect().await.unwrap();
    let listed: Vec<_> = pages.iter().flat_map(|p| &p.records).collect();
    let voided: Vec<_> = listed
        .iter()
        .filter(|r| r.record.status == PaymentStatus::Voided)
        .map(|r| r.id)
        .collect();
    assert!(voided.contains(&id), "the list reads the voided payment");
    assert!(
        pages.iter().all(|p| p.duplicates == 0),
        "the two passes do not overlap"
    );

    // The feed (which carries `active`) agrees with the list on every payment's status.
    let batches: Vec<_> = st.payment_changes(None).try_collect().await.unwrap();
    let fed: std::collections::HashMap<i64, PaymentStatus> = batches
        .iter()
        .flat_map(|b| &b.records)
        .map(|r| (r.id, r.record.status))
        .collect();
    assert_eq!(
        fed.len(),
        listed.len(),
        "the list misses no payment the feed has"
    );
    for record in &listed {
        assert_eq!(
            fed.get(&record.id),
            Some(&record.record.status),
            "payment {}",
            record.id
        );
    }
    assert!(
        voided.len() >= 2,
        "the demo's voided payment too: {voided:?}"
    );
}

#[tokio::test]
async fn a_voided_invoice_is_read_as_voided_by_the_look_up_and_the_list() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let st = world.connector();
    let id = world.seed_invoices(1)[0];
    world
        .control(
            &format!("servicetitan/{}/invoices/{id}/void", world.tenant_id()),
            json!({}),
        )
        .await;
    let read = st.invoices_by_id(&[id]).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].record.status, InvoiceStatus::Voided);
    let pages: Vec<_> = st.invoice_pages(None).try_collect().await.unwrap();
    let listed = pages
        .iter()
        .flat_map(|p| &p.records)
        .find(|r| r.id == id)
        .unwrap();
    assert_eq!(listed.record.status, InvoiceStatus::Voided);
}
