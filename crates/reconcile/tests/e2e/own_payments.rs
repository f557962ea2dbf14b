//! A payment the bridge wrote to the books but whose link a crash lost (a ledger from before
//! the outbox confirm and the link shared one transaction) is the bridge's own: the pull
//! links it back to its ServiceTitan payment instead of bringing it over as a person's.

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::Side;
use ledgerbridge_reconcile::books_payments::cursor_key;

use crate::helpers::{World, settings};
use crate::inbound_helpers::{counts, from_books, payments_created};

#[tokio::test]
async fn an_unlinked_payment_the_bridge_wrote_is_linked_back_not_brought_over() {
    let world = World::start().await;
    for system in [System::QuickBooks, System::Xero] {
        world.sync(system, &settings()).await;
        let t = world.tenant(system);
        let links = world
            .ledger
            .links()
            .list(&t.tenant, Some(EntityKind::Payment))
            .await
            .unwrap();
        let mut lost = None;
        for link in links {
            let written = world
                .ledger
                .outbox()
                .confirmed_create(&link.key, Side::Accounting)
                .await
                .unwrap();
            if written.and_then(|op| op.remote_id).as_deref() == Some(link.target_id.as_str()) {
                lost = Some(link);
                break;
            }
        }
        let lost = lost.expect("a payment the bridge wrote");
        // The crash's leftovers: the create confirmed, the link gone; the pull reads it again.
        assert!(world.ledger.links().remove(&lost.key).await.unwrap());
        let cursor = cursor_key(&t.tenant, system, &t.company);
        world.ledger.cursors().reset(&cursor).await.unwrap();
        let before = counts(&world, system).await;

        let report = world.sync(system, &settings()).await;

        let relinked = world.ledger.links().get(&lost.key).await.unwrap();
        assert_eq!(
            relinked.map(|l| l.target_id),
            Some(lost.target_id.clone()),
            "{system}: linked back to the payment it wrote"
        );
        assert_eq!(
            payments_created(&report),
            0,
            "{system}: nothing brought over"
        );
        assert!(
            !from_books(&report)
                .iter()
                .any(|b| b.servicetitan_id.ends_with(&lost.target_id)),
            "{system}: the bridge's own payment is not blocked as a person's: {:?}",
            from_books(&report)
        );
        assert_eq!(
            counts(&world, system).await,
            before,
            "{system}: no payment written"
        );
    }
}
