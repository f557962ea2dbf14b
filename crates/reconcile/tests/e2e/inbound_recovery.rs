//! Payments from the books, continued: a run that stopped between committing a ServiceTitan
//! create and learning its outcome is finished by look-up at the start of the next run; a
//! payment voided in the books is reported, never looped; a dry run writes nothing.

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{
    IdempotencyKey, NewOperation, NewRequest, OperationAction, OperationFilter, OperationId,
    OperationState, RequestStatus, Side,
};
use ledgerbridge_protocol::Target;
use ledgerbridge_quickbooks::{Entity, wire};
use ledgerbridge_reconcile::SyncSettings;
use ledgerbridge_reconcile::books_payments::{export_id, memo_for};
use ledgerbridge_servicetitan::NewPayment;
use rust_decimal::Decimal;
use serde_json::json;

use crate::helpers::{World, settings};
use crate::inbound_helpers::{
    map_method, open_invoice, payments_created, record_in_books, st, st_payments, st_type,
};

const QBO: System = System::QuickBooks;

/// Leaves the ledger as a run that crashed right after committing the create of `books_id`
/// (operation `sent`, request recorded); with `reached`, the create also reached
/// ServiceTitan before the crash. Returns the operation, the request and the new payment.
async fn crashed_create(
    world: &World,
    books_id: &str,
    invoice: i64,
    reached: bool,
) -> (OperationId, IdempotencyKey, Option<i64>) {
    let t = world.tenant(QBO);
    let books = world
        .qbo
        .payment_changes(None)
        .await
        .unwrap()
        .payments
        .into_iter()
        .find(|p| p.id == books_id)
        .expect("the payment is in the books");
    let (type_id, _) = st_type(world, QBO).await;
    let export = export_id(QBO, books_id);
    let memo = memo_for(QBO, &export);
    let amount = Decimal::new(1000, 2);
    let payload = json!({
        "books": books, "export_id": export, "type_id": type_id, "memo": memo,
        "splits": [[invoice, amount]],
    });
    let run = world.ledger.runs().start(false).await.unwrap().id;
    let op = world
        .ledger
        .outbox()
        .enqueue(&NewOperation {
            run: Some(run),
            tenant: t.tenant.clone(),
            entity: EntityKind::Payment,
            side: Side::ServiceTitan,
            action: OperationAction::Create,
            servicetitan_id: None,
            target_system: QBO,
            target_company: t.company.clone(),
            target_id: Some(books_id.to_owned()),
            payload,
        })
        .await
        .unwrap();
    let request = world
        .ledger
        .requests()
        .prepare(&NewRequest {
            run: Some(run),
            tenant: t.tenant.clone(),
            system: System::ServiceTitan,
            method: "POST".into(),
            path: "/accounting/v2/tenant/t/payments".into(),
            body: b"{}".to_vec(),
            members: vec![op.id],
        })
        .await
        .unwrap();
    let created = if reached {
        let id = st(world, QBO)
            .create_payment(&NewPayment {
                type_id,
                paid_on: chrono::Utc::now(),
                memo: Some(memo),
                check_number: None,
                export_id: export,
                splits: vec![(invoice, amount)],
            })
            .await
            .unwrap();
        Some(id)
    } else {
        None
    };
    (op.id, request.key, created)
}

fn ours(
    found: &[ledgerbridge_connector::SourceRecord<ledgerbridge_core::Payment>],
    books_id: &str,
) -> usize {
    let export = export_id(QBO, books_id);
    found
        .iter()
        .filter(|p| {
            ledgerbridge_reconcile::books_payments::memo_names(p.record.memo.as_deref(), &export)
        })
        .count()
}

#[tokio::test]
async fn an_unfinished_create_is_settled_by_look_up_at_the_next_run() {
    let world = World::start().await;
    world.sync(QBO, &settings()).await;
    let (_, name) = st_type(&world, QBO).await;
    map_method(&world, QBO, &name).await;
    let (invoice, books_invoice, customer) = open_invoice(&world, QBO).await;
    let before = st_payments(&world, QBO, invoice).await.len();

    // The create reached ServiceTitan, then the run crashed: found, linked, not re-created.
    let reached = record_in_books(&world, QBO, &books_invoice, &customer).await;
    crashed_create(&world, &reached, invoice, true).await;
    // The create never left: proven absent, planned again, created once.
    let lost = record_in_books(&world, QBO, &books_invoice, &customer).await;
    crashed_create(&world, &lost, invoice, false).await;

    let report = world.sync(QBO, &settings()).await;
    assert_eq!(payments_created(&report), 2, "{:?}", report.targets[0]);
    assert_eq!(report.totals.errors, 0, "{:?}", report.targets[0]);
    let found = st_payments(&world, QBO, invoice).await;
    assert_eq!(found.len(), before + 2);
    assert_eq!((ours(&found, &reached), ours(&found, &lost)), (1, 1));
    let t = world.tenant(QBO);
    for id in [&reached, &lost] {
        let link = world
            .ledger
            .links()
            .find_by_target(EntityKind::Payment, QBO, &t.company, id)
            .await
            .unwrap();
        assert!(link.is_some(), "{id} linked");
    }
    let open = world
        .ledger
        .outbox()
        .list(&OperationFilter {
            state: Some(OperationState::Sent),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(open.is_empty(), "nothing left in flight: {open:?}");
    let again = world.sync(QBO, &settings()).await;
    assert_eq!(again.totals.created + again.totals.updated, 0);
    assert_eq!(st_payments(&world, QBO, invoice).await.len(), before + 2);
}

/// A run that stopped after confirming a create but before completing its request and
/// linking the payment (convergence seeds 237, 618, 877, 993, before those steps shared a
/// transaction) is finished by the next run: linked, not created a second time.
#[tokio::test]
async fn a_confirmed_create_left_unlinked_is_linked_not_created_again() {
    let world = World::start().await;
    world.sync(QBO, &settings()).await;
    let (_, name) = st_type(&world, QBO).await;
    map_method(&world, QBO, &name).await;
    let (invoice, books_invoice, customer) = open_invoice(&world, QBO).await;
    let before = st_payments(&world, QBO, invoice).await.len();
    let books_id = record_in_books(&world, QBO, &books_invoice, &customer).await;
    let (op, key, created) = crashed_create(&world, &books_id, invoice, true).await;
    let st_id = created.expect("the create reached ServiceTitan");
    world.ledger.requests().start_attempt(key).await.unwrap();
    let remote = st_id.to_string();
    world
        .ledger
        .outbox()
        .confirm(op, Some(&remote))
        .await
        .unwrap();

    let report = world.sync(QBO, &settings()).await;
    assert_eq!(payments_created(&report), 0, "{:?}", report.targets[0]);
    let found = st_payments(&world, QBO, invoice).await;
    assert_eq!(found.len(), before + 1, "no second copy");
    assert_eq!(ours(&found, &books_id), 1);
    let t = world.tenant(QBO);
    let link = world
        .ledger
        .links()
        .find_by_target(EntityKind::Payment, QBO, &t.company, &books_id)
        .await
        .unwrap()
        .expect("linked");
    assert_eq!(link.key.servicetitan_id, remote);
    let request = world.ledger.requests().get(key).await.unwrap().unwrap();
    assert_eq!(request.status, RequestStatus::Done);
    let again = world.sync(QBO, &settings()).await;
    assert_eq!(payments_created(&again), 0);
    assert_eq!(st_payments(&world, QBO, invoice).await.len(), before + 1);
}

#[tokio::test]
async fn a_payment_voided_in_the_books_is_reported_once_and_never_loops() {
    let world = World::start().await;
    world.sync(QBO, &settings()).await;
    let (_, name) = st_type(&world, QBO).await;
    map_method(&world, QBO, &name).await;
    let (invoice, books_invoice, customer) = open_invoice(&world, QBO).await;
    let books_id = record_in_books(&world, QBO, &books_invoice, &customer).await;
    let created = world.sync(QBO, &settings()).await;
    assert_eq!(payments_created(&created), 1);
    let found = st_payments(&world, QBO, invoice).await;
    let st_id = found
        .iter()
        .find(|p| {
            ledgerbridge_reconcile::books_payments::memo_names(
                p.record.memo.as_deref(),
                &export_id(QBO, &books_id),
            )
        })
        .unwrap()
        .id;

    // The accountant voids it in QuickBooks.
    let qbo = world.qbo.connector();
    let current = qbo
        .read::<wire::Payment>(Entity::Payment, &books_id)
        .await
        .unwrap()
        .unwrap();
    let void = qbo
        .prepare_void(Entity::Payment, &books_id, &current.sync_token)
        .unwrap();
    qbo.send_write("test-void-payment", &void).await.unwrap();

    let report = world.sync(QBO, &settings()).await;
    let t = &report.targets[0];
    assert_eq!(t.counts().writes(), 0, "{t:?}");
    let warned: Vec<_> = t
        .warnings
        .iter()
        .filter(|w| w.contains("cannot void a payment"))
        .collect();
    assert_eq!(warned.len(), 1, "{:?}", t.warnings);
    assert!(warned[0].contains(&st_id.to_string()), "{}", warned[0]);
    assert!(
        t.blocked_records
            .iter()
            .any(|b| b.servicetitan_id == st_id.to_string())
    );
    for run in 1..=3 {
        let again = world.sync(QBO, &settings()).await;
        let t = &again.targets[0];
        assert_eq!(t.counts().writes(), 0, "run {run}: {t:?}");
        assert!(t.warnings.is_empty(), "run {run}: {:?}", t.warnings);
    }
    let still = st_payments(&world, QBO, invoice).await;
    assert!(still.iter().any(|p| p.id == st_id), "left for a person");
}

#[tokio::test]
async fn a_dry_run_brings_nothing_back() {
    let world = World::start().await;
    world.sync(QBO, &settings()).await;
    let (_, name) = st_type(&world, QBO).await;
    map_method(&world, QBO, &name).await;
    let (invoice, books_invoice, customer) = open_invoice(&world, QBO).await;
    let before = st_payments(&world, QBO, invoice).await.len();
    let books_id = record_in_books(&world, QBO, &books_invoice, &customer).await;
    let dry = SyncSettings {
        dry_run: true,
        ..settings()
    };
    let planned = world.sync(QBO, &dry).await;
    assert_eq!(payments_created(&planned), 1, "{:?}", planned.targets[0]);
    assert_eq!(st_payments(&world, QBO, invoice).await.len(), before);
    let t = world.tenant(QBO);
    let link = world
        .ledger
        .links()
        .find_by_target(EntityKind::Payment, QBO, &t.company, &books_id)
        .await
        .unwrap();
    assert!(link.is_none());
    let report = world.sync(QBO, &settings()).await;
    assert_eq!(payments_created(&report), 1, "the dry run moved no cursor");
    assert_eq!(st_payments(&world, QBO, invoice).await.len(), before + 1);
}

#[tokio::test]
async fn a_payment_already_recorded_in_servicetitan_is_not_recorded_twice() {
    let world = World::start().await;
    world.sync(QBO, &settings()).await;
    let (type_id, name) = st_type(&world, QBO).await;
    map_method(&world, QBO, &name).await;
    let (invoice, books_invoice, customer) = open_invoice(&world, QBO).await;
    // Someone records the customer's payment in ServiceTitan by hand, paying the invoice off.
    let st_invoice = st(&world, QBO).invoices_by_id(&[invoice]).await.unwrap();
    let open = st_invoice[0].record.balance.amount();
    assert!(open > Decimal::ZERO);
    st(&world, QBO)
        .create_payment(&NewPayment {
            type_id,
            paid_on: chrono::Utc::now(),
            memo: None,
            check_number: None,
            export_id: "by-hand".into(),
            splits: vec![(invoice, open)],
        })
        .await
        .unwrap();
    let before = st_payments(&world, QBO, invoice).await.len();
    // ...and the accountant records it in QuickBooks too.
    let books_id = record_in_books(&world, QBO, &books_invoice, &customer).await;
    for run in ["first", "second"] {
        let report = world.sync(QBO, &settings()).await;
        let t = &report.targets[0];
        let blocked: Vec<_> = t
            .blocked_records
            .iter()
            .filter(|b| b.servicetitan_id == export_id(QBO, &books_id))
            .collect();
        assert_eq!(blocked.len(), 1, "{run}: {:?}", t.blocked_records);
        assert!(
            blocked[0]
                .reason
                .contains("may already be recorded in ServiceTitan"),
            "{run}: {}",
            blocked[0].reason
        );
        assert_eq!(payments_created(&report), 0, "{run}");
        assert_eq!(
            st_payments(&world, QBO, invoice).await.len(),
            before,
            "{run}"
        );
    }
}
