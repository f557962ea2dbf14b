//! The fault plan with QuickBooks' own bodies: 5xx, throttle bursts, timeouts and
//! lost-after-commit (where `requestid` replay and the look-up before a re-create matter).

use serde_json::json;

use crate::support::{Sandbox, assert_valid};

async fn set_faults(sb: &Sandbox, plan: serde_json::Value) {
    let r = sb
        .http
        .post(format!("{}/_sandbox/faults", sb.base()))
        .json(&plan)
        .send()
        .await
        .expect("faults");
    assert_eq!(r.status(), 204);
}

async fn clear_faults(sb: &Sandbox) {
    sb.http
        .delete(format!("{}/_sandbox/faults", sb.base()))
        .send()
        .await
        .expect("clear");
}

#[tokio::test]
async fn server_errors_and_throttle_bursts_use_intuit_bodies() {
    let sb = Sandbox::start().await;
    set_faults(&sb, json!({ "seed": 1, "error_rate": 1 })).await;
    let r = sb.get("/preferences").await;
    assert_eq!((r.status, r.code()), (500, "10000"));
    assert_eq!(r.str("Fault.type"), "SystemFault");
    assert_valid("FaultResponse", &r);
    assert!(r.headers.contains_key("intuit_tid"));
    let info = sb
        .http
        .get(format!("{}/_sandbox/info", sb.base()))
        .send()
        .await
        .expect("info");
    assert_eq!(info.status(), 200, "the control API is never faulted");

    set_faults(&sb, json!({ "seed": 1, "throttle_burst": 2 })).await;
    for _ in 0..2 {
        let r = sb.get("/preferences").await;
        assert_eq!((r.status, r.code()), (429, "3001"));
    }
    assert_eq!(sb.get("/preferences").await.status, 200);
    clear_faults(&sb).await;
}

#[tokio::test]
async fn lost_after_commit_then_replay_and_look_up() {
    let sb = Sandbox::start().await;
    set_faults(&sb, json!({ "seed": 7, "lost_after_commit_rate": 1 })).await;
    let body = r#"{"CustomerRef":{"value":"1"},"DocNumber":"LOST-1","Line":[{"Amount":75.00,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{}}]}"#;
    let lost = sb
        .http
        .post(sb.api("/invoice?requestid=lost-1&minorversion=75"))
        .bearer_auth(&sb.token)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await;
    assert!(lost.is_err(), "the connection drops without a response");
    // GETs are never lost (a POSTed query would be): the client looks the invoice up by number.
    let found = sb
        .get("/query?query=SELECT%20*%20FROM%20Invoice%20WHERE%20DocNumber%20%3D%20'LOST-1'")
        .await;
    assert_eq!(found.status, 200);
    let id = found.str("QueryResponse.Invoice.0.Id").to_owned();
    clear_faults(&sb).await;
    let replay = sb
        .post("/invoice?requestid=lost-1&minorversion=75", body)
        .await;
    assert_eq!(replay.status, 200, "{}", replay.text);
    assert_eq!(
        replay.str("Invoice.Id"),
        id,
        "the committed invoice, not a second one"
    );
    let count = sb
        .query("SELECT COUNT(*) FROM Invoice WHERE DocNumber = 'LOST-1'")
        .await;
    assert_eq!(
        count.at("QueryResponse.totalCount").decimal(),
        Some(1.into())
    );
}

#[tokio::test]
async fn timeouts_drop_the_request_without_running_it() {
    let sb = Sandbox::start().await;
    set_faults(
        &sb,
        json!({ "seed": 3, "timeout_rate": 1, "timeout_ms": 200 }),
    )
    .await;
    let r = sb
        .http
        .post(sb.api("/customer"))
        .bearer_auth(&sb.token)
        .header("Content-Type", "application/json")
        .body(r#"{"DisplayName":"Timed Out"}"#)
        .send()
        .await;
    assert!(r.is_err());
    clear_faults(&sb).await;
    let none = sb
        .query("SELECT COUNT(*) FROM Customer WHERE DisplayName = 'Timed Out'")
        .await;
    assert_eq!(
        none.at("QueryResponse.totalCount").decimal(),
        Some(0.into())
    );
}
