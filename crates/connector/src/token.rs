//! Access tokens: the [`TokenProvider`] trait every connector's auth implements, and
//! [`ClientCredentials`], the OAuth2 client-credentials provider ServiceTitan uses.
//!
//! Design decisions:
//!
//! * **Cached, renewed before expiry.** A token is reused until a margin before its
//!   `expires_in` (a quarter of its lifetime, at most a minute), so a long page walk never
//!   sends a token that expires in flight. Remotes throttle their token endpoints; ServiceTitan
//!   says so explicitly.
//! * **Single flight.** However many tasks need a token at once, one request goes out: the
//!   renewal holds an async mutex and re-checks the cache after acquiring it, so the tasks
//!   that queued behind it pick up the token it fetched.
//! * **Rejection is by generation.** A 401 makes the caller [`TokenProvider::reject`] the token
//!   it used. Only that exact token is dropped; if another task already renewed it, the newer
//!   token stays, and fifty concurrent 401s cause one renewal, not fifty.
//! * **Its endpoint's retries live here, and only here.** A renewal retries transient and
//!   throttled token requests under [`ClientCredentialsConfig::retry`]; the HTTP layer never
//!   retries a token failure again, so one call costs at most `max_retries + 1` token requests.
//! * **A trait, not a struct.** QuickBooks and Xero add the auth-code flow with rotating
//!   refresh tokens behind the same trait.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use backon::Retryable;
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicErrorResponseType};
use oauth2::{
    AuthType, ClientId, ClientSecret, EndpointNotSet, EndpointSet, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;
use url::Url;

use crate::error::{BoxError, ConnectorError, RemoteProblem};
use crate::http::headers;
use crate::http::{PaceClock, RetryPolicy};

/// A bearer token and the generation it belongs to (see [`TokenProvider::reject`]).
#[derive(Clone)]
pub struct AccessToken {
    secret: Arc<SecretString>,
    generation: u64,
}

impl AccessToken {
    /// A token of `generation`.
    pub fn new(secret: SecretString, generation: u64) -> Self {
        Self {
            secret: Arc::new(secret),
            generation,
        }
    }

    /// The token itself; put it only into a sensitive header.
    pub fn secret(&self) -> &SecretString {
        &self.secret
    }

    /// Which renewal produced it.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

/// Hands out access tokens for one connection.
pub trait TokenProvider: Send + Sync {
    /// A token valid for at least the renewal margin, fetching one if needed.
    fn access_token(&self) -> impl Future<Output = Result<AccessToken, ConnectorError>> + Send;

    /// The remote refused `token` (401): forget it, unless it was already replaced.
    fn reject(&self, token: &AccessToken);
}

/// Where and as whom to ask for client-credentials tokens.
#[derive(Clone, Debug)]
pub struct ClientCredentialsConfig {
    /// Absolute token endpoint URL.
    pub token_url: Url,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret.
    pub client_secret: SecretString,
    /// Scopes to request; empty for "whatever the app was granted".
    pub scopes: Vec<String>,
    /// Lifetime assumed when the response has no `expires_in`.
    pub default_lifetime: Duration,
    /// Retries of the token request on transient failures.
    pub retry: RetryPolicy,
    /// What expiry and retry waits are timed on (see [`PaceClock`]).
    pub clock: PaceClock,
}

impl ClientCredentialsConfig {
    /// A config with no scopes, a 5-minute assumed lifetime and the default retry policy.
    pub fn new(token_url: Url, client_id: impl Into<String>, client_secret: SecretString) -> Self {
        Self {
            token_url,
            client_id: client_id.into(),
            client_secret,
            scopes: Vec::new(),
            default_lifetime: Duration::from_secs(300),
            retry: RetryPolicy::default(),
            clock: PaceClock::Tokio,
        }
    }
}

type CcClient =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

struct Cached {
    token: AccessToken,
    renew_at: Instant,
}

struct Inner {
    oauth: CcClient,
    scopes: Vec<Scope>,
    http: reqwest::Client,
    default_lifetime: Duration,
    retry: RetryPolicy,
    clock: PaceClock,
    current: RwLock<Option<Cached>>,
    renewal: tokio::sync::Mutex<()>,
    generation: AtomicU64,
    requests: AtomicU64,
}

/// OAuth2 client-credentials tokens (credentials in the form body), cached and single-flight.
/// Cheap to clone; clones share the cache.
#[derive(Clone)]
pub struct ClientCredentials {
    inner: Arc<Inner>,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("token_url", &self.inner.oauth.token_uri().as_str())
            .field("requests", &self.token_requests())
            .finish_non_exhaustive()
    }
}

/// How long before expiry a token is renewed: a quarter of its lifetime, at most a minute.
pub fn renewal_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(Duration::from_secs(60))
}

impl ClientCredentials {
    /// A provider using `http` (the connector's client: redirects off, timeouts set).
    pub fn new(config: ClientCredentialsConfig, http: reqwest::Client) -> Self {
        let oauth = BasicClient::new(ClientId::new(config.client_id))
            .set_client_secret(ClientSecret::new(
                config.client_secret.expose_secret().to_owned(),
            ))
            .set_token_uri(TokenUrl::from_url(config.token_url))
            .set_auth_type(AuthType::RequestBody);
        Self {
            inner: Arc::new(Inner {
                oauth,
                scopes: config.scopes.into_iter().map(Scope::new).collect(),
                http,
                default_lifetime: config.default_lifetime,
                retry: config.retry,
                clock: config.clock,
                current: RwLock::new(None),
                renewal: tokio::sync::Mutex::new(()),
                generation: AtomicU64::new(0),
                requests: AtomicU64::new(0),
            }),
        }
    }

    /// How many token requests were sent (for tests and the `runs` report).
    pub fn token_requests(&self) -> u64 {
        self.inner.requests.load(Ordering::SeqCst)
    }

    fn fresh(&self) -> Option<AccessToken> {
        let current = self.inner.current.read().expect("token cache poisoned");
        current
            .as_ref()
            .filter(|c| self.inner.clock.now() < c.renew_at)
            .map(|c| c.token.clone())
    }

    async fn renew(&self) -> Result<AccessToken, ConnectorError> {
        let _flight = self.inner.renewal.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let policy = self.inner.retry.clone();
        let clock = self.inner.clock.clone();
        let (secret, lifetime) = (|| self.request_once())
            .retry(policy.backoff())
            .sleep(move |wait| {
                let clock = clock.clone();
                async move { clock.sleep(wait).await }
            })
            .when(|e| policy.should_retry(&crate::http::Idempotency::Idempotent, e))
            .adjust(|e, d| policy.adjust(e, d))
            .notify(|e, wait| {
                tracing::warn!(
                    error = %e,
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    "token request failed; retrying"
                );
            })
            .await?;
        let generation = self.inner.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let token = AccessToken::new(secret, generation);
        let renew_at = self.inner.clock.now() + lifetime.saturating_sub(renewal_margin(lifetime));
        *self.inner.current.write().expect("token cache poisoned") = Some(Cached {
            token: token.clone(),
            renew_at,
        });
        tracing::debug!(
            generation,
            lifetime_s = lifetime.as_secs(),
            "access token renewed"
        );
        Ok(token)
    }

    async fn request_once(&self) -> Result<(SecretString, Duration), ConnectorError> {
        self.inner.requests.fetch_add(1, Ordering::SeqCst);
        let http = self.inner.http.clone();
        let send = move |request: oauth2::HttpRequest| {
            let http = http.clone();
            async move { send_token_request(&http, request).await }
        };
        let response = self
            .inner
            .oauth
            .exchange_client_credentials()
            .add_scopes(self.inner.scopes.iter().cloned())
            .request_async(&send)
            .await
            .map_err(map_token_error)?;
        let lifetime = response.expires_in().unwrap_or(self.inner.default_lifetime);
        Ok((
            SecretString::from(response.access_token().secret().to_owned()),
            lifetime,
        ))
    }
}

impl TokenProvider for ClientCredentials {
    async fn access_token(&self) -> Result<AccessToken, ConnectorError> {
        match self.fresh() {
            Some(token) => Ok(token),
            None => self.renew().await,
        }
    }

    fn reject(&self, token: &AccessToken) {
        let mut current = self.inner.current.write().expect("token cache poisoned");
        if current
            .as_ref()
            .is_some_and(|c| c.token.generation == token.generation)
        {
            *current = None;
        }
    }
}

/// A token-endpoint answer oauth2 should not try to parse as a token or an OAuth error.
#[derive(Debug, thiserror::Error)]
enum TokenHttpError {
    #[error("token request failed to send")]
    Send(#[source] reqwest::Error),
    #[error("token endpoint throttled the request")]
    Throttled {
        retry_after: Option<Duration>,
        problem: RemoteProblem,
    },
    #[error("token endpoint answered {}", .0.status)]
    Server(RemoteProblem),
    #[error("token endpoint refused the request with {}", .0.status)]
    Refused(RemoteProblem),
}

async fn send_token_request(
    http: &reqwest::Client,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, TokenHttpError> {
    let request = reqwest::Request::try_from(request).map_err(TokenHttpError::Send)?;
    let response = http
        .execute(request)
        .await
        .map_err(|e| TokenHttpError::Send(e.without_url()))?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|e| TokenHttpError::Send(e.without_url()))?;
    let trace = headers::trace_id(&headers);
    if status.as_u16() == 429 {
        let problem = RemoteProblem::from_body(429, &body, trace);
        let retry_after = headers::retry_after(&headers, chrono::Utc::now());
        return Err(TokenHttpError::Throttled {
            retry_after,
            problem,
        });
    }
    if status.is_server_error() {
        return Err(TokenHttpError::Server(RemoteProblem::from_body(
            status.as_u16(),
            &body,
            trace,
        )));
    }
    if status.is_client_error() && serde_json::from_slice::<BasicErrorResponse>(&body).is_err() {
        return Err(TokenHttpError::Refused(RemoteProblem::from_body(
            status.as_u16(),
            &body,
            trace,
        )));
    }
    let mut out = http::Response::builder().status(status);
    if let Some(h) = out.headers_mut() {
        *h = headers;
    }
    Ok(out
        .body(body.to_vec())
        .expect("status and headers came from a valid response"))
}

fn map_token_error(e: RequestTokenError<TokenHttpError, BasicErrorResponse>) -> ConnectorError {
    match e {
        RequestTokenError::ServerResponse(response) => match response.error() {
            BasicErrorResponseType::InvalidClient
            | BasicErrorResponseType::UnauthorizedClient
            | BasicErrorResponseType::InvalidGrant
            | BasicErrorResponseType::InvalidScope => ConnectorError::ReconnectNeeded {
                reason: format!(
                    "the token endpoint refused the client credentials ({})",
                    response.error()
                ),
                source: None,
            },
            other => ConnectorError::Fatal {
                reason: format!("the token endpoint refused the request ({other})"),
                problem: None,
                source: None,
            },
        },
        RequestTokenError::Request(TokenHttpError::Send(e)) => ConnectorError::Transient {
            reason: "token request failed".to_owned(),
            problem: None,
            source: Some(Box::new(e)),
        },
        RequestTokenError::Request(TokenHttpError::Throttled {
            retry_after,
            problem,
        }) => ConnectorError::RateLimited {
            retry_after,
            problem: Some(Box::new(problem)),
        },
        RequestTokenError::Request(TokenHttpError::Server(problem)) => ConnectorError::Transient {
            reason: format!("the token endpoint answered {}", problem.status),
            problem: Some(Box::new(problem)),
            source: None,
        },
        RequestTokenError::Request(TokenHttpError::Refused(problem)) => match problem.status {
            400 | 401 | 403 => ConnectorError::ReconnectNeeded {
                reason: format!("the token endpoint refused the client credentials ({problem})"),
                source: None,
            },
            _ => ConnectorError::Fatal {
                reason: "the token endpoint refused the request".to_owned(),
                problem: Some(Box::new(problem)),
                source: None,
            },
        },
        RequestTokenError::Parse(e, _body) => ConnectorError::fatal(
            "the token response could not be read",
            Box::new(e) as BoxError,
        ),
        RequestTokenError::Other(message) => ConnectorError::Fatal {
            reason: format!("token request failed: {message}"),
            problem: None,
            source: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_margin_is_a_quarter_of_the_lifetime_capped_at_a_minute() {
        assert_eq!(
            renewal_margin(Duration::from_secs(900)),
            Duration::from_secs(60)
        );
        assert_eq!(
            renewal_margin(Duration::from_secs(8)),
            Duration::from_secs(2)
        );
        assert_eq!(renewal_margin(Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn a_token_debug_never_shows_the_secret() {
        let token = AccessToken::new(SecretString::from("eyJ-secret".to_owned()), 3);
        let shown = format!("{token:?}");
        assert!(
            !shown.contains("eyJ-secret") && shown.contains('3'),
            "{shown}"
        );
    }
}
