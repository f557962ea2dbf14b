//! Export feeds: continuation from a stored cursor while records change underneath, the
//! 15-minute lag, and dedupe.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use ledgerbridge_connector::{ChangeBatch, FeedCursor};
use ledgerbridge_core::Invoice;
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_servicetitan::{InvoicePatch, ServiceTitan};

use crate::helpers::World;

async fn read_feed(
    st: &ServiceTitan,
    from: Option<FeedCursor>,
) -> (HashMap<i64, DateTime<Utc>>, FeedCursor, usize) {
    let batches: Vec<ChangeBatch<Invoice>> = st.invoice_changes(from).try_collect().await.unwrap();
    let last = batches
        .last()
        .expect("a feed read yields at least one batch");
    assert!(last.caught_up);
    let cursor = last.cursor.clone();
    let mut seen = HashMap::new();
    let mut delivered = 0;
    for batch in &batches {
        assert!(batch.quarantined.is_empty(), "{:?}", batch.quarantined);
        for record in &batch.records {
            delivered += 1;
            let previous = seen.insert(record.id, record.modified_on);
            assert!(
                previous.is_none_or(|p| p < record.modified_on),
                "invoice {} delivered twice at one version",
                record.id
            );
        }
    }
    (seen, cursor, delivered)
}

#[tokio::test]
async fn export_continues_from_a_stored_cursor_while_records_change_underneath() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let bulk = world.seed_invoices(1_200); // more than one export response
    let st = world.connector();

    let (first, cursor, delivered) = read_feed(&st, None).await;
    assert!(
        bulk.iter().all(|id| first.contains_key(id)),
        "the first pass sees every invoice"
    );
    assert_eq!(
        delivered,
        first.len(),
        "no invoice delivered twice within one pass"
    );

    // Change records underneath: edit some, add some.
    let edited = [bulk[3], bulk[600], bulk[1_199]];
    for id in edited {
        let patch = InvoicePatch {
            summary: Some(format!("edited {id}")),
            ..InvoicePatch::default()
        };
        st.patch_invoice(id, &patch).await.unwrap();
    }
    let added: HashSet<i64> = world.seed_invoices(7).into_iter().collect();

    // A new connector, as after a restart: only the stored cursor carries over.
    let resumed = world.connector();
    let (second, _, _) = read_feed(&resumed, Some(cursor)).await;
    for id in edited {
        let after = second
            .get(&id)
            .unwrap_or_else(|| panic!("edited invoice {id} missing after the cursor"));
        assert!(
            *after > first[&id],
            "invoice {id} comes back with a newer version"
        );
    }
    assert!(
        added.iter().all(|id| second.contains_key(id)),
        "new invoices appear after the cursor"
    );
    let unchanged = bulk
        .iter()
        .filter(|id| !edited.contains(id) && second.contains_key(id))
        .count();
    assert_eq!(
        unchanged, 0,
        "unchanged invoices are not re-read from the stored cursor"
    );
    let memo = resumed.invoices_by_id(&[edited[1]]).await.unwrap();
    assert_eq!(
        memo[0].record.memo.as_deref(),
        Some(format!("edited {}", edited[1]).as_str())
    );
}

#[tokio::test]
async fn without_recent_changes_the_feed_lags_fifteen_minutes() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let mut config = world.config();
    config.include_recent_changes = false;
    let lagging = ServiceTitan::new(config).unwrap();

    world.advance_clock(16 * 60).await; // let the demo data age past the lag
    let (_, cursor, _) = read_feed(&lagging, None).await;
    let fresh = world.seed_invoices(5);

    let (hidden, cursor_after, _) = read_feed(&lagging, Some(cursor.clone())).await;
    assert!(
        fresh.iter().all(|id| !hidden.contains_key(id)),
        "changes younger than 15 minutes stay hidden"
    );

    let eager = world.connector(); // includeRecentChanges=true
    let (immediate, _, _) = read_feed(&eager, Some(cursor)).await;
    assert!(
        fresh.iter().all(|id| immediate.contains_key(id)),
        "includeRecentChanges shows them at once"
    );

    world.advance_clock(16 * 60).await;
    let (visible, _, _) = read_feed(&lagging, Some(cursor_after)).await;
    assert!(
        fresh.iter().all(|id| visible.contains_key(id)),
        "15 minutes later the lagging feed has them"
    );
}

#[tokio::test]
async fn customers_come_with_contacts_and_payments_with_allocations() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let st = world.connector();
    let customers: Vec<_> = st.customer_changes(None).try_collect().await.unwrap();
    let customers: Vec<_> = customers.into_iter().flat_map(|b| b.records).collect();
    assert!(!customers.is_empty());
    assert!(
        customers.iter().any(|c| c.record.email.is_some()),
        "contacts are read with customers"
    );
    assert!(customers.iter().all(|c| !c.record.display_name.is_empty()));

    let payments: Vec<_> = st.payment_changes(None).try_collect().await.unwrap();
    let payments: Vec<_> = payments.into_iter().flat_map(|b| b.records).collect();
    assert!(!payments.is_empty());
    for p in &payments {
        let applied = ledgerbridge_core::Money::sum(
            p.record.amount.currency(),
            p.record.allocations.iter().map(|a| &a.amount),
        )
        .unwrap();
        assert_eq!(
            applied.checked_add(&p.record.unapplied).unwrap(),
            p.record.amount,
            "payment {}",
            p.id
        );
    }
    assert!(!st.payment_types().await.unwrap().is_empty());
    assert!(!st.tax_zones().await.unwrap().is_empty());
    assert!(!st.gl_accounts().await.unwrap().is_empty());
    assert!(!st.business_units().await.unwrap().is_empty());
    let first_customer = customers[0].id;
    let locations = st.locations(Some(first_customer)).await.unwrap();
    assert!(locations.iter().all(|l| l.customer_id == first_customer));
}
