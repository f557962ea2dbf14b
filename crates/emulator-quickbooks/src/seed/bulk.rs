//! Bulk invoices for paging tests and benchmarks.

use chrono::Days;
use ledgerbridge_emulator::{SeedOptions, seeded_rng};
use rand::Rng;
use rand::seq::IndexedRandom;

use super::create;
use crate::json::{Json, reference};
use crate::model::names::WriteCtx;
use crate::model::tax::TaxInstruction;
use crate::model::{Company, Kind, payment, sales};
use crate::obj;

/// `n` invoices for paging tests and benchmarks (see `EmulatorState::seed_bulk_invoices`).
pub(crate) fn bulk_invoices(
    co: &mut Company,
    seed: &SeedOptions,
    n: usize,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<String> {
    let mut customers: Vec<String> = co
        .live(Kind::Customer)
        .filter(|c| c.body.bool("Active") != Some(false))
        .map(|c| c.id.clone())
        .collect();
    let today = crate::time::company_date(now);
    let ctx = WriteCtx {
        now,
        today,
        allow_duplicate_doc_number: true,
    };
    if customers.is_empty() {
        customers.push(create(
            co,
            &ctx,
            Kind::Customer,
            obj! { "DisplayName" => "Bulk Test Customer" },
        ));
    }
    let items: Vec<(String, String)> = co
        .live(Kind::Item)
        .filter(|i| i.body.bool("Active") != Some(false))
        .map(|i| {
            (
                i.id.clone(),
                i.body
                    .decimal("UnitPrice")
                    .ok()
                    .flatten()
                    .map_or("100".into(), |p| p.to_string()),
            )
        })
        .collect();
    let already = co
        .live(Kind::Invoice)
        .filter(|i| i.body.str("DocNumber").is_some_and(|d| d.starts_with('B')))
        .count();
    let mut rng = seeded_rng(seed.seed ^ already as u64, "quickbooks-bulk-invoices");
    let close = co.book_close_date();
    let span = (today - seed.start).num_days().clamp(0, 29) as u64;
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let mut day = seed.start + Days::new(rng.random_range(0..=span));
        if close.is_some_and(|c| day <= c) {
            day = close.map_or(day, |c| c + Days::new(1));
        }
        let lines: Vec<Json> = (0..rng.random_range(1..=3))
            .map(|_| {
                let (item, price) = items.choose(&mut rng).cloned().unwrap_or_else(|| ("1".into(), "100".into()));
                let qty = rng.random_range(1..=4);
                Json::Obj(obj! {
                    "DetailType" => "SalesItemLineDetail",
                    "SalesItemLineDetail" => obj! { "ItemRef" => reference(&item, None), "Qty" => Json::int(qty), "UnitPrice" => Json::Num(price) },
                })
            })
            .collect();
        let customer = customers
            .choose(&mut rng)
            .cloned()
            .expect("at least one customer");
        let body = obj! {
            "DocNumber" => format!("B{:06}", already + i + 1),
            "TxnDate" => day.to_string(),
            "DueDate" => (day + Days::new(30)).to_string(),
            "CustomerRef" => reference(&customer, None),
            "Line" => Json::Arr(lines),
        };
        match sales::prepare(
            co,
            &ctx,
            Kind::Invoice,
            body,
            None,
            TaxInstruction::Recompute,
        ) {
            Ok(mut prepared) => {
                prepared.insert("LinkedTxn", Json::Arr(vec![]));
                ids.push(co.insert_new(Kind::Invoice, prepared, now));
            }
            Err(fault) => tracing::warn!(code = fault.code(), "bulk invoice skipped"),
        }
    }
    for customer in customers {
        payment::refresh_customer(co, &customer);
    }
    tracing::info!(count = ids.len(), "bulk invoices seeded");
    ids
}
