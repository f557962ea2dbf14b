//! 10,000 invoices paged at several page sizes: none lost, none doubled, all mapped.

use std::collections::HashSet;

use futures::TryStreamExt;
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_servicetitan::ServiceTitan;

use crate::helpers::World;

#[tokio::test]
async fn ten_thousand_invoices_page_without_loss_or_doubles_at_several_page_sizes() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let seeded: HashSet<i64> = world.seed_invoices(10_000).into_iter().collect();
    assert_eq!(seeded.len(), 10_000);

    let mut totals = Vec::new();
    for page_size in [5000, 1000, 777] {
        let mut config = world.config();
        config.page_size = page_size;
        let st = ServiceTitan::new(config).unwrap();
        let pages: Vec<_> = st.invoice_pages(None).try_collect().await.unwrap();
        let mut ids = Vec::new();
        for page in &pages {
            assert!(
                page.quarantined.is_empty(),
                "page {}: {:?}",
                page.page,
                page.quarantined
            );
            assert!(page.records.len() <= page_size as usize);
            // The connector drops repeats silently for its callers but counts them: a server
            // repeating records across pages would show here.
            assert_eq!(
                page.duplicates, 0,
                "page {}: the server repeated records",
                page.page
            );
            ids.extend(page.records.iter().map(|r| r.id));
        }
        let unique: HashSet<i64> = ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "page size {page_size}: an invoice came twice"
        );
        assert!(
            seeded.is_subset(&unique),
            "page size {page_size}: {} seeded invoices missing",
            seeded.difference(&unique).count()
        );
        let expected_pages = unique.len().div_ceil(page_size as usize);
        assert_eq!(
            pages.len(),
            expected_pages,
            "page size {page_size}: page count"
        );
        let bulk_line_count: usize = pages
            .iter()
            .flat_map(|p| &p.records)
            .filter(|r| seeded.contains(&r.id))
            .map(|r| r.record.lines.len())
            .sum();
        assert!(
            bulk_line_count >= 10_000,
            "every seeded invoice has lines with their ServiceTitan item ids"
        );
        totals.push(unique.len());
    }
    assert!(
        totals.windows(2).all(|w| w[0] == w[1]),
        "every page size reads the same invoices: {totals:?}"
    );
}

#[tokio::test]
async fn lines_carry_their_servicetitan_item_ids_and_amounts_add_up() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let st = world.connector();
    let pages: Vec<_> = st.invoice_pages(None).try_collect().await.unwrap();
    let invoices: Vec<_> = pages.into_iter().flat_map(|p| p.records).collect();
    assert!(!invoices.is_empty());
    for invoice in &invoices {
        let record = &invoice.record;
        for line in &record.lines {
            assert!(
                line.servicetitan_item_id().is_some(),
                "invoice {}: line without an item id",
                invoice.id
            );
        }
        assert_eq!(
            record.subtotal.checked_add(&record.tax).unwrap(),
            record.total,
            "invoice {}",
            invoice.id
        );
        if !record.tax_lines.is_empty() {
            let tax_sum = ledgerbridge_core::Money::sum(
                record.currency,
                record.tax_lines.iter().map(|t| &t.amount),
            )
            .unwrap();
            assert_eq!(
                tax_sum, record.tax,
                "invoice {}: tax lines add up to the tax",
                invoice.id
            );
        }
    }
}
