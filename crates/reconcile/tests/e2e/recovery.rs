//! Lost answers: the remote committed the write but the answer never arrived. The engine
//! replays the same key and bytes, then looks the record up; nothing is created twice.

use std::collections::HashMap;

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_protocol::Target;
use serde_json::json;

use crate::helpers::{World, settings};

#[tokio::test]
async fn lost_answers_never_duplicate_an_invoice() {
    let world = World::start().await;
    for base in [
        world.sandbox.quickbooks_handle.base_url.clone(),
        world.sandbox.xero_handle.base_url.clone(),
    ] {
        world
            .control(
                &base,
                "faults",
                json!({ "seed": 11, "lost_after_commit_rate": 0.25 }),
            )
            .await;
    }
    for system in [System::QuickBooks, System::Xero] {
        // Faulty runs may stop early or leave outcomes unknown; the next runs finish the job.
        let tenant = world.tenant(system);
        let _ = world.try_sync(system, &settings()).await;
        let _ = world.try_sync(system, &settings()).await;
        let base = match system {
            System::QuickBooks => world.sandbox.quickbooks_handle.base_url.clone(),
            _ => world.sandbox.xero_handle.base_url.clone(),
        };
        world
            .http
            .delete(format!("{base}/_sandbox/faults"))
            .send()
            .await
            .unwrap();
        let last = world.sync(system, &settings()).await;
        assert_eq!(
            last.totals.errors, 0,
            "{:?}",
            last.targets[0].blocked_records
        );
        let remote = match system {
            System::QuickBooks => world.qbo.invoices().await.unwrap(),
            _ => world.xero.invoices().await.unwrap(),
        };
        let mut by_number: HashMap<&str, usize> = HashMap::new();
        for r in &remote {
            *by_number.entry(r.number.as_str()).or_default() += 1;
        }
        let dupes: Vec<_> = by_number.iter().filter(|(_, n)| **n > 1).collect();
        assert!(dupes.is_empty(), "{system}: duplicated numbers {dupes:?}");
        let links = world
            .ledger
            .links()
            .list(&tenant.tenant, Some(EntityKind::Invoice))
            .await
            .unwrap();
        assert!(
            links.len() > 400,
            "{system}: {} invoices linked",
            links.len()
        );
    }
}
