use axum::http::StatusCode;
use ledgerbridge_ledger::{Ledger, LedgerLocation, LedgerOptions};

use crate::helpers::*;

#[tokio::test]
async fn the_dashboard_shows_what_needs_attention() {
    let ledger = seeded_ledger().await;
    let r = Client::new(app_on(&ledger)).get("/").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), "text/html; charset=utf-8");
    let body = &r.body;
    assert!(
        body.contains(r#"<span class="value">2</span> <span class="label">Open conflicts</span>"#)
    );
    assert!(body.contains(
        r#"<span class="value">1</span> <span class="label">Quarantined records</span>"#
    ));
    assert!(
        body.contains(r#"<span class="value">1</span> <span class="label">Writes given up</span>"#)
    );
    assert!(
        body.contains(
            r#"<span class="value">1</span> <span class="label">Broken connections</span>"#
        )
    );
    assert!(
        body.contains("TotalAmt: not a decimal"),
        "quarantine reason"
    );
    assert!(body.contains("closed_period (QBO 6210)"), "dead write");
    assert!(body.contains("invalid_grant"), "broken connection");
    assert!(
        body.contains("reconnect needed: ledgerbridge connect xero"),
        "stopped tenant"
    );
    assert!(body.contains(r#"href="/conflicts/1""#));
    assert!(body.contains("Blocked records and errors in run 2"));
}

#[tokio::test]
async fn an_empty_ledger_renders_every_page() {
    let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default())
        .await
        .unwrap();
    let mut client = Client::new(app_on(&ledger));
    for path in [
        "/",
        "/conflicts",
        "/runs",
        "/mappings",
        "/report",
        "/suggestions",
    ] {
        let r = client.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
    }
    let dashboard = client.get("/").await.body;
    assert!(dashboard.contains("No sync has run yet."));
    assert!(dashboard.contains("No customer match awaits review."));
    assert!(dashboard.contains("Every value of the waiting records is mapped."));
    assert!(
        client
            .get("/report")
            .await
            .body
            .contains("The ledger has no tenant yet")
    );
}

#[tokio::test]
async fn the_conflict_queue_filters_by_status_tenant_and_entity() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let all_open = client.get("/conflicts").await;
    assert!(all_open.body.contains("2 conflicts."));
    let xero = client
        .get(&format!("/conflicts?tenant={XERO_TENANT}"))
        .await;
    assert!(xero.body.contains("1 conflict."));
    assert!(xero.body.contains("customer 311"));
    assert!(!xero.body.contains("invoice 4521"));
    let invoices = client.get("/conflicts?entity=invoice&tenant=").await;
    assert!(invoices.body.contains("invoice 4521") && !invoices.body.contains("customer 311"));
    let resolved = client.get("/conflicts?status=resolved").await;
    assert!(resolved.body.contains("No conflicts match these filters."));
    assert!(
        client
            .get("/conflicts?status=all")
            .await
            .body
            .contains("2 conflicts.")
    );
    assert_eq!(
        client.get("/conflicts?status=later").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        client.get("/conflicts?entity=boat").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_conflict_page_shows_the_fields_side_by_side() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let r = client.get("/conflicts/1").await;
    assert_eq!(r.status, StatusCode::OK);
    for text in [
        "<code>invoice.memo</code>",
        "Spring tune-up + filter",
        "Tune-up (edited)",
        "<code>lines[st:9001].quantity</code>",
        "2026-12-15",
        "2026-12-10",
        r#"name="choice.2" value="value""#,
        "the next sync writes the chosen values",
        r#"<th scope="col">ServiceTitan</th>"#,
        r#"<th scope="col">Accounting</th>"#,
    ] {
        assert!(r.body.contains(text), "{text}");
    }
    assert_eq!(
        client.get("/conflicts/99").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get("/conflicts/abc").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn customer_data_is_escaped() {
    let ledger = seeded_ledger().await;
    ledger
        .conflicts()
        .raise(&ledgerbridge_ledger::NewConflict {
            key: invoice_key("4530"),
            target_id: "131".into(),
            run: None,
            fields: vec![ledgerbridge_ledger::ConflictField {
                path: "invoice.memo".into(),
                base: serde_json::json!(null),
                servicetitan: serde_json::json!("<script>alert(1)</script>"),
                accounting: serde_json::json!("A & B"),
            }],
        })
        .await
        .unwrap();
    let r = Client::new(app_on(&ledger)).get("/conflicts/3").await;
    assert!(!r.body.contains("<script>alert(1)"));
    assert!(r.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(r.body.contains("A &#38; B"));
}

#[tokio::test]
async fn a_record_page_shows_link_snapshot_conflicts_and_history() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let r = client
        .get(&format!("/records/invoice/4521?tenant={QBO_TENANT}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for text in [
        "quickbooks company 4620816365, id 130",
        "st:9001",
        "2026-11-05",
        "250.00 USD",
        "20.00 USD",
        "Conflict 1",
        "invoice.created",
        "INV-4521",
    ] {
        assert!(r.body.contains(text), "{text}");
    }
    // Without a tenant, the known tenants are searched.
    let r = client.get("/records/invoice/4521").await;
    assert!(r.body.contains("id 130"));
    // Only events of this record are listed.
    assert!(!r.body.contains("mappings.changed"));
    assert_eq!(
        client.get("/records/invoice/999999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        client.get("/records/boat/1").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_runs_page_lists_runs_with_their_counts() {
    let ledger = seeded_ledger().await;
    let r = Client::new(app_on(&ledger)).get("/runs").await;
    assert_eq!(r.status, StatusCode::OK);
    let run2 = r.body.find(r#"<th scope="row">2"#).expect("run 2");
    let run1 = r.body.find(r#"<th scope="row">1"#).expect("run 1");
    assert!(run2 < run1, "newest first");
    assert!(
        r.body
            .contains(r#"<span class="badge warn">conflicts</span>"#)
    );
    assert!(
        r.body
            .contains(r#"<th scope="col" class="num">blocked</th>"#)
    );
}

#[tokio::test]
async fn the_report_sums_the_ledgers_snapshots_per_period_and_tenant() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    // Default: the current month by the ledger's clock (2026-11).
    let r = client.get("/report").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("dated 2026-11,"));
    // November: invoices 4521 (250.00) and 4530 (1,234.56), not October's 4400.
    assert!(r.body.contains(r#"<td class="num">2</td>"#), "two invoices");
    assert!(r.body.contains("1,484.56"), "exact total");
    assert!(r.body.contains("118.76"), "exact tax");
    assert!(r.body.contains("1,234.56") || r.body.contains("250.00"));
    let october = client
        .get(&format!("/report?period=2026-10&tenant={QBO_TENANT}"))
        .await;
    assert!(october.body.contains("80.00"));
    assert!(!october.body.contains("1,484.56"));
    // A complete range wins over the month the form also sends.
    let range = client
        .get("/report?period=2026-11&from=2026-11-01&to=2026-11-06")
        .await;
    assert!(range.body.contains("2026-11-01 to 2026-11-06"));
    assert!(range.body.contains("250.00") && !range.body.contains("1,484.56"));
    // The Xero tenant has no snapshots: said, not invented.
    assert!(r.body.contains("No synced documents of tenant 2044"));
    for bad in [
        "/report?period=2026-13",
        "/report?from=2026-11-05",
        "/report?from=2026-11-05&to=2026-11-01",
        "/report?from=nope&to=2026-11-02",
        "/report?period=2026-11&to=2026-11-02",
    ] {
        assert_eq!(
            client.get(bad).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn unknown_pages_are_404_and_assets_are_served() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    assert_eq!(client.get("/nope").await.status, StatusCode::NOT_FOUND);
    let css = client.get("/assets/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").starts_with("text/css"));
    assert!(css.body.contains(":focus-visible"));
    let js = client.get("/assets/app.js").await;
    assert!(js.header("content-type").starts_with("text/javascript"));
    let page = client.get("/").await;
    assert!(
        !page.body.contains("http://") && !page.body.contains("https://"),
        "no external assets"
    );
    assert!(
        !page.body.contains("<style") && !page.body.contains("onclick"),
        "nothing inline"
    );
}

#[tokio::test]
async fn pages_are_labelled_for_screen_readers() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let page = client.get("/conflicts/1").await.body;
    assert!(page.contains(r##"<a class="skip" href="#main">"##));
    assert!(page.contains(r#"aria-live="polite""#));
    assert!(page.contains(r#"<nav aria-label="Main">"#));
    assert!(page.contains(r#"<a href="/conflicts" aria-current="page">"#));
    assert!(page.contains("<legend class=\"sr-only\">Value to keep for invoice.memo</legend>"));
    assert!(page.contains(r#"<label for="note">"#));
    // Every column heading has a scope.
    assert_eq!(page.matches("<th>").count(), 0);
    let mappings = client.get("/mappings").await.body;
    for id in [
        "m-tenant", "m-system", "m-kind", "m-source", "m-target", "m-label",
    ] {
        assert!(mappings.contains(&format!(r#"<label for="{id}">"#)), "{id}");
    }
    // The customer matches: a labelled filter, a captioned table with row headers, and
    // buttons that say which customer they decide about.
    let matches = client.get("/suggestions").await.body;
    assert!(matches.contains(r#"<label for="f-tenant">Tenant</label>"#));
    assert!(matches.contains("<caption>Possible customer matches awaiting a decision</caption>"));
    assert!(matches.contains(r#"<th scope="row"><a href="/records/customer/312"#));
    assert!(matches.contains(
        r#"Reject<span class="sr-only">: customer 312 is not accounting customer 58</span>"#
    ));
    assert_eq!(matches.matches("<th>").count(), 0);
    // The dashboard's sections are headed and labelled by their headings.
    let dashboard = client.get("/").await.body;
    for id in [
        "h-runs",
        "h-conflicts",
        "h-suggestions",
        "h-unmapped",
        "h-blocked",
    ] {
        assert!(
            dashboard.contains(&format!(r#"<section aria-labelledby="{id}">"#)),
            "{id}"
        );
    }
}
