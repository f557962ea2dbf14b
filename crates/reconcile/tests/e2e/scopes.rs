//! The scopes the service's triggers choose (`watch`): a ServiceTitan poll leaves the books'
//! changes to a books run, a books run leaves ServiceTitan's, and the daily full pass re-reads
//! both sides from the start and writes nothing twice.

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_reconcile::{SyncReport, SyncScope, SyncSettings};
use serde_json::json;

use crate::helpers::{World, settings};
use crate::inbound_helpers::{
    counts, map_method, open_invoice, payments_created, record_in_books, st_type,
};

fn scoped(servicetitan: bool, books: bool, from_start: bool) -> SyncSettings {
    SyncSettings {
        scope: SyncScope {
            servicetitan,
            books,
            from_start,
        },
        ..settings()
    }
}

fn invoices_created(report: &SyncReport) -> u64 {
    report.targets[0]
        .by_entity
        .get(&EntityKind::Invoice)
        .map_or(0, |c| c.created)
}

async fn each_scope_pulls_its_side_only(system: System) {
    let world = World::start().await;
    let (_, type_name) = st_type(&world, system).await;
    map_method(&world, system, &type_name).await;
    let first = world.sync(system, &settings()).await;
    assert_eq!(
        first.totals.errors, 0,
        "{:?}",
        first.targets[0].blocked_records
    );

    // A payment recorded in the books and a new invoice in ServiceTitan.
    let (_, books_invoice, customer) = open_invoice(&world, system).await;
    record_in_books(&world, system, &books_invoice, &customer).await;
    let tenant = world.tenant(system).tenant;
    let base = world.sandbox.servicetitan_handle.base_url.clone();
    let route = format!("servicetitan/{tenant}/bulk-invoices");
    let added = world.control(&base, &route, json!({ "count": 1 })).await;
    assert_eq!(added["created"], 1, "{added}");

    let st_only = world.sync(system, &scoped(true, false, false)).await;
    assert_eq!(
        payments_created(&st_only),
        0,
        "the books' payment waits for a books run"
    );
    assert_eq!(invoices_created(&st_only), 1, "{:?}", st_only.targets[0]);

    let books_only = world.sync(system, &scoped(false, true, false)).await;
    assert_eq!(
        payments_created(&books_only),
        1,
        "{:?}",
        books_only.targets[0]
    );
    assert_eq!(invoices_created(&books_only), 0);

    let before = counts(&world, system).await;
    let mut dry = scoped(true, true, true);
    dry.dry_run = true;
    let plan = world.sync(system, &dry).await;
    let writes: Vec<_> = plan.targets[0]
        .plan
        .iter()
        .flatten()
        .filter(|p| !p.writes.is_empty())
        .collect();
    // A payment brought over from the books moved ServiceTitan's balance of its invoice and
    // nothing else: that is no reason to rewrite the invoice.
    assert!(
        writes.is_empty(),
        "the full pass plans no write: {writes:?}"
    );
    let full = world.sync(system, &scoped(true, true, true)).await;
    let totals = &full.totals;
    assert_eq!(
        (totals.created, totals.updated, totals.errors),
        (0, 0, 0),
        "{:?}",
        full.targets[0]
    );
    let linked = world.links(system, Some(EntityKind::Invoice)).await.len() as u64;
    let unchanged = full.targets[0].by_entity[&EntityKind::Invoice].unchanged;
    assert!(
        unchanged >= linked,
        "the full pass re-read every linked invoice: {unchanged} unchanged of {linked} linked"
    );
    assert_eq!(
        counts(&world, system).await,
        before,
        "nothing written twice"
    );
}

#[tokio::test]
async fn scopes_quickbooks() {
    each_scope_pulls_its_side_only(System::QuickBooks).await;
}

#[tokio::test]
async fn scopes_xero() {
    each_scope_pulls_its_side_only(System::Xero).await;
}
