//! The fault plan with ServiceTitan's own bodies: 5xx, throttle bursts, lost-after-commit.

use ledgerbridge_emulator::LimitMode;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{acc, assert_problem, spawn_world};

#[tokio::test]
async fn injected_errors_use_the_problem_shape_and_control_routes_are_exempt() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let set = w
        .control(
            Method::POST,
            "/_sandbox/faults",
            Some(json!({"seed": 3, "error_rate": 1})),
        )
        .await;
    assert_eq!(set.status(), 204);
    assert_problem(
        w.send(Method::GET, &token, &acc(0, "invoices"), None).await,
        500,
    )
    .await;
    assert_eq!(
        w.control(Method::GET, "/_sandbox/info", None)
            .await
            .status(),
        200
    );
    w.control(Method::DELETE, "/_sandbox/faults", None).await;
    w.control(
        Method::POST,
        "/_sandbox/faults",
        Some(json!({"throttle_burst": 2})),
    )
    .await;
    for _ in 0..2 {
        let r = w.send(Method::GET, &token, &acc(0, "invoices"), None).await;
        assert_eq!(r.headers()["retry-after"], "1");
        assert_problem(r, 429).await;
    }
    assert_eq!(
        w.send(Method::GET, &token, &acc(0, "invoices"), None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn lost_after_commit_drops_the_response_but_keeps_the_write() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let q = "invoices?statuses=Posted&activeState=ActiveOnly&pageSize=1";
    let id = w.get_json(&token, &acc(0, q)).await["data"][0]["id"]
        .as_i64()
        .unwrap();
    w.control(
        Method::POST,
        "/_sandbox/faults",
        Some(json!({"seed": 1, "lost_after_commit_rate": 1})),
    )
    .await;
    // Reads are not affected.
    assert_eq!(
        w.send(Method::GET, &token, &acc(0, q), None).await.status(),
        200
    );
    let lost = w
        .http
        .post(w.url(&acc(0, "invoices/markasexported")))
        .header("ST-App-Key", ledgerbridge_emulator_servicetitan::APP_KEY)
        .header("Authorization", &token)
        .json(&json!([{"invoiceId": id, "externalId": "QBO-9"}]))
        .send()
        .await;
    assert!(
        lost.is_err(),
        "the connection is dropped without a response"
    );
    let counts: Value = w
        .control(Method::GET, "/_sandbox/faults", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(counts["injected"]["lost_after_commit"], 1);
    w.control(Method::DELETE, "/_sandbox/faults", None).await;
    let after = w
        .get_json(&token, &acc(0, &format!("invoices?ids={id}")))
        .await;
    assert_eq!(
        after["data"][0]["syncStatus"], "Exported",
        "the write was committed"
    );
    assert_eq!(after["data"][0]["exportId"], "QBO-9");
}

#[tokio::test]
async fn reset_reseeds_and_forgets_tokens() {
    let w = spawn_world(LimitMode::Off).await;
    let token = w.token(0).await;
    let before = w.get_json(&token, &acc(0, "invoices?pageSize=3")).await;
    let r = w
        .control(Method::POST, "/_sandbox/reset", Some(json!({"seed": 7})))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        w.send(Method::GET, &token, &acc(0, "invoices"), None)
            .await
            .status(),
        401
    );
    let token = w.token(0).await;
    let after = w.get_json(&token, &acc(0, "invoices?pageSize=3")).await;
    assert_ne!(before["data"], after["data"]);
    let state: Value = w
        .control(Method::GET, "/_sandbox/state", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(state["seed"]["seed"], 7);
    let total = &state["tenants"][0]["invoices"];
    assert!(
        total.as_object().unwrap().values().next().unwrap()["sub_total"].is_string(),
        "amounts are strings in the dump"
    );
    let info: Value = w
        .control(Method::GET, "/_sandbox/info", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["api_base"], w.handle.base_url);
    assert_eq!(
        info["token_url"],
        format!("{}/connect/token", w.handle.base_url)
    );
    assert_eq!(info["tenants"].as_array().unwrap().len(), 2);
    assert_eq!(info["tenant_id"], info["tenants"][0]["tenant_id"]);
    assert_eq!(info["tenants"][1]["target"], "xero");
}
