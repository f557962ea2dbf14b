//! Tokens: cached, single flight, renewed before expiry and after a 401, refused credentials
//! mean reconnect, and the token endpoint's retries are not multiplied by the call's.

use std::time::Duration;

use http::Method;
use ledgerbridge_connector::{
    ApiRequest, ConnectorError, Idempotency, ManualClock, RetryPolicy, TokenProvider,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{
    Sequence, layer, layer_with, mount_token, provider, provider_on, provider_with, url,
};

#[tokio::test]
async fn many_waiting_callers_cause_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_millis(200))
                .set_body_json(json!({
                    "access_token": "tok-1", "expires_in": 900, "token_type": "Bearer"
                })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let layer = layer();
    let auth = provider(&server, &layer);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let auth = auth.clone();
            tokio::spawn(async move { auth.access_token().await.map(|t| t.generation()) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 1);
    }
    assert_eq!(auth.token_requests(), 1);
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await; // renewal margin: 60 s, so renewed from 840 s on
    let clock = ManualClock::new();
    let layer = layer();
    let auth = provider_on(&server, &layer, &clock);
    let first = auth.access_token().await.unwrap();
    clock.advance(Duration::from_secs(839));
    assert_eq!(
        auth.access_token().await.unwrap().generation(),
        first.generation(),
        "still fresh a second before the margin"
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        auth.access_token().await.unwrap().generation(),
        first.generation() + 1,
        "renewed once inside the margin"
    );
    assert_eq!(auth.token_requests(), 2);
}

#[tokio::test]
async fn a_401_renews_the_token_and_replays_once() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("POST"))
        .and(path("/payments"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(401),
            ResponseTemplate::new(200).set_body_string("7"),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let layer = layer();
    let auth = provider(&server, &layer);
    let request = ApiRequest::json(
        "create payment",
        Method::POST,
        url(&server, "/payments"),
        "t1",
        &json!({}),
        Idempotency::NotIdempotent,
    )
    .unwrap();
    let response = layer.send(&auth, &request).await.unwrap();
    assert_eq!(&response.body[..], b"7");
    assert_eq!(auth.token_requests(), 2);
}

#[tokio::test]
async fn refused_client_credentials_mean_reconnect() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_client"})))
        .expect(1)
        .mount(&server)
        .await;
    let layer = layer();
    let auth = provider(&server, &layer);
    let err = auth.access_token().await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::ReconnectNeeded { .. }),
        "{err:?}"
    );
    assert!(err.needs_reconnect());
    assert!(!err.to_string().contains("very-secret"));
}

fn two_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn a_failing_token_endpoint_is_retried_by_one_loop_not_two() {
    // Throttled or down, the token endpoint gets 1 + max_retries requests for one call,
    // not (1 + max_retries)^2: the layer does not retry what the provider already did.
    for failure in [
        ResponseTemplate::new(503),
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/connect/token"))
            .respond_with(failure)
            .expect(3)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/items"))
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&server)
            .await;
        let layer = layer_with(two_retries());
        let auth = provider_with(&server, &layer, two_retries());
        let err = layer
            .send(
                &auth,
                &ApiRequest::get("list items", url(&server, "/items"), "t1"),
            )
            .await
            .unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
        assert_eq!(auth.token_requests(), 3, "{err:?}");
        server.verify().await;
    }
}

#[tokio::test]
async fn a_token_endpoint_hiccup_is_still_retried_by_the_provider() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "tok-abc", "expires_in": 900, "token_type": "Bearer"
            })),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .expect(1)
        .mount(&server)
        .await;
    let layer = layer_with(two_retries());
    let auth = provider_with(&server, &layer, two_retries());
    layer
        .send(
            &auth,
            &ApiRequest::get("list items", url(&server, "/items"), "t1"),
        )
        .await
        .unwrap();
    assert_eq!(auth.token_requests(), 2);
}
