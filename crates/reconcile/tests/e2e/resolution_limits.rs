//! Issue #5: a resolution whose value one system would refuse (longer than its documented
//! limit) is never half-applied. The sync checks it before writing either side, writes
//! neither, and opens the same conflict again with the reason.

use ledgerbridge_core::System;
use ledgerbridge_ledger::Resolution;
use serde_json::json;

use crate::books_edits::{descriptions, edit_both, key, synced_invoice_nth};
use crate::helpers::{World, settings};

#[tokio::test]
async fn a_resolved_value_too_long_for_the_books_writes_neither_side_and_stays_open() {
    let system = System::QuickBooks;
    let world = World::start().await;
    world.sync(system, &settings()).await;
    let s = synced_invoice_nth(&world, system, 0).await;
    edit_both(&world, &s, "Hose (tech)", "Hose (accountant)").await;
    world.sync(system, &settings()).await;
    let open = world
        .ledger
        .conflicts()
        .open_for(&key(&world, system, s.id))
        .await
        .unwrap()
        .expect("open conflict");
    // Recorded straight in the ledger, as a decision made before the CLI checked limits.
    let path = s.line_path("description");
    let resolution = Resolution {
        choice: json!({ path.clone(): {"value": "x".repeat(100_000)} }),
        by: "ana".into(),
        note: None,
    };
    world
        .ledger
        .conflicts()
        .resolve(open.id, &resolution)
        .await
        .unwrap();

    let report = world.sync(system, &settings()).await;
    let t = &report.targets[0];
    assert_eq!(t.counts().writes(), 0, "nothing written");
    let expected = format!("{path} is 100000 characters; QuickBooks allows at most 4000");
    assert!(
        t.blocked_records
            .iter()
            .any(|b| b.servicetitan_id == s.id.to_string() && b.reason.contains(&expected)),
        "{:?}",
        t.blocked_records
    );
    assert_eq!(
        descriptions(&world, &s).await,
        ("Hose (accountant)".to_owned(), "Hose (tech)".to_owned()),
        "neither side was written"
    );
    let again = world
        .ledger
        .conflicts()
        .open_for(&key(&world, system, s.id))
        .await
        .unwrap()
        .expect("open again");
    assert_eq!(again.id, open.id, "the same conflict, not a new one");
    assert_eq!(again.resolution, None);
    assert_eq!(
        world.ledger.conflicts().applied_at(open.id).await.unwrap(),
        None,
        "never marked applied"
    );

    // A decision that fits is then applied as usual.
    let fits = Resolution {
        choice: json!({ path: {"value": "Hose, 3/4 in"} }),
        by: "ana".into(),
        note: None,
    };
    world
        .ledger
        .conflicts()
        .resolve(open.id, &fits)
        .await
        .unwrap();
    world.sync(system, &settings()).await;
    assert_eq!(
        descriptions(&world, &s).await,
        ("Hose, 3/4 in".to_owned(), "Hose, 3/4 in".to_owned())
    );
}
