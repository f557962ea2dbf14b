//! A void the books refuse: Xero will not void an invoice with payments allocated. The void is
//! blocked with Xero's reason and stays blocked run after run (the feed will not bring the
//! change back, so only parking keeps it alive); once the payment is removed in Xero, the
//! next run voids the invoice, once.

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_protocol::Target;
use ledgerbridge_xero::WriteBatch;
use rust_decimal::Decimal;
use serde_json::json;

use crate::helpers::{World, settings};

#[tokio::test]
async fn a_void_xero_refuses_is_retried_until_the_payment_is_removed() {
    let world = World::start().await;
    let system = System::Xero;
    let tenant = world.tenant(system).tenant;
    let first = world.sync(system, &settings()).await;
    assert_eq!(first.totals.errors, 0);

    // A synced invoice fully paid in Xero by exactly one payment.
    let remote = world.xero.invoices().await.unwrap();
    let links = world
        .ledger
        .links()
        .list(&tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    let paid: Vec<String> = links
        .iter()
        .filter(|l| {
            remote.iter().any(|r| {
                r.id == l.target_id && r.total > Decimal::ZERO && r.balance == Decimal::ZERO
            })
        })
        .map(|l| l.target_id.clone())
        .collect();
    let detail = world.xero.connector().invoices_by_id(&paid).await.unwrap();
    let (target_id, invoice) = detail
        .iter()
        .find(|(_, i)| i.payments.len() == 1)
        .expect("a synced invoice paid by one payment");
    let link = links
        .iter()
        .find(|l| l.target_id.eq_ignore_ascii_case(target_id))
        .unwrap();
    let id: i64 = link.key.servicetitan_id.parse().unwrap();
    let payment_id = invoice.payments[0].payment_id.clone().expect("payment id");

    let base = world.sandbox.servicetitan_handle.base_url.clone();
    world
        .control(
            &base,
            &format!("servicetitan/{tenant}/invoices/{id}/void"),
            json!({}),
        )
        .await;
    let status = async || {
        let found = world
            .xero
            .connector()
            .invoices_by_id(std::slice::from_ref(&link.target_id))
            .await
            .unwrap();
        found[&link.target_id.to_ascii_lowercase()].status.clone()
    };
    for run in ["the void's first run", "the next run"] {
        let report = world.sync(system, &settings()).await;
        let t = &report.targets[0];
        let blocked: Vec<_> = t
            .blocked_records
            .iter()
            .filter(|b| b.entity == EntityKind::Invoice && b.servicetitan_id == id.to_string())
            .collect();
        assert_eq!(blocked.len(), 1, "{run}: {:?}", t.blocked_records);
        assert!(
            blocked[0].reason.contains("refused the void") && blocked[0].reason.contains("payment"),
            "{run}: the reason says what to do: {}",
            blocked[0].reason
        );
        assert_eq!(t.counts().writes(), 0, "{run}");
        assert_eq!(status().await.as_deref(), Some("PAID"), "{run}");
    }

    // Someone removes the payment in Xero; the parked void now goes through.
    world
        .xero
        .connector()
        .send_batch(
            &WriteBatch::delete_payment(&payment_id).unwrap(),
            "test-remove-payment",
        )
        .await
        .unwrap();
    let ours = |t: &ledgerbridge_reconcile::TargetReport| {
        t.blocked_records
            .iter()
            .filter(|b| b.entity == EntityKind::Invoice && b.servicetitan_id == id.to_string())
            .count()
    };
    let report = world.sync(system, &settings()).await;
    let t = &report.targets[0];
    assert_eq!(ours(t), 0, "{:?}", t.blocked_records);
    assert_eq!(t.by_entity[&EntityKind::Invoice].updated, 1);
    assert_eq!(status().await.as_deref(), Some("VOIDED"));
    let last = world.sync(system, &settings()).await;
    assert_eq!(last.totals.created + last.totals.updated, 0);
    assert_eq!(ours(&last.targets[0]), 0);
}
