//! What the HTTP layer logs: method, redacted path, status, trace id; never a token, a
//! secret or what a query or body says about a customer.
//!
//! Its own test binary on purpose: `tracing` caches per call site whether anyone listens, for
//! the whole process, and a call site first reached by a concurrent test while this test's
//! thread-local subscriber is being installed can stay silent. Alone in its process the
//! capture is deterministic. (The rest of the layer's tests are the `http` binary.)

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ledgerbridge_connector::{
    ApiRequest, ClientCredentials, ClientCredentialsConfig, HttpLayer, HttpSettings, RetryPolicy,
};
use secrecy::SecretString;
use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

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

/// A 503 with a trace id, then the customer list.
struct FailOnce(Mutex<bool>);

impl Respond for FailOnce {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let mut failed = self.0.lock().unwrap();
        if *failed {
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"name": "Jane Roe", "email": "jane@example.com"}]}))
        } else {
            *failed = true;
            ResponseTemplate::new(503).insert_header("x-trace-id", "trace-777")
        }
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
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "tok-abc", "expires_in": 900, "token_type": "Bearer"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/crm/v2/tenant/7/customers"))
        .respond_with(FailOnce(Mutex::new(false)))
        .mount(&server)
        .await;
    let retry = RetryPolicy {
        max_retries: 2,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(5),
    };
    let layer = HttpLayer::new(&HttpSettings {
        // A hang guard: a loaded machine must not turn a slow answer into a timeout.
        timeout: Duration::from_secs(60),
        retry: retry.clone(),
        ..HttpSettings::default()
    })
    .unwrap();
    let mut config = ClientCredentialsConfig::new(
        Url::parse(&format!("{}/connect/token", server.uri())).unwrap(),
        "cid.test",
        SecretString::from("cs1.very-secret".to_owned()),
    );
    config.retry = retry;
    let auth = ClientCredentials::new(config, layer.client().clone());
    let mut target = Url::parse(&format!("{}/crm/v2/tenant/7/customers", server.uri())).unwrap();
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
        logs.contains("trace-777") && logs.contains("status=503") && logs.contains("status=200"),
        "{logs}"
    );
    for secret in ["tok-abc", "very-secret", "Jane", "jane@example.com"] {
        assert!(
            !logs.contains(secret),
            "{secret} leaked into the logs:\n{logs}"
        );
    }
}
