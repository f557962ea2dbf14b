//! The dashboard's review work: customer matches awaiting a decision, unmapped values with a
//! link to map each one, and a source of unmapped values that fails or hangs.

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use ledgerbridge_core::System;
use ledgerbridge_ledger::{Ledger, Mapping, MappingKind};
use ledgerbridge_web::{BlockingValue, BoxFuture, UnmappedValues};

use crate::helpers::*;

#[tokio::test]
async fn the_dashboard_lists_matches_to_review_and_unmapped_values_with_fix_links() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let page = client.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains(
        r#"<span class="value">2</span> <span class="label">Customer matches to review</span>"#
    ));
    assert!(
        body.contains(r#"<span class="value">1</span> <span class="label">Unmapped values</span>"#)
    );
    assert!(body.contains(r#"<h2 id="h-suggestions">Customer matches to review</h2>"#));
    assert!(body.contains(&format!(r#"action="/suggestions/{QBO_TENANT}/312/accept""#)));
    // The parked invoice uses SKU-200, which no item mapping covers.
    assert!(body.contains("<th scope=\"row\">SKU-200</th><td>Item</td>"));
    assert!(body.contains("blocking 1 waiting record(s)"));
    let fix = format!(
        "/mappings?tenant={QBO_TENANT}&#38;system=quickbooks&#38;kind=item&#38;source=SKU-200#edit"
    );
    assert!(
        body.contains(&fix) || body.contains(&fix.replace("&#38;", "&amp;")),
        "{body}"
    );
    // The link opens the form filled in for that value.
    let form = client
        .get(&format!(
            "/mappings?tenant={QBO_TENANT}&system=quickbooks&kind=item&source=SKU-200"
        ))
        .await;
    assert!(
        form.body
            .contains(r#"id="m-source" name="source" value="SKU-200""#)
    );

    // Mapped, the value no longer blocks anything.
    ledger
        .mappings()
        .set(&Mapping {
            tenant: QBO_TENANT.into(),
            target_system: System::QuickBooks,
            kind: MappingKind::Item,
            source: "SKU-200".into(),
            target: "43".into(),
            target_label: None,
        })
        .await
        .unwrap();
    let after = client.get("/").await.body;
    assert!(after.contains("Every value of the waiting records is mapped."));
    assert!(
        after
            .contains(r#"<span class="value">0</span> <span class="label">Unmapped values</span>"#)
    );
}

struct Unreachable;

impl UnmappedValues for Unreachable {
    fn unmapped<'a>(&'a self, _: &'a Ledger) -> BoxFuture<'a, Result<Vec<BlockingValue>, String>> {
        Box::pin(async {
            Err("ServiceTitan tenant 1017823's tax zones: connection refused".into())
        })
    }
}

struct Hangs;

impl UnmappedValues for Hangs {
    fn unmapped<'a>(&'a self, _: &'a Ledger) -> BoxFuture<'a, Result<Vec<BlockingValue>, String>> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn an_unreachable_remote_is_said_and_the_rest_of_the_dashboard_renders() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_with(&ledger, |o| {
        o.unmapped_values(Arc::new(Unreachable))
    }));
    let page = client.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("The unmapped values could not be listed (ServiceTitan tenant 1017823&#39;s tax zones: connection refused)") || page.body.contains("connection refused"));
    assert!(
        page.body
            .contains(r#"<h2 id="h-conflicts">Open conflicts</h2>"#)
    );

    let mut slow = Client::new(app_with(&ledger, |o| {
        o.unmapped_values(Arc::new(Hangs))
            .remote_timeout(Duration::from_millis(50))
    }));
    let page = slow.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("no answer within 50ms"), "{}", page.body);
}

#[tokio::test]
async fn the_dashboard_lists_recent_alerts_and_what_failed() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    assert!(
        !client.get("/").await.body.contains("Recent alerts"),
        "no alerts, no section"
    );
    let new = |condition: &str| ledgerbridge_ledger::NewAlert {
        rule: "invoice_overdue".into(),
        rule_key: "invoice_overdue:30:0".into(),
        condition_key: condition.into(),
        channel: "ar-team".into(),
        tenant: Some(QBO_TENANT.to_string()),
        subject: "Invoice 1042 for Acme <Plumbing> is 31 days overdue".into(),
        message: serde_json::json!({"title": "t", "text": "x"}),
    };
    let sent = ledger
        .alerts()
        .raise(&new("invoice:1"))
        .await
        .unwrap()
        .unwrap();
    ledger.alerts().mark_sent(sent.id).await.unwrap();
    let failed = ledger
        .alerts()
        .raise(&new("invoice:2"))
        .await
        .unwrap()
        .unwrap();
    ledger
        .alerts()
        .mark_failed(failed.id, "HTTP 500", None)
        .await
        .unwrap();
    let body = client.get("/").await.body;
    assert!(
        body.contains(r#"<h2 id="h-alerts">Recent alerts</h2>"#),
        "{body}"
    );
    assert!(
        body.contains("Acme &#60;Plumbing&#62;") || body.contains("Acme &lt;Plumbing&gt;"),
        "escaped: {body}"
    );
    assert!(
        body.contains(r#"<span class="badge err">failed</span> after 1 attempt(s): HTTP 500"#),
        "{body}"
    );
}
