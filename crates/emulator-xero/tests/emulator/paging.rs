//! Paging, If-Modified-Since, where/order and the list forms.

use std::collections::HashSet;

use ledgerbridge_emulator::LimitMode;

use crate::helpers::{Sandbox, amount};

#[tokio::test]
async fn five_thousand_invoices_page_without_gaps_or_duplicates() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let seeded = sb.get("/Invoices").await.json()["Invoices"]
        .as_array()
        .expect("list")
        .len();
    let bulk = sb.state.seed_bulk_invoices(5000);
    assert_eq!(bulk.len(), 5000);
    let mut seen = HashSet::new();
    let mut page = 1;
    loop {
        // pageSize above the maximum is clamped to 1000.
        let reply = sb
            .get(&format!("/Invoices?page={page}&pageSize=5000"))
            .await;
        assert_eq!(reply.status, 200);
        let body = reply.json();
        assert_eq!(body["pagination"]["pageSize"], 1000);
        assert_eq!(body["pagination"]["itemCount"], 5000 + seeded as u64);
        let items = body["Invoices"].as_array().expect("list");
        if items.is_empty() {
            break;
        }
        assert!(
            items[0]["LineItems"].is_array(),
            "paged lists carry LineItems"
        );
        for i in items {
            assert!(
                seen.insert(i["InvoiceID"].as_str().expect("id").to_owned()),
                "duplicate across pages"
            );
        }
        page += 1;
    }
    assert_eq!(seen.len(), 5000 + seeded);
    assert_eq!(page, 7, "6 pages of at most 1000, then an empty one");
    // Without page: everything, but no LineItems and no pagination object.
    let all = sb.get("/Invoices").await.json();
    assert!(all.get("pagination").is_none());
    assert!(all["Invoices"][0].get("LineItems").is_none());
}

#[tokio::test]
async fn if_modified_since_returns_only_later_changes() {
    let sb = Sandbox::start(LimitMode::Off).await;
    // Less than the access token's 30 minutes.
    sb.advance(600);
    let cutoff = sb.state.now();
    sb.advance(5);
    sb.state.seed_bulk_invoices(3);
    let since = cutoff.format("%Y-%m-%dT%H:%M:%S").to_string();
    let reply = sb
        .call(
            reqwest::Method::GET,
            "/Invoices?page=1",
            None,
            &[("If-Modified-Since", since.as_str())],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    let numbers: Vec<&str> = body["Invoices"]
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i["InvoiceNumber"].as_str().expect("number"))
        .collect();
    assert_eq!(numbers.len(), 3, "{numbers:?}");
    assert!(numbers.iter().all(|n| n.starts_with("BULK-")));
    // An edit bumps UpdatedDateUTC, so the edited invoice shows up too.
    sb.advance(5);
    let edited = sb
        .post("/Invoices/20011", r#"{"Reference":"WO-7781"}"#)
        .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let after = sb.state.now() - chrono::Duration::seconds(1);
    let iso = after.to_rfc3339();
    let reply = sb
        .call(
            reqwest::Method::GET,
            "/Invoices",
            None,
            &[("If-Modified-Since", iso.as_str())],
        )
        .await;
    assert_eq!(reply.status, 200, "{iso}: {}", reply.text);
    let body = reply.json();
    assert_eq!(body["Invoices"].as_array().expect("list").len(), 1);
    assert_eq!(body["Invoices"][0]["InvoiceNumber"], "20011");
    assert_eq!(body["Invoices"][0]["Reference"], "WO-7781");
}

#[tokio::test]
async fn where_order_and_list_filters() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let reply = sb.get("/Invoices?where=Type%3D%3D%22ACCREC%22%20AND%20Status%3D%3D%22AUTHORISED%22&order=InvoiceNumber%20DESC").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let body = reply.json();
    let list = body["Invoices"].as_array().expect("list");
    assert!(!list.is_empty());
    assert!(
        list.iter()
            .all(|i| i["Type"] == "ACCREC" && i["Status"] == "AUTHORISED")
    );
    let numbers: Vec<&str> = list
        .iter()
        .map(|i| i["InvoiceNumber"].as_str().expect("n"))
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort_by_key(|n| std::cmp::Reverse(n.to_lowercase()));
    assert_eq!(numbers, sorted);
    let by_status = sb.get("/Invoices?Statuses=PAID,DRAFT").await.json();
    assert!(
        by_status["pagination"].is_object(),
        "Statuses forces paging"
    );
    assert!(
        by_status["Invoices"]
            .as_array()
            .expect("list")
            .iter()
            .all(|i| i["Status"] == "PAID" || i["Status"] == "DRAFT")
    );
    let by_number = sb
        .get("/Invoices?InvoiceNumbers=20011,INV-0002")
        .await
        .lossless();
    assert_eq!(
        by_number
            .get("Invoices")
            .and_then(|a| a.as_array())
            .map(<[_]>::len),
        Some(2)
    );
    let amount_filter = sb
        .get("/Invoices?where=AmountDue%3E%3D500")
        .await
        .lossless();
    let due = amount(&amount_filter, &["Invoices", "0", "AmountDue"]);
    assert!(due >= rust_decimal::Decimal::from(500), "{due}");
    let bad = sb.get("/Invoices?where=Status%3D%3D").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["Type"], "QueryParseException");
    let archived = sb.get("/Contacts").await.json();
    assert!(
        archived["Contacts"]
            .as_array()
            .expect("list")
            .iter()
            .all(|c| c["ContactStatus"] != "ARCHIVED")
    );
    let with_archived = sb.get("/Contacts?includeArchived=true").await.json();
    assert!(
        with_archived["Contacts"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["ContactStatus"] == "ARCHIVED")
    );
    // Resource names are case-insensitive; identifiers are not changed.
    assert_eq!(sb.get("/invoices/20011").await.status, 200);
    let missing = sb.get("/Invoices/does-not-exist").await;
    assert_eq!(
        (missing.status.as_u16(), missing.text.as_str()),
        (404, "The resource you're looking for cannot be found")
    );
    let xml = sb
        .http
        .get(sb.url("/api.xro/2.0/Invoices"))
        .bearer_auth(&sb.token)
        .header("xero-tenant-id", ledgerbridge_emulator_xero::XERO_TENANT_ID)
        .header("Accept", "application/xml")
        .send()
        .await
        .expect("sent");
    assert_eq!(xml.status(), 406, "only JSON is served");
}
