//! The sandbox fault plan with Xero's bodies: 503, throttle bursts, lost-after-commit.

use ledgerbridge_emulator::LimitMode;
use reqwest::Method;

use crate::helpers::{Sandbox, invoice_json};

async fn set_faults(sb: &Sandbox, plan: &str) {
    let r = sb
        .http
        .post(sb.url("/_sandbox/faults"))
        .header("Content-Type", "application/json")
        .body(plan.to_owned())
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn server_errors_and_throttle_bursts_look_like_xero() {
    let sb = Sandbox::start(LimitMode::Relaxed).await;
    set_faults(&sb, r#"{"seed": 1, "throttle_burst": 2}"#).await;
    for _ in 0..2 {
        let r = sb.get("/Organisation").await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("Retry-After"), Some("1"));
        assert_eq!(r.header("X-Rate-Limit-Problem"), Some("minute"));
        assert!(
            r.header("X-DayLimit-Remaining").is_some(),
            "limit headers on injected 429s too"
        );
    }
    assert_eq!(
        sb.get("/Organisation").await.status,
        200,
        "the burst is over"
    );
    set_faults(&sb, r#"{"seed": 1, "error_rate": 1}"#).await;
    let r = sb.get("/Organisation").await;
    assert_eq!(
        (r.status.as_u16(), r.text.as_str()),
        (503, "The Xero API is temporarily unavailable")
    );
    let cleared = sb
        .http
        .delete(sb.url("/_sandbox/faults"))
        .send()
        .await
        .expect("sent");
    assert_eq!(cleared.status(), 204);
    assert_eq!(sb.get("/Organisation").await.status, 200);
}

#[tokio::test]
async fn lost_after_commit_then_replay_and_look_up() {
    let sb = Sandbox::start(LimitMode::Relaxed).await;
    let contact = sb.contact_id("Café Olé").await;
    let body = format!(
        r#"{{"Invoices":[{}]}}"#,
        invoice_json(&contact, "LOST-1", "42.00", "210")
    );
    set_faults(&sb, r#"{"seed": 3, "lost_after_commit_rate": 1}"#).await;
    let lost = sb
        .http
        .put(sb.url("/api.xro/2.0/Invoices?summarizeErrors=false"))
        .bearer_auth(&sb.token)
        .header("xero-tenant-id", ledgerbridge_emulator_xero::XERO_TENANT_ID)
        .header("Accept", "application/json")
        .header("Idempotency-Key", "lost-1")
        .body(body.clone())
        .send()
        .await;
    assert!(lost.is_err(), "the connection drops without a response");
    sb.http
        .delete(sb.url("/_sandbox/faults"))
        .send()
        .await
        .expect("sent");
    // The write was committed: the look-up by number finds it...
    let found = sb.get("/Invoices/LOST-1").await;
    assert_eq!(found.status, 200);
    let id = found.json()["Invoices"][0]["InvoiceID"].clone();
    // ...and replaying the same key returns the original response instead of a duplicate.
    let replay = sb
        .call(
            Method::PUT,
            "/Invoices?summarizeErrors=false",
            Some(&body),
            &[("Idempotency-Key", "lost-1")],
        )
        .await;
    assert_eq!(replay.status, 200, "{}", replay.text);
    assert_eq!(replay.json()["Invoices"][0]["InvoiceID"], id);
    let all = sb.get("/Invoices?InvoiceNumbers=LOST-1").await.json();
    assert_eq!(
        all["Invoices"].as_array().expect("list").len(),
        1,
        "no duplicate"
    );
}
