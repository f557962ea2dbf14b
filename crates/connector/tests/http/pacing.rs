//! A 429 pauses every caller of that tenant (only that tenant) for as long as the refused
//! call itself waits, however the remote said it.

use std::time::Duration;

use ledgerbridge_connector::{ApiRequest, HttpLayer, RetryPolicy};
use serde_json::json;
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{layer_with, mount_token, provider, url};

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

fn paused_for(layer: &HttpLayer, key: &str) -> Option<Duration> {
    layer
        .pacer()
        .paused_until(key)
        .map(|at| at.saturating_duration_since(Instant::now()))
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
    // QuickBooks documents a one-minute back-off instead of sending Retry-After.
    let layer = layer_with(no_retries()).with_default_retry_after(Duration::from_secs(60));
    assert_eq!(
        throttled_once(&layer, &server).await,
        Some(Duration::from_secs(60))
    );
    let paused = paused_for(&layer, "t1").expect("the tenant is paused");
    assert!(
        paused > Duration::from_secs(58),
        "the other callers of the tenant wait as long as the retry does, not {paused:?}"
    );
    assert_eq!(paused_for(&layer, "t2"), None, "other tenants go on");
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
    let layer = layer_with(no_retries());
    assert_eq!(
        throttled_once(&layer, &server).await,
        Some(Duration::from_secs(30))
    );
    let paused = paused_for(&layer, "t1").expect("the tenant is paused");
    assert!(paused > Duration::from_secs(28), "{paused:?}");
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
    let layer = layer_with(no_retries());
    assert_eq!(throttled_once(&layer, &server).await, None);
    let paused = paused_for(&layer, "t1").expect("the tenant is paused");
    assert!(
        paused > Duration::from_millis(500) && paused <= Duration::from_secs(1),
        "{paused:?}"
    );
}
