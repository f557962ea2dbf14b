//! The one HTTP layer every connector sends through.
//!
//! One [`HttpLayer`] per connector holds one `reqwest::Client` (rustls, redirects off so a
//! token is never replayed to another host, connect and request timeouts) and one [`Pacer`].
//! [`HttpLayer::send`] does, per attempt: wait for the tenant's pacing slot, take a token,
//! send, read what the response says about rate limits, and classify a failure into a
//! [`ConnectorError`]. A 401 drops the token it was sent with and replays the request once
//! with a fresh one, whatever the call's class: the remote refused it at authentication, so it
//! never ran. Everything else retryable is retried only under [`RetryPolicy::should_retry`].
//!
//! **One retry loop per concern.** A failure to get a token is returned as it is, never
//! retried here: the [`TokenProvider`] already retried its own endpoint under its policy, and
//! retrying it again from this loop would multiply the two budgets (7 x 7 token requests for
//! one call with the default policy) against an endpoint ServiceTitan says it throttles.
//!
//! **A 429 pauses the tenant for the same wait the retry uses**: the remote's `Retry-After`,
//! else the wait in its problem title, else the connector's documented default
//! ([`HttpLayer::with_default_retry_after`]), else one second. Every other caller of that
//! tenant then waits as long as the refused call does, instead of knocking again early.
//!
//! **A stop sends nothing new** ([`stop::request_stop`], on SIGTERM/SIGINT): the request on
//! the wire finishes, the next one fails before it leaves, and nothing is retried.
//!
//! Every wait the layer takes (a paused tenant, the delay before a retry) is taken on
//! [`HttpSettings::clock`]: tokio's timer, or a test's [`ManualClock`] that records the waits
//! instead of sitting through them ([`clock`]).
//!
//! Each attempt is logged at `debug` with the method, the redacted path, the status, the
//! remote's trace id and the duration; retries at `warn`. Nothing else of a request is logged.

pub mod clock;
pub mod headers;
pub mod pace;
mod request;
pub mod retry;
pub mod stop;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use backon::Retryable;
use bytes::Bytes;
use http::header::{AUTHORIZATION, HeaderValue};
use http::{HeaderMap, StatusCode};
use secrecy::ExposeSecret;
use tokio::time::Instant;

pub use clock::{ManualClock, PaceClock};
pub use pace::{Pacer, RateLimit};
pub use request::{ApiRequest, ApiResponse};
pub use retry::{Idempotency, RetryPolicy};

use crate::error::{ConnectorError, RemoteProblem};
use crate::redact::path_for_log;
use crate::token::{AccessToken, TokenProvider};

/// How a connector's HTTP client behaves. Built by the caller from config; nothing here reads
/// the environment.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Longest a whole request may take (ServiceTitan's server gives up after 100 s).
    pub timeout: Duration,
    /// Longest the TCP + TLS connect may take.
    pub connect_timeout: Duration,
    /// The `User-Agent` sent.
    pub user_agent: String,
    /// Retry spacing and bounds.
    pub retry: RetryPolicy,
    /// Local pacing per key; `None` leaves pacing to the remote's 429s (benchmarks, `off`).
    pub rate_limit: Option<RateLimit>,
    /// What the pauses and retry waits are timed on: tokio's timer, or a test's
    /// [`ManualClock`].
    pub clock: PaceClock,
    /// Told of every request sent (its status and duration): the service's metrics.
    pub observer: Option<Arc<dyn RequestObserver>>,
}

/// Told of each request a connector sent: the HTTP status (`None` when no answer came back)
/// and how long it took. Nothing else of the request reaches it (no path, no body), so an
/// observer cannot leak what the logs may not.
pub trait RequestObserver: std::fmt::Debug + Send + Sync {
    /// One attempt ended.
    fn observed(&self, status: Option<u16>, took: Duration);
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(110),
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!("ledgerbridge/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::default(),
            rate_limit: None,
            clock: PaceClock::Tokio,
            observer: None,
        }
    }
}

/// Reads a failed response into a [`RemoteProblem`]: status, headers, body and the trace id
/// taken from the headers. Vendors that do not speak RFC 7807 (QuickBooks' `Fault`, Xero's
/// `ValidationException` and `X-Rate-Limit-Problem` header) install their own with
/// [`HttpLayer::with_problem_parser`]; classification, Retry-After and retries stay here.
pub type ProblemParser =
    fn(u16, &reqwest::header::HeaderMap, &[u8], Option<String>) -> RemoteProblem;

/// The default [`ProblemParser`]: RFC 7807 / ASP.NET `ProblemDetails`.
pub fn rfc7807_problem(
    status: u16,
    _headers: &reqwest::header::HeaderMap,
    body: &[u8],
    trace_id: Option<String>,
) -> RemoteProblem {
    RemoteProblem::from_body(status, body, trace_id)
}

/// The shared HTTP layer of one connector (see the module docs).
#[derive(Debug)]
pub struct HttpLayer {
    client: reqwest::Client,
    pacer: Pacer,
    retry: RetryPolicy,
    problem_parser: ProblemParser,
    default_retry_after: Option<Duration>,
    clock: PaceClock,
    observer: Option<Arc<dyn RequestObserver>>,
}

impl HttpLayer {
    /// Builds the client: rustls, no redirects, timeouts from `settings`.
    pub fn new(settings: &HttpSettings) -> Result<Self, ConnectorError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.connect_timeout)
            .user_agent(settings.user_agent.clone())
            .build()
            .map_err(|e| ConnectorError::fatal("HTTP client could not be built", e))?;
        Ok(Self {
            client,
            pacer: Pacer::with_clock(settings.rate_limit, settings.clock.clone()),
            retry: settings.retry.clone(),
            problem_parser: rfc7807_problem,
            default_retry_after: None,
            clock: settings.clock.clone(),
            observer: settings.observer.clone(),
        })
    }

    /// How long to wait after a 429 that carries no `Retry-After` (vendors that document a
    /// fixed back-off, such as QuickBooks' one minute, instead of sending the header).
    pub fn with_default_retry_after(mut self, wait: Duration) -> Self {
        self.default_retry_after = Some(wait);
        self
    }

    /// Replaces how failed responses are read (see [`ProblemParser`]).
    pub fn with_problem_parser(mut self, parser: ProblemParser) -> Self {
        self.problem_parser = parser;
        self
    }

    /// The underlying client, for token endpoints (same pool, same policies).
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The pacer, for connectors that read vendor-specific limit headers themselves.
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
    }

    /// Sends `request` with a token from `auth`, pacing and retrying per the module rules.
    pub async fn send<P: TokenProvider>(
        &self,
        auth: &P,
        request: &ApiRequest,
    ) -> Result<ApiResponse, ConnectorError> {
        let attempts = AtomicU32::new(0);
        let policy = &self.retry;
        let clock = self.clock.clone();
        (|| self.attempt(auth, request, attempts.fetch_add(1, Ordering::SeqCst) + 1))
            .retry(policy.backoff())
            .sleep(move |wait| {
                let clock = clock.clone();
                async move { clock.sleep(wait).await }
            })
            .when(|f| match f {
                // The token provider owns the retries of its own endpoint (module docs).
                Failure::Token(_) => false,
                // Stopping: the request in flight finished; nothing is tried again.
                Failure::Call(e) => {
                    !stop::stop_requested() && policy.should_retry(&request.idempotency, e)
                }
            })
            .adjust(|f, d| policy.adjust(f.error(), d))
            .notify(|f, wait| {
                let e = f.error();
                tracing::warn!(
                    operation = request.operation,
                    path = %path_for_log(&request.url),
                    trace_id = e.trace_id().unwrap_or("-"),
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    error = %e,
                    "retrying"
                );
            })
            .await
            .map_err(Failure::into_error)
    }

    async fn attempt<P: TokenProvider>(
        &self,
        auth: &P,
        request: &ApiRequest,
        attempt: u32,
    ) -> Result<ApiResponse, Failure> {
        let token = auth.access_token().await.map_err(Failure::Token)?;
        let (status, headers, body) = self
            .send_once(request, &token, attempt)
            .await
            .map_err(Failure::Call)?;
        let (status, headers, body) = if status == StatusCode::UNAUTHORIZED {
            auth.reject(&token);
            let fresh = auth.access_token().await.map_err(Failure::Token)?;
            self.send_once(request, &fresh, attempt)
                .await
                .map_err(Failure::Call)?
        } else {
            (status, headers, body)
        };
        let trace_id = headers::trace_id(&headers);
        if status.is_success() {
            return Ok(ApiResponse {
                status,
                headers,
                body,
                trace_id,
            });
        }
        let problem = (self.problem_parser)(status.as_u16(), &headers, &body, trace_id);
        let retry_after = headers::retry_after(&headers, chrono::Utc::now())
            .or_else(|| {
                problem
                    .title
                    .as_deref()
                    .and_then(headers::retry_after_from_title)
            })
            .or(if status == StatusCode::TOO_MANY_REQUESTS {
                self.default_retry_after
            } else {
                None
            });
        if status == StatusCode::TOO_MANY_REQUESTS {
            // The same wait the retry will take (module docs), so the tenant's other callers
            // do not come back before the refused one.
            let pause = retry_after.unwrap_or(FALLBACK_429_PAUSE);
            self.pacer.pause(&request.pace_key, pause);
        }
        Err(Failure::Call(
            match ConnectorError::from_status(problem, retry_after) {
                ConnectorError::NotSupported { problem, .. } => ConnectorError::NotSupported {
                    operation: request.operation.to_owned(),
                    problem,
                },
                other => other,
            },
        ))
    }

    async fn send_once(
        &self,
        request: &ApiRequest,
        token: &AccessToken,
        attempt: u32,
    ) -> Result<(StatusCode, HeaderMap, Bytes), ConnectorError> {
        self.pacer.ready(&request.pace_key).await;
        if stop::stop_requested() {
            return Err(stop::refused(request.operation));
        }
        let mut bearer =
            HeaderValue::from_str(&format!("Bearer {}", token.secret().expose_secret())).map_err(
                |e| ConnectorError::fatal("access token is not a valid header value", e),
            )?;
        bearer.set_sensitive(true);
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone())
            .headers(request.headers.clone())
            .header(AUTHORIZATION, bearer);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let started = Instant::now();
        let sent = builder.send().await;
        let observe = |status: Option<u16>| {
            if let Some(observer) = &self.observer {
                observer.observed(status, started.elapsed());
            }
        };
        let response = match sent {
            Ok(response) => response,
            Err(e) => {
                observe(None);
                return Err(classify_send_error(request, e));
            }
        };
        observe(Some(response.status().as_u16()));
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| ConnectorError::OutcomeUnknown {
                reason: format!("{}: response body lost", request.operation),
                source: Some(Box::new(e.without_url())),
            })?;
        tracing::debug!(
            operation = request.operation,
            method = %request.method,
            path = %path_for_log(&request.url),
            status = status.as_u16(),
            trace_id = headers::trace_id(&headers).as_deref().unwrap_or("-"),
            duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            attempt,
            "http"
        );
        self.pacer.observe(
            &request.pace_key,
            headers::RateLimitHint::from_headers(&headers),
        );
        Ok((status, headers, body))
    }
}

/// How long a tenant is paused after a 429 that says nothing about how long to wait.
const FALLBACK_429_PAUSE: Duration = Duration::from_secs(1);

/// Why one attempt failed: getting a token (the provider already retried that) or the call
/// itself (retried here by class).
enum Failure {
    Token(ConnectorError),
    Call(ConnectorError),
}

impl Failure {
    fn error(&self) -> &ConnectorError {
        match self {
            Self::Token(e) | Self::Call(e) => e,
        }
    }

    fn into_error(self) -> ConnectorError {
        match self {
            Self::Token(e) | Self::Call(e) => e,
        }
    }
}

/// A request that got no response: refused connections never reached the remote; anything
/// after the request left (timeouts, dropped connections) may have run there.
fn classify_send_error(request: &ApiRequest, e: reqwest::Error) -> ConnectorError {
    let operation = request.operation;
    if e.is_builder() {
        return ConnectorError::fatal(
            format!("{operation}: request could not be built"),
            e.without_url(),
        );
    }
    if e.is_connect() {
        return ConnectorError::Transient {
            reason: format!("{operation}: could not connect"),
            problem: None,
            source: Some(Box::new(e.without_url())),
        };
    }
    let reason = if e.is_timeout() {
        format!("{operation}: timed out waiting for the response")
    } else {
        format!("{operation}: connection lost before the response")
    };
    ConnectorError::OutcomeUnknown {
        reason,
        source: Some(Box::new(e.without_url())),
    }
}
