//! Sales tax against the emulator's demo: an invoice in a multi-rate zone gets one tax line
//! per component, summing exactly to ServiceTitan's tax, on the list and the export feed
//! alike, whether its zone is named by its sales tax code or only known to its service
//! location in CRM (the 2025 invoice has no zone field).

use std::collections::{HashMap, HashSet};

use futures::TryStreamExt;
use ledgerbridge_core::Money;
use ledgerbridge_emulator::{LimitMode, Scenario};
use serde_json::json;

use crate::helpers::World;

#[tokio::test]
async fn an_invoice_in_a_multi_rate_zone_gets_per_component_tax_lines_summing_to_its_tax() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let st = world.connector();
    let zones: HashMap<i64, _> = st
        .tax_zones()
        .await
        .unwrap()
        .into_iter()
        .map(|z| (z.id, z))
        .collect();
    assert!(
        zones.values().any(|z| z.rates.len() > 1),
        "the demo has a multi-rate zone"
    );
    // Each customer's zones, from its locations in CRM.
    let mut zones_of: HashMap<i64, HashSet<i64>> = HashMap::new();
    for location in st.locations(None).await.unwrap() {
        if let Some(zone) = location.tax_zone_id {
            zones_of
                .entry(location.customer_id)
                .or_default()
                .insert(zone);
        }
    }

    let pages: Vec<_> = st.invoice_pages(None).try_collect().await.unwrap();
    let mut split = Vec::new();
    for invoice in pages.iter().flat_map(|p| &p.records) {
        let record = &invoice.record;
        let customer = record.customer.servicetitan_id().unwrap();
        let Some(only) = zones_of.get(&customer).filter(|z| z.len() == 1) else {
            continue;
        };
        let zone = &zones[only.iter().next().unwrap()];
        if zone.rates.len() < 2 || record.tax.is_zero() {
            continue;
        }
        split.push(invoice.id);
        let keys: Vec<String> = record.tax_lines.iter().map(|t| t.key.to_string()).collect();
        let expected: Vec<String> = zone.rates.iter().map(|r| format!("st:{}", r.id)).collect();
        assert_eq!(
            keys, expected,
            "invoice {}: one line per component",
            invoice.id
        );
        for (line, rate) in record.tax_lines.iter().zip(&zone.rates) {
            assert_eq!(line.rate, rate.tax_rate, "invoice {}", invoice.id);
        }
        let sum = Money::sum(record.currency, record.tax_lines.iter().map(|t| &t.amount)).unwrap();
        assert_eq!(
            sum, record.tax,
            "invoice {}: the parts add up to the cent",
            invoice.id
        );
    }
    assert!(
        split.len() > 10,
        "only {} invoices were split over a multi-rate zone",
        split.len()
    );

    // The feed maps the same invoices the same way.
    let listed: HashMap<i64, _> = pages
        .iter()
        .flat_map(|p| &p.records)
        .map(|r| (r.id, &r.record.tax_lines))
        .collect();
    let batches: Vec<_> = st.invoice_changes(None).try_collect().await.unwrap();
    for record in batches.iter().flat_map(|b| &b.records) {
        assert_eq!(
            Some(&record.record.tax_lines),
            listed.get(&record.id).copied(),
            "invoice {}",
            record.id
        );
    }

    // Without a sales tax code, the zone comes from the service location in CRM.
    let uncoded = &split[..5];
    for id in uncoded {
        world
            .malform("invoices", *id, json!({"salesTaxCode": null}))
            .await;
    }
    let fresh = world.connector();
    let reread = fresh.invoices_by_id(uncoded).await.unwrap();
    assert_eq!(reread.len(), uncoded.len());
    for invoice in &reread {
        assert_eq!(
            Some(&invoice.record.tax_lines),
            listed.get(&invoice.id).copied(),
            "invoice {}: the same split through its location",
            invoice.id
        );
    }
}
