//! What is tried again, and after how long: 429s by everyone (the request did not run),
//! timeouts and 5xx only by repeatable calls, Retry-After honoured. How long the layer waited
//! is read from a [`ManualClock`], never timed.

use std::time::Duration;

use http::Method;
use ledgerbridge_connector::{
    ApiRequest, ConnectorError, HttpLayer, HttpSettings, Idempotency, ManualClock,
};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Sequence, fast_retry, layer, layer_on, mount_token, provider, url};

fn post(server: &MockServer, p: &str, idempotency: Idempotency) -> ApiRequest {
    ApiRequest::json(
        "create",
        Method::POST,
        url(server, p),
        "t1",
        &json!({}),
        idempotency,
    )
    .unwrap()
}

#[tokio::test]
async fn a_429_storm_is_waited_out_honouring_retry_after() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    let throttled = ResponseTemplate::new(429)
        .insert_header("Retry-After", "1")
        .set_body_json(json!({"title": "Too many requests", "status": 429, "traceId": "t-429"}));
    Mock::given(method("GET"))
        .and(path("/items"))
        .and(header("authorization", "Bearer tok-abc"))
        .respond_with(Sequence::new(vec![
            throttled.clone(),
            throttled,
            ResponseTemplate::new(200).set_body_json(json!({"ok": true})),
        ]))
        .expect(3)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let layer = layer_on(&clock, fast_retry());
    let auth = provider(&server, &layer);
    let response = layer
        .send(
            &auth,
            &ApiRequest::get("list items", url(&server, "/items"), "t1"),
        )
        .await
        .unwrap();
    assert_eq!(
        response.json::<serde_json::Value>("list items").unwrap(),
        json!({"ok": true})
    );
    // Retry-After: 1 twice is two seconds, plus the retry's jitter (under min_delay, 5 ms):
    // one wait per 429, not the tenant's pause and the retry's delay on top of each other.
    let waited = clock.moved();
    assert!(
        waited >= Duration::from_secs(2) && waited < Duration::from_millis(2010),
        "Retry-After: 1 twice must wait 2 s, waited {waited:?} ({:?})",
        clock.waits()
    );
    assert_eq!(clock.waits().len(), 2, "{:?}", clock.waits());
}

#[tokio::test]
async fn a_5xx_burst_on_a_read_is_survived() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    let err = ResponseTemplate::new(503).set_body_string("unavailable");
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(Sequence::new(vec![
            err.clone(),
            err.clone(),
            err,
            ResponseTemplate::new(200).set_body_string("[]"),
        ]))
        .expect(4)
        .mount(&server)
        .await;
    let layer = layer();
    let auth = provider(&server, &layer);
    let response = layer
        .send(
            &auth,
            &ApiRequest::get("list items", url(&server, "/items"), "t1"),
        )
        .await
        .unwrap();
    assert_eq!(&response.body[..], b"[]");
}

#[tokio::test]
async fn a_create_without_a_key_is_never_retried_after_a_5xx() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("POST"))
        .and(path("/payments"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"title": "boom", "status": 500, "traceId": "t-500"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let layer = layer();
    let auth = provider(&server, &layer);
    let request = post(&server, "/payments", Idempotency::NotIdempotent);
    let err = layer.send(&auth, &request).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Transient { .. }), "{err:?}");
    assert_eq!(err.trace_id(), Some("t-500"));
}

#[tokio::test]
async fn a_create_without_a_key_is_retried_after_a_429_but_not_after_a_timeout() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    // A 429 says the request did not run: sending it again cannot create twice.
    Mock::given(method("POST"))
        .and(path("/throttled"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "1"),
            ResponseTemplate::new(200).set_body_string("77"),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .expect(1)
        .mount(&server)
        .await;
    let clock = ManualClock::new();
    let layer = layer_on(&clock, fast_retry());
    let auth = provider(&server, &layer);
    let created = layer
        .send(
            &auth,
            &post(&server, "/throttled", Idempotency::NotIdempotent),
        )
        .await
        .unwrap();
    assert_eq!(&created.body[..], b"77");
    assert!(
        clock.moved() >= Duration::from_secs(1),
        "the retry waited the Retry-After: {:?}",
        clock.waits()
    );
    // A short timeout against an answer held far longer: it times out however slow the
    // machine is.
    let impatient = HttpLayer::new(&HttpSettings {
        timeout: Duration::from_millis(300),
        retry: fast_retry(),
        ..HttpSettings::default()
    })
    .unwrap();
    let err = impatient
        .send(&auth, &post(&server, "/slow", Idempotency::NotIdempotent))
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::OutcomeUnknown { .. }),
        "a timed-out create may have run: {err:?}"
    );
}

#[tokio::test]
async fn a_429_asking_for_longer_than_the_cap_goes_back_to_the_caller_at_once() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("POST"))
        .and(path("/throttled"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "600"))
        .expect(1)
        .mount(&server)
        .await;
    let layer = layer();
    let auth = provider(&server, &layer);
    let err = layer
        .send(
            &auth,
            &post(&server, "/throttled", Idempotency::NotIdempotent),
        )
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)));
}

#[tokio::test]
async fn a_keyed_create_is_retried() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("POST"))
        .and(path("/invoices"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(502),
            ResponseTemplate::new(200).set_body_string("{}"),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let layer = layer();
    let auth = provider(&server, &layer);
    let request = post(&server, "/invoices", Idempotency::Keyed("k-1".into()));
    layer.send(&auth, &request).await.unwrap();
}

/// Records what the layer reports of each attempt.
#[derive(Debug, Default)]
struct Seen(std::sync::Mutex<Vec<Option<u16>>>);

impl ledgerbridge_connector::RequestObserver for Seen {
    fn observed(&self, status: Option<u16>, _took: Duration) {
        self.0.lock().unwrap().push(status);
    }
}

#[tokio::test]
async fn the_observer_is_told_of_every_attempt_and_of_one_that_got_no_answer() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("GET"))
        .and(path("/items"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(200).set_body_json(json!({"ok": true})),
        ]))
        .mount(&server)
        .await;
    let seen = std::sync::Arc::new(Seen::default());
    let layer = HttpLayer::new(&HttpSettings {
        retry: fast_retry(),
        observer: Some(seen.clone()),
        ..HttpSettings::default()
    })
    .unwrap();
    let auth = provider(&server, &layer);
    layer
        .send(
            &auth,
            &ApiRequest::get("list items", url(&server, "/items"), "t1"),
        )
        .await
        .unwrap();
    // Nothing listens on port 9 of the loopback: no answer at all.
    let closed = url::Url::parse("http://127.0.0.1:9/items").unwrap();
    let gone = layer
        .send(&auth, &ApiRequest::get("list items", closed, "t1"))
        .await;
    assert!(gone.is_err());
    let seen = seen.0.lock().unwrap().clone();
    assert_eq!(&seen[..2], &[Some(503), Some(200)]);
    assert!(seen[2..].iter().all(Option::is_none), "{seen:?}");
    assert!(seen.len() > 2, "{seen:?}");
}
