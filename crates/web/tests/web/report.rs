//! The reconciliation report page: filters by status and target, downloads as CSV and JSON
//! that agree with the page, and refusals of what it cannot show.

use axum::http::StatusCode;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};

use crate::helpers::*;

#[tokio::test]
async fn the_page_lists_what_needs_attention_and_filters_by_status_and_target() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let r = client.get("/report?period=2026-11").await;
    assert_eq!(r.status, StatusCode::OK);
    // The conflict links to its page, the blocked record says why; the matched one is hidden.
    assert!(
        r.body
            .contains(r#"<a href="/conflicts/1">Conflict open</a>"#)
    );
    assert!(r.body.contains("unmapped SKU SKU-200"));
    assert!(!r.body.contains("INV-4521 (id 4530)"));
    // Every record, or one status.
    let all = client.get("/report?period=2026-11&status=all").await;
    assert!(
        all.body.contains("INV-4521 (id 4530)"),
        "the matched invoice"
    );
    let matched = client.get("/report?period=2026-11&status=matched").await;
    assert!(matched.body.contains("INV-4521 (id 4530)"));
    assert!(!matched.body.contains("Conflict open</a>"));
    assert!(
        matched
            .body
            .contains(r#"<option value="matched" selected>"#)
    );
    // Xero only: the QuickBooks tenant's tables are gone.
    let xero = client.get("/report?period=2026-11&target=xero").await;
    assert!(!xero.body.contains("→ quickbooks"));
    assert!(xero.body.contains("Tenant 2044 → xero"));
    for bad in [
        "/report?status=nonsense",
        "/report?target=servicetitan",
        "/report?format=pdf",
    ] {
        assert_eq!(
            client.get(bad).await.status,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
}

#[tokio::test]
async fn downloads_carry_every_record_of_the_period_and_the_same_totals() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let page = client.get("/report?period=2026-11").await;
    assert!(
        page.body
            .contains(r#"href="/report?period=2026-11&#38;format=csv""#)
    );

    let csv = client.get("/report?period=2026-11&format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        csv.headers[CONTENT_DISPOSITION],
        "attachment; filename=\"reconciliation-2026-11.csv\""
    );
    let lines: Vec<&str> = csv.body.split_terminator("\r\n").collect();
    assert!(lines[0].starts_with("row,tenant,target,status,"));
    // Three records (conflict, blocked, matched) and the totals row, whatever the page filter.
    assert_eq!(lines.iter().filter(|l| l.starts_with("record,")).count(), 3);
    let totals = lines.iter().find(|l| l.starts_with("totals,")).unwrap();
    assert!(
        totals.contains(",1714.56,") && totals.contains(",1484.56,"),
        "{totals}"
    );

    let json = client
        .get("/report?from=2026-11-01&to=2026-11-30&format=json&tenant=1017823")
        .await;
    assert_eq!(json.headers[CONTENT_TYPE], "application/json");
    let report: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["period"]["label"], "2026-11");
    let tenants = report["tenants"].as_array().unwrap();
    assert_eq!(tenants.len(), 1);
    let totals = &tenants[0]["totals"][0];
    assert_eq!(totals["servicetitan"]["total"], "1714.56");
    assert_eq!(totals["accounting"]["total"], "1484.56");
    assert_eq!(totals["variance"]["total"], "-230.00");
}
