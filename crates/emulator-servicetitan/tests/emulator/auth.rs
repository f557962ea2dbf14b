//! Token endpoint and the gate: app key, bearer or bare token, expiry, tenant match.

use ledgerbridge_emulator::LimitMode;
use ledgerbridge_emulator_servicetitan::{APP_KEY, CLIENTS, TOKEN_LIFETIME_SECS};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{acc, assert_problem, crm, spawn_world};

#[tokio::test]
async fn token_endpoint_issues_900_second_tokens_and_refuses_bad_clients() {
    let w = spawn_world(LimitMode::Real).await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENTS[0].client_id),
        ("client_secret", CLIENTS[0].client_secret),
    ];
    let body: Value = w
        .http
        .post(w.url("/connect/token"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["expires_in"], TOKEN_LIFETIME_SECS);
    assert_eq!(body["token_type"], "Bearer");
    assert!(
        body["scope"]
            .as_str()
            .unwrap()
            .contains("tn.acc.invoices:r")
    );
    assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 3);

    let wrong = [
        ("grant_type", "client_credentials"),
        ("client_id", CLIENTS[0].client_id),
        ("client_secret", "nope"),
    ];
    let response = w
        .http
        .post(w.url("/connect/token"))
        .form(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"error": "invalid_client"})
    );

    let grant = [
        ("grant_type", "password"),
        ("client_id", CLIENTS[0].client_id),
        ("client_secret", CLIENTS[0].client_secret),
    ];
    let response = w
        .http
        .post(w.url("/connect/token"))
        .form(&grant)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );

    let as_json = w
        .http
        .post(w.url("/connect/token"))
        .json(&json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(as_json.status(), 400);

    // HTTP Basic client authentication is accepted too.
    let basic = w
        .http
        .post(w.url("/connect/token"))
        .basic_auth(CLIENTS[1].client_id, Some(CLIENTS[1].client_secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 200);
}

#[tokio::test]
async fn bearer_and_bare_tokens_work_app_key_is_required() {
    let w = spawn_world(LimitMode::Real).await;
    let token = w.token(0).await;
    let path = w.url(&crm(0, "customers?pageSize=1"));
    for auth in [
        format!("Bearer {token}"),
        token.clone(),
        format!("bearer {token}"),
    ] {
        let r = w
            .http
            .get(&path)
            .header("ST-App-Key", APP_KEY)
            .header("Authorization", auth)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let no_key = w
        .http
        .get(&path)
        .header("Authorization", &token)
        .send()
        .await
        .unwrap();
    assert_problem(no_key, 401).await;
    let bad_key = w
        .http
        .get(&path)
        .header("ST-App-Key", "ak1.wrong")
        .header("Authorization", &token)
        .send()
        .await
        .unwrap();
    assert_problem(bad_key, 401).await;
    let query_key = format!("{path}&servicetitanapplicationkey={APP_KEY}");
    let r = w
        .http
        .get(&query_key)
        .header("Authorization", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let no_token = w
        .http
        .get(&path)
        .header("ST-App-Key", APP_KEY)
        .send()
        .await
        .unwrap();
    assert_problem(no_token, 401).await;
    let forged = w
        .http
        .get(&path)
        .header("ST-App-Key", APP_KEY)
        .header("Authorization", "Bearer x.y.z")
        .send()
        .await
        .unwrap();
    assert_problem(forged, 401).await;
}

#[tokio::test]
async fn tokens_expire_on_the_sandbox_clock_and_are_bound_to_their_tenant() {
    let w = spawn_world(LimitMode::Real).await;
    let token = w.token(0).await;
    let other = w
        .send(Method::GET, &token, &crm(1, "customers"), None)
        .await;
    let body = assert_problem(other, 403).await;
    assert!(body["title"].as_str().unwrap().contains("tenant"));
    assert_eq!(
        w.send(Method::GET, &token, &crm(0, "customers"), None)
            .await
            .status(),
        200
    );
    let advanced = w
        .control(
            Method::POST,
            "/_sandbox/clock",
            Some(json!({"advance_seconds": TOKEN_LIFETIME_SECS + 1})),
        )
        .await;
    assert_eq!(advanced.status(), 200);
    let expired = w
        .send(Method::GET, &token, &crm(0, "customers"), None)
        .await;
    let body = assert_problem(expired, 401).await;
    assert!(body["title"].as_str().unwrap().contains("expired"));
    let fresh = w.token(0).await;
    assert_eq!(
        w.send(Method::GET, &fresh, &crm(0, "customers"), None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn get_bodies_and_unknown_parameters_are_ignored_like_servicepytan_needs() {
    let w = spawn_world(LimitMode::Real).await;
    let token = w.token(0).await;
    // servicepytan sends `{}` with `Content-Type: application/json` on every GET; large
    // responses must still arrive whole (an unread body once turned into a TCP reset).
    for _ in 0..5 {
        let r = w
            .http
            .get(w.url(&acc(0, "invoices?pageSize=1000&frobnicate=yes&Page=1")))
            .header("ST-App-Key", APP_KEY)
            .header("Authorization", &token)
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["pageSize"], 1000);
    }
    // GET of a single invoice does not exist in the API.
    let r = w
        .send(Method::GET, &token, &acc(0, "invoices/123"), None)
        .await;
    assert_problem(r, 405).await;
    let r = w
        .send(Method::GET, &token, &acc(0, "no-such-thing"), None)
        .await;
    assert_problem(r, 404).await;
}
