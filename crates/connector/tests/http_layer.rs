//! The shared HTTP layer's behaviour against canned HTTP answers (wiremock): retries and their
//! rules, Retry-After, token caching, single flight, 401 renewal, error classification and
//! log redaction. Flows against stateful emulators live in the connector crates.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::Method;
use ledgerbridge_connector::{
    ApiRequest, ClientCredentials, ClientCredentialsConfig, ConnectorError, HttpLayer,
    HttpSettings, Idempotency, RetryPolicy, TokenProvider,
};
use secrecy::SecretString;
use serde_json::json;
use url::Url;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 4,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
    }
}

fn layer() -> HttpLayer {
    HttpLayer::new(&HttpSettings {
        timeout: Duration::from_millis(800),
        retry: fast_retry(),
        ..HttpSettings::default()
    })
    .unwrap()
}

fn provider(server: &MockServer, layer: &HttpLayer) -> ClientCredentials {
    let mut config = ClientCredentialsConfig::new(
        Url::parse(&format!("{}/connect/token", server.uri())).unwrap(),
        "cid.test",
        SecretString::from("cs1.very-secret".to_owned()),
    );
    config.retry = fast_retry();
    ClientCredentials::new(config, layer.client().clone())
}

async fn mount_token(server: &MockServer, expires_in: u64) {
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_secret=cs1.very-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok-abc", "expires_in": expires_in, "token_type": "Bearer"
        })))
        .mount(server)
        .await;
}

fn url(server: &MockServer, p: &str) -> Url {
    Url::parse(&format!("{}{p}", server.uri())).unwrap()
}

/// Answers with the given responses in order, then repeats the last.
struct Sequence(Mutex<Vec<ResponseTemplate>>);

impl Sequence {
    fn new(mut responses: Vec<ResponseTemplate>) -> Self {
        responses.reverse();
        Self(Mutex::new(responses))
    }
}

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut left = self.0.lock().unwrap();
        if left.len() > 1 {
            left.pop().unwrap()
        } else {
            left[0].clone()
        }
    }
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
    let layer = layer();
    let auth = provider(&server, &layer);
    let started = Instant::now();
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
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After: 1 twice must wait 2 s, took {:?}",
        started.elapsed()
    );
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
async fn a_create_without_a_key_is_never_retried() {
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
    let request = ApiRequest::json(
        "create payment",
        Method::POST,
        url(&server, "/payments"),
        "t1",
        &json!({"typeId": 1}),
        Idempotency::NotIdempotent,
    )
    .unwrap();
    let err = layer.send(&auth, &request).await.unwrap_err();
    assert!(matches!(err, ConnectorError::Transient { .. }), "{err:?}");
    assert_eq!(err.trace_id(), Some("t-500"));
}

#[tokio::test]
async fn a_create_without_a_key_is_not_retried_on_429_or_timeout_either() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("POST"))
        .and(path("/throttled"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    let layer = layer();
    let auth = provider(&server, &layer);
    let post = |p| {
        ApiRequest::json(
            "create",
            Method::POST,
            url(&server, p),
            "t1",
            &json!({}),
            Idempotency::NotIdempotent,
        )
        .unwrap()
    };
    let err = layer.send(&auth, &post("/throttled")).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    let err = layer.send(&auth, &post("/slow")).await.unwrap_err();
    assert!(
        matches!(err, ConnectorError::OutcomeUnknown { .. }),
        "a timed-out create may have run: {err:?}"
    );
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
    let request = ApiRequest::json(
        "create invoice",
        Method::POST,
        url(&server, "/invoices"),
        "t1",
        &json!({}),
        Idempotency::Keyed("k-1".into()),
    )
    .unwrap();
    layer.send(&auth, &request).await.unwrap();
}

#[tokio::test]
async fn rfc7807_errors_surface_with_their_trace_id_and_are_not_retried() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("PATCH"))
        .and(path("/invoices/5"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
            "title": "One or more validation errors occurred.", "status": 400,
            "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            "errors": {"Summary": ["too long"]}, "data": {}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let layer = layer();
    let auth = provider(&server, &layer);
    let request = ApiRequest::json(
        "patch invoice",
        Method::PATCH,
        url(&server, "/invoices/5"),
        "t1",
        &json!({"summary": "x"}),
        Idempotency::Idempotent,
    )
    .unwrap();
    let err = layer.send(&auth, &request).await.unwrap_err();
    let ConnectorError::Validation { problem } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(problem.errors["Summary"], vec!["too long".to_owned()]);
    assert_eq!(
        err.trace_id(),
        Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
    );
}

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
    mount_token(&server, 2).await; // renewal margin: 0.5 s
    let layer = layer();
    let auth = provider(&server, &layer);
    let first = auth.access_token().await.unwrap();
    assert_eq!(
        auth.access_token().await.unwrap().generation(),
        first.generation()
    );
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(
        auth.access_token().await.unwrap().generation(),
        first.generation() + 1
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

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_carry_path_status_and_trace_id_but_no_token_secret_or_pii() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("GET"))
        .and(path("/crm/v2/tenant/7/customers"))
        .respond_with(Sequence::new(vec![
            ResponseTemplate::new(503).insert_header("x-trace-id", "trace-777"),
            ResponseTemplate::new(200).set_body_json(
                json!({"data": [{"name": "Jane Roe", "email": "jane@example.com"}]}),
            ),
        ]))
        .mount(&server)
        .await;
    let layer = layer();
    let auth = provider(&server, &layer);
    let mut target = url(&server, "/crm/v2/tenant/7/customers");
    target
        .query_pairs_mut()
        .append_pair("name", "Jane Roe")
        .append_pair("page", "2");
    layer
        .send(&auth, &ApiRequest::get("list customers", target, "7"))
        .await
        .unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("/crm/v2/tenant/7/customers?name=*&page=2"),
        "{logs}"
    );
    assert!(
        logs.contains("trace-777") && logs.contains("status=503"),
        "{logs}"
    );
    for secret in ["tok-abc", "very-secret", "Jane", "jane@example.com"] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}

/// A vendor that is not RFC 7807 (Xero's `ValidationException`, `X-Rate-Limit-Problem`).
fn pascal_case_problem(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    trace_id: Option<String>,
) -> ledgerbridge_connector::RemoteProblem {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    ledgerbridge_connector::RemoteProblem {
        status,
        title: value["Message"].as_str().map(str::to_owned),
        kind: headers
            .get("x-rate-limit-problem")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        trace_id,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_vendor_problem_parser_reads_failed_bodies_and_headers_while_classification_stays() {
    let server = MockServer::start().await;
    mount_token(&server, 3600).await;
    Mock::given(method("PUT"))
        .and(path("/api.xro/2.0/Invoices"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api.xro/2.0/Invoices"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3000")
                .insert_header("x-rate-limit-problem", "day"),
        )
        .mount(&server)
        .await;
    let layer = layer().with_problem_parser(pascal_case_problem);
    let auth = provider(&server, &layer);

    let body = json!({ "Invoices": [] });
    let put = ApiRequest::json(
        "create invoices",
        Method::PUT,
        url(&server, "/api.xro/2.0/Invoices"),
        "tenant-1",
        &body,
        Idempotency::Keyed("key-1".into()),
    )
    .unwrap();
    match layer.send(&auth, &put).await {
        Err(ConnectorError::Validation { problem }) => {
            assert_eq!(
                problem.title.as_deref(),
                Some("A validation exception occurred")
            );
        }
        other => panic!("expected a validation error, got {other:?}"),
    }

    let get = ApiRequest::get(
        "list invoices",
        url(&server, "/api.xro/2.0/Invoices"),
        "tenant-1",
    );
    match layer.send(&auth, &get).await {
        Err(e @ ConnectorError::RateLimited { .. }) => {
            assert_eq!(e.problem().and_then(|p| p.kind.as_deref()), Some("day"));
            assert_eq!(e.retry_after(), Some(Duration::from_secs(3000)));
        }
        other => panic!("expected rate limited, got {other:?}"),
    }
}
