//! Customer matches a person settles: a rejected suggestion is never proposed again, and the
//! next sync creates the ServiceTitan customer anew (the web UI's Reject button).

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::RecordKey;
use ledgerbridge_protocol::Target;
use ledgerbridge_reconcile::links::{reject_suggestion, rejected, suggested};

use crate::helpers::{World, settings};

#[tokio::test]
async fn a_rejected_customer_match_is_created_as_new_on_the_next_sync() {
    let world = World::start().await;
    let spec = world.tenant(System::Xero);
    world.sync(System::Xero, &settings()).await;
    let open = suggested(&world.ledger, &spec.tenant).await.unwrap();
    assert_eq!(open.len(), 1, "the demo world has one weak match: {open:?}");
    let s = open[0].clone();
    let key = RecordKey::new(
        &spec.tenant,
        EntityKind::Customer,
        &s.servicetitan_id,
        System::Xero,
        &spec.company,
    );
    assert!(world.ledger.links().get(&key).await.unwrap().is_none());

    reject_suggestion(
        &world.ledger,
        &spec.tenant,
        &s.servicetitan_id,
        &s.target_id,
        "test",
    )
    .await
    .unwrap();
    assert!(
        rejected(&world.ledger, &spec.tenant)
            .await
            .unwrap()
            .contains(&(s.servicetitan_id.clone(), s.target_id.clone()))
    );
    assert!(
        suggested(&world.ledger, &spec.tenant)
            .await
            .unwrap()
            .is_empty()
    );

    world.sync(System::Xero, &settings()).await;
    let link = world
        .ledger
        .links()
        .get(&key)
        .await
        .unwrap()
        .expect("the customer was created and linked");
    assert_ne!(link.target_id, s.target_id, "never the rejected customer");
    let id: i64 = s.servicetitan_id.parse().unwrap();
    let remote = world.xero.customers().await.unwrap();
    let created = remote
        .iter()
        .find(|c| c.id == link.target_id)
        .expect("the new customer is in Xero");
    assert_eq!(
        created.servicetitan_id,
        Some(id),
        "stamped as the bridge's own"
    );
    assert!(
        remote.iter().any(|c| c.id == s.target_id),
        "the rejected customer is left alone"
    );
    assert!(
        suggested(&world.ledger, &spec.tenant)
            .await
            .unwrap()
            .is_empty(),
        "not suggested again"
    );
    // A third run changes nothing about it.
    world.sync(System::Xero, &settings()).await;
    let again = world.ledger.links().get(&key).await.unwrap().unwrap();
    assert_eq!(again.target_id, link.target_id);
}
