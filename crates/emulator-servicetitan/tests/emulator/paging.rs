//! The list envelope: pages from 1, default 50, clamp at 5000, totals on request, no record
//! lost or doubled across pages (also with 10,000 extra invoices).

use std::collections::BTreeSet;

use ledgerbridge_emulator::LimitMode;
use serde_json::Value;

use crate::helpers::{acc, crm, spawn_world, tenant};

fn ids(page: &Value) -> Vec<i64> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn envelope_defaults_totals_and_clamp() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let first = w.get_json(&token, &crm(0, "customers")).await;
    assert_eq!(
        (first["page"].as_i64(), first["pageSize"].as_i64()),
        (Some(1), Some(50))
    );
    assert_eq!(first["data"].as_array().unwrap().len(), 50);
    assert_eq!(first["hasMore"], true);
    assert!(first["totalCount"].is_null());
    let with_total = w
        .get_json(&token, &crm(0, "customers?includeTotal=true&pageSize=9999"))
        .await;
    assert_eq!(with_total["pageSize"], 5000);
    assert_eq!(with_total["hasMore"], false);
    let total = with_total["totalCount"].as_u64().unwrap() as usize;
    assert_eq!(with_total["data"].as_array().unwrap().len(), total);
    let past = w.get_json(&token, &crm(0, "customers?page=99")).await;
    assert!(past["data"].as_array().unwrap().is_empty() && past["hasMore"] == false);
    // Default order is ascending id; `sort=-Id` reverses it.
    let asc = ids(&first);
    assert!(asc.windows(2).all(|p| p[0] < p[1]));
    let desc = ids(&w.get_json(&token, &crm(0, "customers?sort=-Id")).await);
    assert!(desc.windows(2).all(|p| p[0] > p[1]));
    let by_ids = w
        .get_json(
            &token,
            &acc(0, &format!("invoices?ids={},{}", asc[0], asc[1])),
        )
        .await;
    assert!(
        by_ids["data"].as_array().unwrap().is_empty(),
        "customer ids are not invoice ids"
    );
}

#[tokio::test]
async fn invoice_filters_follow_the_spec_names() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let pinned = w.get_json(&token, &acc(0, "invoices?number=10007")).await;
    let inv = &pinned["data"][0];
    assert_eq!(inv["total"], "189.00");
    assert_eq!(inv["syncStatus"], "Posted");
    assert_eq!(inv["customer"]["name"], "O'Brien & Sons Bakery");
    let id = inv["id"].as_i64().unwrap();
    let by_id = w
        .get_json(&token, &acc(0, &format!("invoices?ids={id}")))
        .await;
    assert_eq!(ids(&by_id), vec![id]);
    let pending = w
        .get_json(&token, &acc(0, "invoices?statuses=Pending&pageSize=1000"))
        .await;
    assert!(
        pending["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["syncStatus"] == "Pending")
    );
    let both = w
        .get_json(
            &token,
            &acc(
                0,
                "invoices?statuses=Pending&statuses=Exported&pageSize=1000",
            ),
        )
        .await;
    assert!(both["data"].as_array().unwrap().len() > pending["data"].as_array().unwrap().len());
    let far_future = w
        .get_json(
            &token,
            &acc(0, "invoices?modifiedOnOrAfter=2999-01-01T00:00:00Z"),
        )
        .await;
    assert!(far_future["data"].as_array().unwrap().is_empty());
    let created = w
        .get_json(
            &token,
            &acc(0, "invoices?createdOnOrAfter=2000-01-01&pageSize=1"),
        )
        .await;
    assert_eq!(created["data"].as_array().unwrap().len(), 1);
    let too_many: Vec<String> = (1..=51).map(|i| i.to_string()).collect();
    let r = w
        .send(
            reqwest::Method::GET,
            &token,
            &acc(0, &format!("invoices?ids={}", too_many.join(","))),
            None,
        )
        .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn ten_thousand_invoices_page_without_loss_or_duplicates() {
    let w = spawn_world(LimitMode::Off).await;
    // How fast seeding is belongs to the benchmark (crates/servicetitan/benches), not here.
    let added = w.state.seed_bulk_invoices(tenant(1), 10_000).unwrap();
    assert_eq!(added.len(), 10_000);
    let token = w.token(1).await;
    let mut seen = BTreeSet::new();
    let mut page = 1;
    let total = loop {
        let body = w
            .get_json(
                &token,
                &acc(
                    1,
                    &format!("invoices?page={page}&pageSize=2500&includeTotal=true"),
                ),
            )
            .await;
        for id in ids(&body) {
            assert!(seen.insert(id), "invoice {id} returned twice");
        }
        if body["hasMore"] == false {
            break body["totalCount"].as_u64().unwrap() as usize;
        }
        page += 1;
    };
    assert_eq!(seen.len(), total);
    assert!(added.iter().all(|id| seen.contains(id)));
}
