//! The documented 60 requests per second per app per tenant, on the sandbox clock.

use ledgerbridge_emulator::LimitMode;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{accounting_spec, assert_valid, crm, spawn_world};

#[tokio::test]
async fn the_sixty_first_request_in_a_second_gets_a_429_with_retry_after() {
    let w = spawn_world(LimitMode::Real).await;
    let token = w.token(0).await;
    let mut tasks = Vec::new();
    for _ in 0..90 {
        let (http, url, token) = (
            w.http.clone(),
            w.url(&crm(0, "customers?pageSize=1")),
            token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            http.get(url)
                .header("ST-App-Key", ledgerbridge_emulator_servicetitan::APP_KEY)
                .header("Authorization", token)
                .send()
                .await
                .unwrap()
        }));
    }
    let mut throttled = None;
    let mut ok = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status().as_u16() {
            200 => ok += 1,
            429 => throttled = Some(r),
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(ok <= 60, "{ok} requests passed in one second");
    let r = throttled.expect("at least one request was throttled");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    let body: Value = r.json().await.unwrap();
    assert_valid(accounting_spec(), "ApiErrorResponse", &body);
    let title = body["title"].as_str().unwrap();
    assert!(
        title.ends_with(&format!("try again in {retry} seconds.")),
        "{title}"
    );
    // servicepytan reads the wait as the second-to-last word of the title.
    let words: Vec<&str> = title.split(' ').collect();
    assert_eq!(words[words.len() - 2], retry.to_string());
    // The other tenant has its own budget.
    let other = w.token(1).await;
    assert_eq!(
        w.send(Method::GET, &other, &crm(1, "customers?pageSize=1"), None)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn relaxed_limits_let_a_burst_through() {
    let w = spawn_world(LimitMode::Relaxed).await;
    let token = w.token(0).await;
    for _ in 0..80 {
        assert_eq!(
            w.send(Method::GET, &token, &crm(0, "customers?pageSize=1"), None)
                .await
                .status(),
            200
        );
    }
}
