//! Paged incremental reads and reference data.

use std::collections::HashSet;
use std::time::Duration;

use ledgerbridge_emulator::LimitMode;
use ledgerbridge_xero::WriteBatch;
use ledgerbridge_xero::wire::invoice::Invoice;

use crate::helpers::{World, simple_invoice, to_xero};

#[tokio::test]
async fn five_thousand_invoices_page_by_time_and_a_later_change_is_read_alone() {
    let world = World::start(LimitMode::Off).await;
    world.state.seed_bulk_invoices(5_000);
    let mut config = world.config();
    config.overlap = Duration::from_secs(1);
    let xero = world.connector_with(config);

    let mut walk = xero.changes::<Invoice>(None);
    let mut ids = HashSet::new();
    let mut numbers = HashSet::new();
    let mut delivered = 0;
    while let Some(page) = walk.next_page().await.expect("page") {
        for invoice in page {
            delivered += 1;
            ids.insert(invoice.invoice_id.clone().expect("id"));
            numbers.insert(invoice.invoice_number.clone().unwrap_or_default());
            assert!(
                invoice.line_items.as_ref().is_some_and(|l| !l.is_empty()),
                "paged reads carry lines"
            );
        }
    }
    let bulk = numbers.iter().filter(|n| n.starts_with("BULK-")).count();
    assert_eq!(bulk, 5_000);
    assert_eq!(delivered, ids.len(), "no record delivered twice");
    // 5,000 bulk invoices share one timestamp: one request to find that out, then pages of
    // 1000 at that time.
    assert!(walk.requests() <= 8, "{} requests", walk.requests());
    let cursor = walk.cursor().expect("a cursor");

    // Two minutes later one invoice is written: the walk from the cursor re-reads the bulk
    // (it sits inside the overlap) and the new one. A minute after that another: the walk
    // from the new cursor is one request carrying only the records of the last minute.
    let contact = world.contact_id(&xero, "Maria Garcia").await;
    let xero = &xero;
    let write = |number: &'static str| {
        let batch =
            WriteBatch::create_invoices(&to_xero(&[simple_invoice(number, "12.00")], &contact))
                .expect("batch");
        async move { xero.send_batch(&batch, number).await.expect("written") }
    };
    world.advance(120);
    write("MID-1").await;
    let (_, cursor) = xero
        .all_changes::<Invoice>(Some(cursor))
        .await
        .expect("walk");
    world.advance(60);
    write("LATE-1").await;
    let mut walk = xero.changes::<Invoice>(cursor);
    let mut changed = Vec::new();
    while let Some(page) = walk.next_page().await.expect("page") {
        changed.extend(page.into_iter().filter_map(|i| i.invoice_number));
    }
    assert_eq!(changed, vec!["MID-1".to_owned(), "LATE-1".to_owned()]);
    assert_eq!(walk.requests(), 1);
    assert!(walk.cursor() > cursor);
}

#[tokio::test]
async fn reference_data_carries_the_lock_date_tracking_and_tax_rates() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let data = xero.reference_data().await.expect("reference data");
    assert!(!data.organisation.name.is_empty());
    assert_eq!(data.organisation.base_currency.as_deref(), Some("USD"));
    // The demo organisation is locked up to the day before the seeded month.
    assert_eq!(
        data.organisation.lock_date(),
        crate::helpers::start_date().pred_opt()
    );
    let tax001 = data
        .tax_rates
        .iter()
        .find(|r| r.tax_type == "TAX001")
        .expect("TAX001");
    assert_eq!(tax001.tax_components.len(), 2);
    assert!(
        data.accounts
            .iter()
            .any(|a| a.code.as_deref() == Some("090") && a.takes_payments())
    );
    let units = data
        .tracking_categories
        .iter()
        .find(|c| c.name == "Business Unit")
        .expect("tracking category");
    assert!(
        units
            .options
            .iter()
            .any(|o| o.name == "Residential Service")
    );
    assert!(!data.items.is_empty());
    let budget = xero.budget();
    assert_eq!(
        budget.day_remaining, None,
        "limits off: no headers invented"
    );
}
