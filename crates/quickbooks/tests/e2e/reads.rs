//! Query paging across 5,000 invoices, CDC windowing and its fallback to query.

use std::collections::HashSet;

use chrono::Duration;
use futures::TryStreamExt;
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_quickbooks::{ChangePage, Entity, PullSource, QuickBooks, wire};

use crate::helpers::World;

async fn pull_all(
    qbo: &QuickBooks,
    cursor: Option<chrono::DateTime<chrono::Utc>>,
) -> Vec<ChangePage<wire::Invoice>> {
    qbo.pull::<wire::Invoice>(Entity::Invoice, cursor)
        .try_collect()
        .await
        .unwrap()
}

fn ids(pages: &[ChangePage<wire::Invoice>]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|p| p.records.iter().map(|r| r.id.clone()))
        .collect()
}

#[tokio::test]
async fn query_paging_reads_5000_invoices_sharing_one_timestamp_exactly_once() {
    let world = World::start(LimitMode::Off).await;
    let qbo = world.connector().await;
    let seeded = world.state.seed_bulk_invoices(5_000);
    let total = qbo.count(Entity::Invoice).await.unwrap();
    assert!(total >= 5_000);
    let pages = pull_all(&qbo, None).await;
    assert!(pages.iter().all(|p| p.source == PullSource::Query));
    assert!(pages.iter().all(|p| p.records.len() <= 1_000));
    assert!(pages.len() >= 5, "{} pages", pages.len());
    let all = ids(&pages);
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "no record delivered twice");
    assert_eq!(all.len() as u64, total, "every invoice delivered");
    assert!(seeded.iter().all(|id| unique.contains(id)));
    assert!(pages.iter().all(|p| p.quarantined.is_empty()));
    // The cursor is the latest change seen, and it never goes back.
    let cursors: Vec<_> = pages.iter().map(|p| p.cursor.unwrap()).collect();
    assert!(cursors.windows(2).all(|w| w[0] <= w[1]));
}

#[tokio::test]
async fn an_edit_during_the_walk_does_not_make_it_skip_a_record() {
    let world = World::start(LimitMode::Off).await;
    let mut config = world.config(ledgerbridge_emulator_quickbooks::REALM_ID);
    config.page_size = 100;
    world.connect().await;
    let qbo = world.connector_for(config);
    let seeded = world.state.seed_bulk_invoices(350);
    let mut stream = std::pin::pin!(qbo.pull::<wire::Invoice>(Entity::Invoice, None));
    let first = stream.try_next().await.unwrap().unwrap();
    // An accountant edits a record already delivered: it moves to the end of the order.
    let edited = &first.records[0];
    let body = serde_json::json!({"Id": edited.id, "SyncToken": edited.sync_token, "sparse": true, "PrivateNote": "edited"});
    let item = ledgerbridge_quickbooks::BatchItem::new(
        0,
        ledgerbridge_quickbooks::Operation::Update,
        Entity::Invoice,
        &body,
    )
    .unwrap();
    let write = qbo.prepare_batch(&[item]).unwrap();
    qbo.send_write(&uuid::Uuid::now_v7().to_string(), &write)
        .await
        .unwrap();
    let mut all: HashSet<String> = first.records.iter().map(|r| r.id.clone()).collect();
    while let Some(page) = stream.try_next().await.unwrap() {
        all.extend(page.records.iter().map(|r| r.id.clone()));
    }
    assert!(
        seeded.iter().all(|id| all.contains(id)),
        "a record was skipped"
    );
}

#[tokio::test]
async fn cdc_serves_recent_cursors_and_query_takes_over_when_old_or_truncated() {
    let world = World::start(LimitMode::Off).await;
    let qbo = world.connector().await;
    let now = world.clock().now();
    // A recent cursor: CDC, one call.
    let recent = pull_all(&qbo, Some(now - Duration::hours(1))).await;
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].source, PullSource::Cdc);
    // Older than CDC's 30-day reach: query paging, and it reads at least as much.
    let old = pull_all(&qbo, Some(now - Duration::days(45))).await;
    assert!(old.iter().all(|p| p.source == PullSource::Query));
    let everything = pull_all(&qbo, None).await;
    assert_eq!(ids(&old).len(), ids(&everything).len());
    // 1,200 changes since the cursor: CDC would stop at 1,000, so query reads them all.
    let seeded = world.state.seed_bulk_invoices(1_200);
    let pages = pull_all(&qbo, Some(now - Duration::minutes(10))).await;
    assert!(
        pages.iter().all(|p| p.source == PullSource::Query),
        "fell back to query"
    );
    let got: HashSet<String> = ids(&pages).into_iter().collect();
    assert!(seeded.iter().all(|id| got.contains(id)));
    // A small window after that is CDC again, with the overlap re-reading the edge.
    let cursor = pages.last().unwrap().cursor.unwrap();
    let again = pull_all(&qbo, Some(cursor)).await;
    assert_eq!(
        again[0].source,
        PullSource::Query,
        "1,200 records sit inside the overlap"
    );
    world.advance_clock(3_600).await;
    let later = pull_all(&qbo, Some(world.clock().now() - Duration::minutes(1))).await;
    assert_eq!(later[0].source, PullSource::Cdc);
    assert!(later[0].records.is_empty());
}

/// QuickBooks judges CDC's 30 days by its own clock: a cursor our clock calls recent but
/// QuickBooks' calls too old is read by query paging. QuickBooks answers such a window with a
/// 200 (recorded), not a 4001, so the connector judges the answer by the envelope's `time`.
#[tokio::test]
async fn a_cdc_window_refused_by_the_remote_clock_is_paged_with_query() {
    let world = World::start(LimitMode::Off).await;
    let company = world.connect().await;
    let seeded = world.state.seed_bulk_invoices(3);
    let mut config = world.config(&company.realm_id);
    // Our clock runs two days behind QuickBooks'.
    let remote = world.clock();
    config.clock = ledgerbridge_core::WallClock::new(move || remote.now() - Duration::days(2));
    let qbo = world.connector_for(config);
    let cursor = world.clock().now() - Duration::days(31);
    let pages = pull_all(&qbo, Some(cursor)).await;
    assert!(pages.iter().all(|p| p.source == PullSource::Query));
    let got: HashSet<String> = ids(&pages).into_iter().collect();
    assert!(seeded.iter().all(|id| got.contains(id)));
}

#[tokio::test]
async fn look_ups_escape_quotes_and_find_exact_numbers() {
    let world = World::start(LimitMode::Off).await;
    let qbo = world.connector().await;
    let seeded = world.state.seed_bulk_invoices(3);
    let first = qbo
        .read::<wire::Invoice>(Entity::Invoice, &seeded[0])
        .await
        .unwrap()
        .unwrap();
    let number = first.record.doc_number.clone().unwrap();
    let found = qbo.find_invoices_by_doc_number(&number).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, seeded[0]);
    assert!(
        qbo.find_invoices_by_doc_number("no'such\\number")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        qbo.read::<wire::Invoice>(Entity::Invoice, "987654321")
            .await
            .unwrap()
            .is_none()
    );
}
