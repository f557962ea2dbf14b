//! `GET /suggestions` and the Accept / Reject decisions.

use axum::http::StatusCode;
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{EventFilter, Ledger, RecordKey};
use ledgerbridge_reconcile::links::{rejected, suggested};

use crate::helpers::*;
use crate::review_seed::SUGGESTED;

fn customer_key(id: &str) -> RecordKey {
    RecordKey::new(
        QBO_TENANT,
        EntityKind::Customer,
        id,
        System::QuickBooks,
        "4620816365",
    )
}

async fn events(ledger: &Ledger, kind: &str) -> Vec<ledgerbridge_ledger::Event> {
    ledger
        .events()
        .list(&EventFilter {
            kind: Some(kind.into()),
            ..EventFilter::default()
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn the_list_shows_each_suggestion_with_its_evidence_and_both_buttons() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let page = client.get("/suggestions").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("<h1>Customer matches</h1>"));
    for (id, name, target, confidence) in SUGGESTED {
        assert!(body.contains(&format!("Customer {id}</a>")), "{id}");
        assert!(
            body.contains(&name.replace('&', "&#38;"))
                || body.contains(&name.replace('&', "&amp;")),
            "{name}"
        );
        assert!(
            body.contains(&format!("<td>quickbooks {target}</td>")),
            "{target}"
        );
        assert!(body.contains(&format!("{confidence}%")));
        assert!(body.contains(&format!(
            r#"action="/suggestions/{QBO_TENANT}/{id}/accept""#
        )));
        assert!(body.contains(&format!(
            r#"action="/suggestions/{QBO_TENANT}/{id}/reject""#
        )));
    }
    // Evidence by field name: what agrees, what differs.
    assert!(body.contains("<td>name, address</td>"));
    assert!(body.contains("<td>phone</td>"));
    // Filtered to the other tenant, nothing is listed.
    let other = client
        .get(&format!("/suggestions?tenant={XERO_TENANT}"))
        .await;
    assert!(
        other
            .body
            .contains("No customer match awaits review for tenant 2044")
    );
    // The navigation offers the page.
    assert!(body.contains(r#"<a href="/suggestions" aria-current="page">Customer matches</a>"#));
}

#[tokio::test]
async fn accepting_links_the_customer_as_links_set_does_and_audits_who() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let r = client
        .post(
            "/suggestions",
            &format!("/suggestions/{QBO_TENANT}/312/accept"),
            &[("target_id", "58")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), "/suggestions");
    let link = ledger
        .links()
        .get(&customer_key("312"))
        .await
        .unwrap()
        .expect("linked");
    assert_eq!(link.target_id, "58");
    let set = events(&ledger, "link.set").await;
    assert_eq!(set.len(), 1);
    assert_eq!(set[0].record_id.as_deref(), Some("312"));
    assert_eq!(set[0].detail["target_id"], "58");
    assert_eq!(set[0].detail["by"], "web");
    // Off the list; the other one stays.
    let left = suggested(&ledger, QBO_TENANT).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].servicetitan_id, "313");
    let page = client.get("/suggestions").await.body;
    assert!(page.contains("Customer 312 linked to quickbooks customer 58."));
    assert!(!page.contains("Customer 312</a>"));
}

#[tokio::test]
async fn rejecting_records_the_decision_and_the_suggestion_stays_gone() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    let r = client
        .post(
            "/suggestions",
            &format!("/suggestions/{QBO_TENANT}/313/reject"),
            &[("target_id", "59")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        ledger
            .links()
            .get(&customer_key("313"))
            .await
            .unwrap()
            .is_none()
    );
    let decided = events(&ledger, "customer.match.rejected").await;
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0].tenant.as_deref(), Some(QBO_TENANT));
    assert_eq!(decided[0].record_id.as_deref(), Some("313"));
    assert_eq!(decided[0].detail["target_id"], "59");
    assert_eq!(decided[0].detail["by"], "web");
    assert!(
        rejected(&ledger, QBO_TENANT)
            .await
            .unwrap()
            .contains(&("313".to_owned(), "59".to_owned()))
    );
    let page = client.get("/suggestions").await.body;
    assert!(page.contains("creates the customer as new"));
    assert!(!page.contains("Customer 313</a>"));
    // Deciding again on the same suggestion is refused: it is no longer open.
    let again = client
        .post(
            "/suggestions",
            &format!("/suggestions/{QBO_TENANT}/313/accept"),
            &[("target_id", "59")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        ledger
            .links()
            .get(&customer_key("313"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_decision_about_another_match_than_the_open_one_is_refused() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    for (path, target) in [
        (format!("/suggestions/{QBO_TENANT}/312/accept"), "99"),
        (format!("/suggestions/{QBO_TENANT}/999/accept"), "58"),
        (format!("/suggestions/{XERO_TENANT}/312/reject"), "58"),
    ] {
        let r = client
            .post("/suggestions", &path, &[("target_id", target)])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{path}");
        assert!(r.body.contains("no longer open"), "{path}");
    }
    assert!(
        ledger
            .links()
            .list(QBO_TENANT, None)
            .await
            .unwrap()
            .iter()
            .all(|l| l.key.entity != EntityKind::Customer)
    );
    assert!(events(&ledger, "customer.match.rejected").await.is_empty());
}

#[tokio::test]
async fn a_decision_without_the_csrf_token_is_refused() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_on(&ledger));
    client.get("/suggestions").await;
    for action in ["accept", "reject"] {
        let r = client
            .post_raw(
                &format!("/suggestions/{QBO_TENANT}/312/{action}"),
                &[("target_id", "58")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{action}");
    }
    assert!(
        ledger
            .links()
            .get(&customer_key("312"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(events(&ledger, "customer.match.rejected").await.is_empty());
    assert_eq!(suggested(&ledger, QBO_TENANT).await.unwrap().len(), 2);
}

#[tokio::test]
async fn with_a_login_the_decision_names_who_made_it() {
    let ledger = seeded_ledger().await;
    let mut client = Client::new(app_with(&ledger, |o| {
        o.password(secret("pw-long-enough"))
            .login_delay(std::time::Duration::ZERO)
    }));
    let login = client
        .post(
            "/login",
            "/login",
            &[("password", "pw-long-enough"), ("name", "Dana")],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    let r = client
        .post(
            "/suggestions",
            &format!("/suggestions/{QBO_TENANT}/312/reject"),
            &[("target_id", "58")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let decided = events(&ledger, "customer.match.rejected").await;
    assert_eq!(decided[0].detail["by"], "web:Dana");
}

#[tokio::test]
async fn accepting_a_match_whose_accounting_customer_is_taken_says_so() {
    let ledger = seeded_ledger().await;
    // Customer 58 became the twin of ServiceTitan customer 400 meanwhile.
    ledger
        .links()
        .insert(&customer_key("400"), "58")
        .await
        .unwrap();
    let mut client = Client::new(app_on(&ledger));
    let r = client
        .post(
            "/suggestions",
            &format!("/suggestions/{QBO_TENANT}/312/accept"),
            &[("target_id", "58")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.body
            .contains("quickbooks customer 58 is already linked to ServiceTitan customer 400"),
        "{}",
        r.body
    );
    assert!(
        ledger
            .links()
            .get(&customer_key("312"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(events(&ledger, "link.set").await.is_empty());
}
