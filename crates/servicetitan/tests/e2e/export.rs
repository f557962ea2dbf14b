//! Export feeds: records changing between the pages of one pass, continuation from a stored
//! cursor, the 15-minute lag, and dedupe.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
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
        assert_eq!(
            batch.duplicates, 0,
            "the emulator repeats nothing unchanged"
        );
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

/// One delivery of an invoice: its version and memo.
type Delivered = (DateTime<Utc>, Option<String>);

#[tokio::test]
async fn records_changed_between_the_pages_of_one_pass_are_all_delivered() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let bulk = world.seed_invoices(1_200); // several export responses
    let st = world.connector();
    let mut feed = Box::pin(st.invoice_changes(None));
    let first = feed.next().await.unwrap().unwrap();
    assert!(!first.caught_up, "the pass has more pages to go");
    let first_seen: HashMap<i64, DateTime<Utc>> = first
        .records
        .iter()
        .map(|r| (r.id, r.modified_on))
        .collect();

    // Mid-pass: edit one invoice already delivered and one not yet reached; add three.
    let behind = first.records[10].id;
    let ahead = *bulk.last().unwrap();
    assert!(!first_seen.contains_key(&ahead));
    for id in [behind, ahead] {
        let patch = InvoicePatch {
            summary: Some(format!("edited {id}")),
            ..InvoicePatch::default()
        };
        st.patch_invoice(id, &patch).await.unwrap();
    }
    let added = world.seed_invoices(3);

    let rest: Vec<ChangeBatch<Invoice>> = feed.try_collect().await.unwrap();
    assert!(rest.last().unwrap().caught_up);
    let mut versions: HashMap<i64, Vec<Delivered>> = HashMap::new();
    for record in first
        .records
        .iter()
        .chain(rest.iter().flat_map(|b| &b.records))
    {
        versions
            .entry(record.id)
            .or_default()
            .push((record.modified_on, record.record.memo.clone()));
    }
    assert_eq!(
        rest.iter().map(|b| b.duplicates).sum::<usize>() + first.duplicates,
        0
    );
    for id in bulk.iter().chain(&added) {
        assert!(
            versions.contains_key(id),
            "invoice {id} lost within the pass"
        );
    }
    let edited = |id: i64| Some(format!("edited {id}"));
    let behind_versions = &versions[&behind];
    assert_eq!(
        behind_versions.len(),
        2,
        "delivered, then again once changed"
    );
    assert!(behind_versions[1].0 > behind_versions[0].0);
    assert_eq!(behind_versions[1].1, edited(behind));
    assert_eq!(
        versions[&ahead],
        vec![(versions[&ahead][0].0, edited(ahead))],
        "reached once, already changed"
    );
    for (id, seen) in &versions {
        if *id != behind {
            assert_eq!(seen.len(), 1, "invoice {id} delivered {} times", seen.len());
        }
    }
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
