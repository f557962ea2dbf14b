//! What every HTTP-layer test shares: a fast retry policy, the layer, a client-credentials
//! provider against the mock server, and a responder that answers from a script.

use std::sync::Mutex;
use std::time::Duration;

use ledgerbridge_connector::{
    ClientCredentials, ClientCredentialsConfig, HttpLayer, HttpSettings, ManualClock, RetryPolicy,
};
use secrecy::SecretString;
use serde_json::json;
use url::Url;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Retries that finish in milliseconds, so tests never sit in backoff.
pub(crate) fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 4,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(40),
        max_retry_after: Duration::from_secs(5),
    }
}

/// A layer with [`fast_retry`].
pub(crate) fn layer() -> HttpLayer {
    layer_with(fast_retry())
}

/// A layer with `retry`. The request timeout is generous: a loaded machine must not turn a
/// slow answer into a timeout (the test of timeouts sets its own).
pub(crate) fn layer_with(retry: RetryPolicy) -> HttpLayer {
    HttpLayer::new(&settings(retry)).unwrap()
}

/// A layer with `retry` whose waits (pauses, backoff, Retry-After) are taken on `clock`, so a
/// test reads how long the layer waited instead of timing it.
pub(crate) fn layer_on(clock: &ManualClock, retry: RetryPolicy) -> HttpLayer {
    HttpLayer::new(&HttpSettings {
        clock: clock.clock(),
        ..settings(retry)
    })
    .unwrap()
}

pub(crate) fn settings(retry: RetryPolicy) -> HttpSettings {
    HttpSettings {
        timeout: Duration::from_secs(60),
        retry,
        ..HttpSettings::default()
    }
}

/// A client-credentials provider against `server`'s `/connect/token`, retrying per
/// [`fast_retry`].
pub(crate) fn provider(server: &MockServer, layer: &HttpLayer) -> ClientCredentials {
    provider_with(server, layer, fast_retry())
}

/// The same, retrying its endpoint per `retry`.
pub(crate) fn provider_with(
    server: &MockServer,
    layer: &HttpLayer,
    retry: RetryPolicy,
) -> ClientCredentials {
    ClientCredentials::new(provider_config(server, retry), layer.client().clone())
}

/// A provider whose token expiry and retry waits run on `clock`.
pub(crate) fn provider_on(
    server: &MockServer,
    layer: &HttpLayer,
    clock: &ManualClock,
) -> ClientCredentials {
    let config = ClientCredentialsConfig {
        clock: clock.clock(),
        ..provider_config(server, fast_retry())
    };
    ClientCredentials::new(config, layer.client().clone())
}

fn provider_config(server: &MockServer, retry: RetryPolicy) -> ClientCredentialsConfig {
    let mut config = ClientCredentialsConfig::new(
        Url::parse(&format!("{}/connect/token", server.uri())).unwrap(),
        "cid.test",
        SecretString::from("cs1.very-secret".to_owned()),
    );
    config.retry = retry;
    config
}

/// A token endpoint that hands out `tok-abc` for `expires_in` seconds.
pub(crate) async fn mount_token(server: &MockServer, expires_in: u64) {
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

pub(crate) fn url(server: &MockServer, p: &str) -> Url {
    Url::parse(&format!("{}{p}", server.uri())).unwrap()
}

/// Answers with the given responses in order, then repeats the last.
pub(crate) struct Sequence(Mutex<Vec<ResponseTemplate>>);

impl Sequence {
    pub(crate) fn new(mut responses: Vec<ResponseTemplate>) -> Self {
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
