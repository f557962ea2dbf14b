//! The same line changed differently on both sides: one conflict with the right field path and
//! values under the default (`manual`), and each policy settling its case as documented
//! (docs/conflicts.md), in QuickBooks and Xero.

use ledgerbridge_core::{EntityKind, Policy, PolicySet, System};
use ledgerbridge_reconcile::SyncSettings;
use serde_json::json;

use crate::books_edits::{descriptions, edit_both, key, synced_invoice_nth};
use crate::helpers::{World, settings};

fn with_policy(policy: Policy) -> SyncSettings {
    SyncSettings {
        policies: PolicySet::default().with_entity(EntityKind::Invoice, policy),
        ..settings()
    }
}

async fn both_sides_edited_make_one_conflict(system: System) {
    let world = World::start().await;
    world.sync(system, &settings()).await;
    let s = synced_invoice_nth(&world, system, 0).await;
    let (original, _) = descriptions(&world, &s).await;
    edit_both(&world, &s, "Fan motor (tech)", "Fan motor (accountant)").await;

    for run in ["detecting", "next"] {
        let report = world.sync(system, &settings()).await;
        let t = &report.targets[0];
        assert_eq!(t.counts().conflicts, 1, "{run}: {:?}", t.blocked_records);
        assert_eq!(
            t.counts().writes(),
            0,
            "{run}: a conflict freezes the record"
        );
        let open = world
            .ledger
            .conflicts()
            .open_for(&key(&world, system, s.id))
            .await
            .unwrap()
            .expect("an open conflict");
        assert_eq!(open.fields.len(), 1, "{:?}", open.fields);
        let field = &open.fields[0];
        assert_eq!(field.path, s.line_path("description"));
        assert_eq!(field.base, json!(original));
        assert_eq!(field.servicetitan, json!("Fan motor (tech)"));
        assert_eq!(field.accounting, json!("Fan motor (accountant)"));
        assert_eq!(open.target_id, s.target_id);
    }
    let (books, st) = descriptions(&world, &s).await;
    assert_eq!(
        (books.as_str(), st.as_str()),
        ("Fan motor (accountant)", "Fan motor (tech)")
    );
    assert_eq!(world.ledger.conflicts().count_open(None).await.unwrap(), 1);
}

#[tokio::test]
async fn quickbooks_both_sides_edited_make_one_conflict() {
    both_sides_edited_make_one_conflict(System::QuickBooks).await;
}

#[tokio::test]
async fn xero_both_sides_edited_make_one_conflict() {
    both_sides_edited_make_one_conflict(System::Xero).await;
}

/// One invoice per policy, each edited on both sides (the books last) and synced under it.
async fn each_policy_settles_its_case(system: System) {
    let world = World::start().await;
    world.sync(system, &settings()).await;
    let cases = [
        (Policy::ServiceTitanWins, Some("tech")),
        (Policy::AccountingWins, Some("accountant")),
        (Policy::NewestWins, Some("accountant")),
        (Policy::Manual, None),
    ];
    for (n, (policy, winner)) in cases.into_iter().enumerate() {
        let s = synced_invoice_nth(&world, system, n).await;
        edit_both(&world, &s, "Coil (tech)", "Coil (accountant)").await;
        let report = world.sync(system, &with_policy(policy)).await;
        let t = &report.targets[0];
        let (books, st) = descriptions(&world, &s).await;
        let open = world
            .ledger
            .conflicts()
            .open_for(&key(&world, system, s.id))
            .await
            .unwrap();
        match winner {
            Some(side) => {
                let expected = format!("Coil ({side})");
                assert_eq!((&books, &st), (&expected, &expected), "{system} {policy}");
                assert!(
                    open.is_none(),
                    "{system} {policy}: settled without a person"
                );
                assert_eq!(t.counts().conflicts, 0, "{policy}: {:?}", t.blocked_records);
                let next = world.sync(system, &with_policy(policy)).await;
                assert_eq!(
                    next.totals.created + next.totals.updated,
                    0,
                    "{system} {policy}: no echo"
                );
            }
            None => {
                assert_eq!(
                    (books.as_str(), st.as_str()),
                    ("Coil (accountant)", "Coil (tech)")
                );
                assert!(open.is_some(), "{system}: manual leaves it for a person");
                assert_eq!(t.counts().conflicts, 1);
            }
        }
    }
}

#[tokio::test]
async fn quickbooks_policies_settle_their_cases() {
    each_policy_settles_its_case(System::QuickBooks).await;
}

#[tokio::test]
async fn xero_policies_settle_their_cases() {
    each_policy_settles_its_case(System::Xero).await;
}
