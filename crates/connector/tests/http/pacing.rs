//! A 429 pauses every caller of that tenant (only that tenant) for as long as the refused
//! call itself waits, however the remote said it.
//!
//! The layers run on a [`ManualClock`]: time stands still unless the layer waits, so a pause
//! reads exactly what the code decided, whatever the machine's speed.

use std::time::Duration;

use ledgerbridge_connector::{ApiRequest, HttpLayer, ManualClock, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{layer_on, mount_token, provider, url};

/// No retries, so the refused call returns at once and the pause can be read.
fn no_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 0,
        ..RetryPolicy::default()
    }
}

async fn throttled_once(layer: &HttpLayer, server: &MockServer) -> Option<Duration> {
    let auth = provider(server, layer);
    let err = layer
        .send(
            &auth,
            &ApiRequest::get("list items", url(server, "/items"), "t1"),
        )
        .await
        .unwrap_err();
    err.retry_after()
}

fn paused_for(layer: &HttpLayer, clock: &ManualClock, key: &str) -> Option<Duration> {
    layer
        .pacer()
        .paused_until(key)
        .map(|at| at.saturating_duration_since(clock.now()))
}

#[tokio::test]
async fn a_429_without_retry_after_pauses_the_tenant_for_the_connectors_default_wait() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/other"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    // QuickBooks documents a one-minute back-off instead of sending Retry-After.
    let clock = ManualClock::new();
    let layer = layer_on(&clock, no_retries()).with_default_retry_after(Duration::from_secs(60));
    assert_eq!(
        throttled_once(&layer, &server).await,
        Some(Duration::from_secs(60))
    );
    assert_eq!(
        paused_for(&layer, &clock, "t1"),
        Some(Duration::from_secs(60)),
        "the other callers of the tenant wait as long as the retry does"
    );
    assert_eq!(
        paused_for(&layer, &clock, "t2"),
        None,
        "other tenants go on"
    );

    // And they do wait: another tenant's call goes at once, this tenant's after the minute.
    let auth = provider(&server, &layer);
    for tenant in ["t2", "t1"] {
        let other = ApiRequest::get("list other", url(&server, "/other"), tenant);
        layer.send(&auth, &other).await.unwrap();
    }
    assert_eq!(clock.waits(), [Duration::from_secs(60)]);
}

#[tokio::test]
async fn a_429_with_the_wait_in_its_title_pauses_for_that_wait() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(ResponseTemplate::new(429).set_body_json(json!({
            "title": "Rate limit exceeded, try again in 30 seconds.", "status": 429, "traceId": "t"
        })))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let layer = layer_on(&clock, no_retries());
    assert_eq!(
        throttled_once(&layer, &server).await,
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        paused_for(&layer, &clock, "t1"),
        Some(Duration::from_secs(30))
    );
}

#[tokio::test]
async fn a_429_that_says_nothing_pauses_the_tenant_for_a_second() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(ResponseTemplate::new(429))
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let layer = layer_on(&clock, no_retries());
    assert_eq!(throttled_once(&layer, &server).await, None);
    assert_eq!(
        paused_for(&layer, &clock, "t1"),
        Some(Duration::from_secs(1))
    );
}
