//! The control route that serves a record malformed, for connectors' quarantine tests.

use ledgerbridge_emulator::LimitMode;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{World, acc, crm, spawn_world, tenant};

async fn malform(w: &World, body: Value) -> reqwest::Response {
    w.control(
        Method::POST,
        &format!("/_sandbox/servicetitan/{}/malformed", tenant(0)),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_malformed_invoice_is_served_so_in_its_list_and_its_feed_after_a_new_change() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let first = w.get_json(&token, &acc(0, "invoices?pageSize=2")).await;
    let (bad, good) = (first["data"][0].clone(), first["data"][1].clone());
    let id = bad["id"].as_i64().unwrap();
    let feed = w
        .get_json(&token, &acc(0, "export/invoices?includeRecentChanges=true"))
        .await;
    let caught_up = feed["continueFrom"].as_str().unwrap().to_owned();

    let r = malform(
        &w,
        json!({"entity": "invoices", "id": id, "patch": {"total": "one hundred", "createdOn": null}}),
    )
    .await;
    assert_eq!(r.status(), 200);

    let listed = w.get_json(&token, &acc(0, "invoices?pageSize=2")).await;
    assert_eq!(listed["data"][0]["total"], "one hundred");
    assert!(listed["data"][0].get("createdOn").is_none(), "removed");
    assert_eq!(listed["data"][0]["referenceNumber"], bad["referenceNumber"]);
    assert_eq!(listed["data"][1], good, "other records are untouched");

    // The feed serves it again after the cursor it had reached.
    let mut later = Vec::new();
    let mut from = caught_up;
    loop {
        let page = w
            .get_json(
                &token,
                &acc(
                    0,
                    &format!("export/invoices?includeRecentChanges=true&from={from}"),
                ),
            )
            .await;
        later.extend(page["data"].as_array().unwrap().iter().cloned());
        from = page["continueFrom"].as_str().unwrap().to_owned();
        if page["hasMore"] == false {
            break;
        }
    }
    let again: Vec<&Value> = later.iter().filter(|r| r["id"] == id).collect();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["total"], "one hundred");
}

#[tokio::test]
async fn contacts_and_locations_can_be_malformed_and_unknown_targets_are_refused() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let location = w.get_json(&token, &crm(0, "locations?pageSize=1")).await["data"][0].clone();
    let customer = location["customerId"].as_i64().unwrap();
    let contacts = w
        .get_json(&token, &crm(0, &format!("customers/{customer}/contacts")))
        .await;
    let contact = contacts["data"][0]["id"].as_i64().expect("a demo contact");
    for (entity, id) in [
        ("locations", location["id"].as_i64().unwrap()),
        ("contacts", contact),
    ] {
        let r = malform(
            &w,
            json!({"entity": entity, "id": id, "patch": {"id": "x"}}),
        )
        .await;
        assert_eq!(r.status(), 200, "{entity}");
    }
    let l = w
        .get_json(&token, &crm(0, &format!("locations/{}", location["id"])))
        .await;
    assert_eq!(l["id"], "x");
    let c = w
        .get_json(&token, &crm(0, &format!("customers/{customer}/contacts")))
        .await;
    assert!(c["data"].as_array().unwrap().iter().any(|c| c["id"] == "x"));

    for body in [
        json!({"entity": "invoices", "id": 1, "patch": {}}),
        json!({"entity": "skus", "id": contact, "patch": {}}),
        json!({"entity": "contacts", "id": contact, "patch": "x"}),
    ] {
        let r = malform(&w, body.clone()).await;
        assert!(r.status().is_client_error(), "{body}: {}", r.status());
    }
}
