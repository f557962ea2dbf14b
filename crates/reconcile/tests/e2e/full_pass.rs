//! A stored cursor ServiceTitan refuses (expired, or no longer one of its continuation
//! tokens): the feed is read again from the start, the report says so, and the full pass
//! neither loses the changes made since the last run nor duplicates what was synced.

use std::collections::HashMap;

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::LedgerError;
use ledgerbridge_protocol::Target;
use serde_json::json;

use crate::helpers::{World, settings};

/// What ServiceTitan answers 400 to: neither a continuation token of the feed nor a date.
const REFUSED: &str = "c3QtZXhwb3J0L3YxL2V4cGlyZWQ";

#[tokio::test]
async fn a_refused_cursor_triggers_a_full_pass_that_says_so() {
    let world = World::start().await;
    let system = System::QuickBooks;
    let tenant = world.tenant(system).tenant;
    let first = world.sync(system, &settings()).await;
    assert_eq!(first.totals.errors, 0);
    assert!(
        first.targets[0].warnings.is_empty(),
        "a first pass without a cursor is not a fallback: {:?}",
        first.targets[0].warnings
    );
    let invoices_before = world.qbo.invoices().await.unwrap().len();
    let links_before = world
        .ledger
        .links()
        .list(&tenant, Some(EntityKind::Invoice))
        .await
        .unwrap()
        .len();

    // Changes made while the cursors are broken must not be lost.
    let base = world.sandbox.servicetitan_handle.base_url.clone();
    let added = world
        .control(
            &base,
            &format!("servicetitan/{tenant}/bulk-invoices"),
            json!({ "count": 3 }),
        )
        .await;
    assert_eq!(added["created"], 3, "{added}");

    // The export feeds' cursors (the ledger also keeps the parked records under `reconcile/`).
    let cursors: Vec<_> = world
        .ledger
        .cursors()
        .list(Some(&tenant))
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.key.feed.starts_with("export/"))
        .collect();
    let feeds: Vec<String> = cursors.iter().map(|c| c.key.feed.clone()).collect();
    assert_eq!(feeds.len(), 3, "customers, invoices, payments: {feeds:?}");
    world
        .ledger
        .transaction(async |tx| {
            for c in &cursors {
                tx.advance_cursor(&c.key, REFUSED, None).await?;
            }
            Ok::<_, LedgerError>(())
        })
        .await
        .unwrap();

    let second = world.sync(system, &settings()).await;
    let t = &second.targets[0];
    assert_eq!(t.counts().errors, 0, "{:?}", t.blocked_records);
    assert_eq!(t.warnings.len(), 3, "{:?}", t.warnings);
    for feed in &feeds {
        assert!(
            t.warnings
                .iter()
                .any(|w| w.contains(feed.as_str()) && w.contains("full pass")),
            "the report names the {feed} fallback: {:?}",
            t.warnings
        );
    }
    let json = serde_json::to_value(&second).unwrap();
    assert_eq!(
        json["targets"][0]["warnings"].as_array().map(Vec::len),
        Some(3)
    );
    let invoices = t.by_entity[&EntityKind::Invoice];
    assert_eq!(invoices.created, 3, "only the new invoices: {invoices:?}");
    assert_eq!(invoices.updated, 0, "{invoices:?}");
    assert!(
        invoices.unchanged as usize >= links_before,
        "the full pass saw every synced invoice again: {invoices:?}"
    );
    assert_eq!(
        t.by_entity
            .get(&EntityKind::Payment)
            .map_or(0, |c| c.writes()),
        0
    );

    let remote = world.qbo.invoices().await.unwrap();
    assert_eq!(remote.len(), invoices_before + 3, "nothing lost or doubled");
    let mut by_number: HashMap<&str, usize> = HashMap::new();
    for r in &remote {
        *by_number.entry(r.number.as_str()).or_default() += 1;
    }
    let dupes: Vec<_> = by_number.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dupes.is_empty(), "duplicated numbers {dupes:?}");
    let links = world
        .ledger
        .links()
        .list(&tenant, Some(EntityKind::Invoice))
        .await
        .unwrap();
    assert_eq!(links.len(), links_before + 3);

    // The cursors are ServiceTitan's own again: the next run is incremental and quiet.
    for c in world.ledger.cursors().list(Some(&tenant)).await.unwrap() {
        assert_ne!(c.value, REFUSED, "{} moved on", c.key.feed);
    }
    let third = world.sync(system, &settings()).await;
    assert!(third.targets[0].warnings.is_empty());
    assert_eq!(third.totals.created + third.totals.updated, 0);
    assert!(
        third.totals.unchanged < 50,
        "incremental again, not another full pass: {:?}",
        third.totals
    );
}
