//! `--dry-run` plans and reports, and writes nothing anywhere: no remote record, no link,
//! snapshot, operation, cursor or event.

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{OperationFilter, RecordKey};
use ledgerbridge_protocol::Target;
use ledgerbridge_reconcile::SyncSettings;

use crate::helpers::{World, settings};

#[tokio::test]
async fn a_dry_run_writes_nothing_and_plans_what_a_real_run_does() {
    let world = World::start().await;
    let before = world.xero.invoices().await.unwrap().len();
    let dry = SyncSettings {
        dry_run: true,
        ..settings()
    };
    let plan = world.sync(System::Xero, &dry).await;
    assert!(plan.dry_run);
    let planned = plan.targets[0].by_entity[&EntityKind::Invoice];
    assert!(planned.created > 400, "{planned:?}");

    let tenant = world.tenant(System::Xero).tenant;
    let ledger = &world.ledger;
    assert_eq!(
        world.xero.invoices().await.unwrap().len(),
        before,
        "nothing written to Xero"
    );
    assert!(ledger.links().list(&tenant, None).await.unwrap().is_empty());
    assert!(
        ledger
            .cursors()
            .list(Some(&tenant))
            .await
            .unwrap()
            .is_empty(),
        "no cursor moved"
    );
    assert!(
        ledger
            .outbox()
            .list(&OperationFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    let events = ledger.events().list(&Default::default()).await.unwrap();
    assert!(
        events.iter().all(|e| e.kind == "mappings.changed"),
        "{events:?}"
    );

    // The real run then does what the plan said.
    let real = world.sync(System::Xero, &settings()).await;
    let done = real.targets[0].by_entity[&EntityKind::Invoice];
    assert_eq!(done.created, planned.created);
    assert_eq!(done.linked, planned.linked);
}

/// A payment a person linked by hand has no base yet; the real run adopts ServiceTitan's
/// record as its base, a dry run only plans: it leaves no snapshot behind (as for invoices and
/// customers).
#[tokio::test]
async fn a_dry_run_saves_no_base_for_a_payment_linked_by_hand() {
    let world = World::start().await;
    let dry = SyncSettings {
        dry_run: true,
        ..settings()
    };
    let first = world.sync(System::Xero, &dry).await;
    let payment = first.targets[0]
        .plan
        .as_ref()
        .expect("a dry run carries its plan")
        .iter()
        .find(|e| e.entity == EntityKind::Payment && e.servicetitan_id.parse::<i64>().is_ok())
        .expect("a ServiceTitan payment in the plan")
        .servicetitan_id
        .clone();
    let tenant = world.tenant(System::Xero);
    let key = RecordKey::new(
        &tenant.tenant,
        EntityKind::Payment,
        payment.clone(),
        System::Xero,
        &tenant.company,
    );
    world
        .ledger
        .links()
        .insert(&key, "linked-by-hand")
        .await
        .unwrap();

    world.sync(System::Xero, &dry).await;
    assert!(
        world.ledger.snapshots().get(&key).await.unwrap().is_none(),
        "payment {payment}: a dry run saved a base"
    );
}
