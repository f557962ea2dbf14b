//! ServiceTitan invoice PATCHes an interrupted run left `pending` or `sent` are settled by the
//! next run, never left open and never sent again: one ServiceTitan holds is confirmed, the
//! others are given up with the reason (the merge derives what ServiceTitan still lacks).

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{NewOperation, OperationAction, OperationState, Side};
use serde_json::{Value, json};

use crate::books_edits::{descriptions, servicetitan_now, synced_invoice};
use crate::helpers::{World, settings};

/// Records a ServiceTitan-side invoice PATCH the way `engine::servicetitan_edits` does, left in `state`.
async fn interrupted_patch(
    world: &World,
    system: System,
    id: i64,
    target_id: &str,
    payload: Value,
    state: OperationState,
) -> ledgerbridge_ledger::OperationId {
    let t = world.tenant(system);
    let op = world
        .ledger
        .outbox()
        .enqueue(&NewOperation {
            run: None,
            tenant: t.tenant.clone(),
            entity: EntityKind::Invoice,
            side: Side::ServiceTitan,
            action: OperationAction::Update,
            servicetitan_id: Some(id.to_string()),
            target_system: system,
            target_company: t.company.clone(),
            target_id: Some(target_id.to_owned()),
            payload,
        })
        .await
        .unwrap();
    if state == OperationState::Sent {
        world
            .ledger
            .outbox()
            .transition(op.id, OperationState::Sent)
            .await
            .unwrap();
    }
    op.id
}

async fn interrupted_edits_are_settled(system: System) {
    let world = World::start().await;
    world.sync(system, &settings()).await;
    let s = synced_invoice(&world, system).await;
    let st = servicetitan_now(&world, &s).await.record;
    let line = st
        .lines
        .iter()
        .find(|l| l.servicetitan_item_id() == Some(s.item))
        .expect("line")
        .clone();
    let item = |description: &str| {
        json!({"patch": "invoice_item", "body": {
            "id": s.item,
            "description": description,
            "quantity": serde_json::from_str::<Value>(&line.quantity.to_string()).unwrap(),
        }})
    };
    let landed = interrupted_patch(
        &world,
        system,
        s.id,
        &s.target_id,
        item(&line.description),
        OperationState::Sent,
    )
    .await;
    let lost = interrupted_patch(
        &world,
        system,
        s.id,
        &s.target_id,
        item("A description ServiceTitan never received"),
        OperationState::Sent,
    )
    .await;
    let unsent = interrupted_patch(
        &world,
        system,
        s.id,
        &s.target_id,
        json!({"patch": "invoice", "body": {"summary": "never sent"}}),
        OperationState::Pending,
    )
    .await;

    world.sync(system, &settings()).await;

    let state = async |id| world.ledger.outbox().get(id).await.unwrap().expect("op");
    assert_eq!(state(landed).await.state, OperationState::Confirmed);
    for id in [lost, unsent] {
        let op = state(id).await;
        assert_eq!(op.state, OperationState::Dead, "{system}: {op:?}");
        assert!(op.last_error.is_some(), "{system}: a reason is recorded");
    }
    let (_, servicetitan) = descriptions(&world, &s).await;
    assert_eq!(
        servicetitan, line.description,
        "{system}: an unconfirmed PATCH is never sent again"
    );
}

#[tokio::test]
async fn interrupted_quickbooks_edits_are_settled() {
    interrupted_edits_are_settled(System::QuickBooks).await;
}

#[tokio::test]
async fn interrupted_xero_edits_are_settled() {
    interrupted_edits_are_settled(System::Xero).await;
}

/// A crash between confirming an invoice create and linking it (two transactions), then a
/// price change in ServiceTitan: the next run links the invoice the bridge wrote (found by
/// its confirmed create) and updates it, instead of parking the record on "an invoice with
/// that number exists but its total differs" and leaving the written invoice linked to
/// nothing.
async fn a_confirmed_but_unlinked_create_is_relinked(system: System) {
    let world = World::start().await;
    world.sync(system, &settings()).await;
    let s = synced_invoice(&world, system).await;
    let key = crate::books_edits::key(&world, system, s.id);
    assert!(world.ledger.links().remove(&key).await.unwrap());
    let st = servicetitan_now(&world, &s).await.record;
    let line = st
        .lines
        .iter()
        .find(|l| l.servicetitan_item_id() == Some(s.item))
        .expect("line")
        .clone();
    crate::books_edits::servicetitan(&world, system)
        .patch_invoice_item(
            s.id,
            &ledgerbridge_servicetitan::InvoiceItemPatch {
                id: Some(s.item),
                description: line.description.clone(),
                quantity: line.quantity + rust_decimal::Decimal::ONE,
                unit_price: None,
                sku_id: None,
            },
        )
        .await
        .unwrap();

    let second = world.sync(system, &settings()).await;
    let t = &second.targets[0];
    assert_eq!(t.counts().errors, 0, "{system}: {:?}", t.blocked_records);
    let link = world.ledger.links().get(&key).await.unwrap();
    assert_eq!(
        link.map(|l| l.target_id),
        Some(s.target_id.clone()),
        "{system}: relinked to the invoice the bridge wrote"
    );
    let now = servicetitan_now(&world, &s).await.record;
    let books = crate::books_edits::books_now(&world, &s).await.invoice;
    assert_ne!(now.total, st.total, "{system}: the price changed");
    assert_eq!(books.total, now.total, "{system}: the books were updated");
}

#[tokio::test]
async fn a_confirmed_but_unlinked_quickbooks_create_is_relinked() {
    a_confirmed_but_unlinked_create_is_relinked(System::QuickBooks).await;
}

#[tokio::test]
async fn a_confirmed_but_unlinked_xero_create_is_relinked() {
    a_confirmed_but_unlinked_create_is_relinked(System::Xero).await;
}
