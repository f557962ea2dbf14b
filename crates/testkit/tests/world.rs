//! The test world itself: its tenants match the sandbox, the demo mappings are stored for the
//! tenants chosen, the ledger lives in a temporary folder, and the helpers reach the sandbox.

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_testkit::{LedgerKind, Scenario, Tenants, World, WorldOptions};

#[tokio::test]
async fn the_default_world_connects_both_demo_tenants_with_their_mappings() {
    let world = World::start(WorldOptions::default()).await;
    let qbo = world.tenant(System::QuickBooks);
    let xero = world.tenant(System::Xero);
    assert_eq!(
        qbo.tenant,
        world.info.servicetitan.tenants[0].tenant_id.to_string()
    );
    assert_eq!(qbo.company, world.info.quickbooks.realm_id);
    assert_eq!(
        xero.tenant,
        world.info.servicetitan.tenants[1].tenant_id.to_string()
    );
    assert_eq!(xero.company, world.info.xero.tenant_id);
    assert_eq!(world.systems(), [System::QuickBooks, System::Xero]);
    for spec in [&qbo, &xero] {
        let rows = world
            .ledger
            .mappings()
            .list(Some(&spec.tenant))
            .await
            .unwrap();
        assert!(!rows.is_empty(), "no demo mappings for {}", spec.tenant);
    }
    assert!(
        world
            .links(System::QuickBooks, Some(EntityKind::Invoice))
            .await
            .is_empty()
    );

    world.advance_clock(120).await;
    assert_eq!(world.sandbox.clock().offset_seconds(), 120);
}

#[tokio::test]
async fn a_quickbooks_only_world_maps_only_that_tenant_and_syncs_it() {
    let world = World::start(WorldOptions {
        tenants: Tenants::QuickBooks,
        ledger: LedgerKind::InMemory,
        scenario: Scenario::Empty,
        ..WorldOptions::default()
    })
    .await;
    let xero = world.tenant(System::Xero).tenant;
    assert!(
        world
            .ledger
            .mappings()
            .list(Some(&xero))
            .await
            .unwrap()
            .is_empty()
    );
    let report = world.sync(System::QuickBooks, &world.settings).await;
    assert!(!report.dry_run);
    assert_eq!(report.targets.len(), 1);
}
