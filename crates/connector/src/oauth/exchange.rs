//! Talking to the token and revocation endpoints through the `oauth2` crate.
//!
//! The `oauth2` client does the protocol (form encoding, HTTP Basic client authentication,
//! PKCE, parsing RFC 6749 answers); this module plugs in the connector's `reqwest` client
//! (redirects disabled, so a token request is never replayed to another host) and maps the
//! answers to caller reactions. A token endpoint's `invalid_grant` means the grant is dead
//! (expired, revoked, or a code already used): the person must reconnect.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::Retryable;
use oauth2::basic::{
    BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthUrl, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
    TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use super::transport::{TokenHttpError, http_error, send_token_request};
use super::{OAuthApp, RevokeBody};
use crate::error::{BoxError, ConnectorError, RemoteProblem};
use crate::http::RetryPolicy;
use crate::http::headers;

/// Token-response fields beyond RFC 6749 that tell how long the refresh token lives.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(crate) struct RefreshLifetime {
    /// QuickBooks: seconds left on the (rolling) refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x_refresh_token_expires_in: Option<u64>,
    /// The spelling some other providers use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token_expires_in: Option<u64>,
}

impl ExtraTokenFields for RefreshLifetime {}

type TokenAnswer = StandardTokenResponse<RefreshLifetime, BasicTokenType>;

type Oauth = Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What a token endpoint granted.
pub struct TokenGrant {
    /// The new access token.
    pub access_token: SecretString,
    /// How long it lives (`expires_in`, or the app's default).
    pub access_lifetime: Duration,
    /// The refresh token, when the answer carried one (a refresh may omit it: keep the old).
    pub refresh_token: Option<SecretString>,
    /// How long the refresh token lives, when the answer said.
    pub refresh_lifetime: Option<Duration>,
    /// The scopes granted, when the answer said.
    pub scopes: Vec<String>,
}

impl fmt::Debug for TokenGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenGrant")
            .field("access_lifetime", &self.access_lifetime)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .field("refresh_lifetime", &self.refresh_lifetime)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

/// A consent URL and what must be kept to finish it.
pub struct PendingConsent {
    /// The URL to show the person.
    pub url: Url,
    /// The `state` the redirect must carry back.
    pub state: String,
    verifier: Option<PkceCodeVerifier>,
}

impl fmt::Debug for PendingConsent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingConsent")
            .field("url", &self.url.as_str())
            .field("pkce", &self.verifier.is_some())
            .finish_non_exhaustive()
    }
}

/// The app's OAuth client: consent URLs, code exchange, refresh, revoke.
pub struct OAuthClient {
    oauth: Oauth,
    http: reqwest::Client,
    app: OAuthApp,
    retry: RetryPolicy,
    requests: AtomicU64,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("app", &self.app)
            .field("token_requests", &self.token_requests())
            .finish_non_exhaustive()
    }
}

fn bad_url(what: &'static str) -> impl FnOnce(url::ParseError) -> ConnectorError {
    move |e| ConnectorError::fatal(format!("the OAuth {what} URL is not usable"), e)
}

impl OAuthClient {
    /// A client for `app`, sending through `http` (build it with redirects disabled, as the
    /// connector's [`HttpLayer`](crate::HttpLayer) client is).
    pub fn new(
        app: OAuthApp,
        http: reqwest::Client,
        retry: RetryPolicy,
    ) -> Result<Self, ConnectorError> {
        let oauth = Client::new(ClientId::new(app.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                app.client_secret.expose_secret().to_owned(),
            ))
            .set_auth_uri(
                AuthUrl::new(app.authorize_url.to_string()).map_err(bad_url("authorize"))?,
            )
            .set_token_uri(TokenUrl::new(app.token_url.to_string()).map_err(bad_url("token"))?)
            .set_redirect_uri(
                RedirectUrl::new(app.redirect_uri.to_string()).map_err(bad_url("redirect"))?,
            );
        Ok(Self {
            oauth,
            http,
            app,
            retry,
            requests: AtomicU64::new(0),
        })
    }

    /// The app this client serves.
    pub fn app(&self) -> &OAuthApp {
        &self.app
    }

    /// Token-endpoint requests sent so far (code exchanges and refreshes).
    pub fn token_requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// A consent URL with a fresh random `state` (and PKCE S256 when the app uses it).
    pub fn authorize_url(&self) -> PendingConsent {
        let mut request = self
            .oauth
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.app.scopes.iter().cloned().map(Scope::new));
        let mut verifier = None;
        if self.app.pkce {
            let (challenge, v) = PkceCodeChallenge::new_random_sha256();
            request = request.set_pkce_challenge(challenge);
            verifier = Some(v);
        }
        let (url, state) = request.url();
        PendingConsent {
            url,
            state: state.secret().to_owned(),
            verifier,
        }
    }

    /// Exchanges an authorization code. Retried only when the request never reached the
    /// endpoint: a code is single-use, so a lost answer cannot be asked for again.
    pub async fn exchange_code(
        &self,
        code: &SecretString,
        consent: PendingConsent,
    ) -> Result<TokenGrant, ConnectorError> {
        let verifier = consent.verifier.map(|v| v.secret().to_owned());
        let policy = &self.retry;
        let answer = (|| async {
            self.requests.fetch_add(1, Ordering::SeqCst);
            let mut request = self
                .oauth
                .exchange_code(AuthorizationCode::new(code.expose_secret().to_owned()));
            if let Some(v) = &verifier {
                request = request.set_pkce_verifier(PkceCodeVerifier::new(v.clone()));
            }
            let send = self.sender();
            request
                .request_async(&send)
                .await
                .map_err(|e| self.map_error(e, "the authorization code was refused"))
        })
        .retry(policy.backoff())
        .sleep(tokio::time::sleep)
        .when(|e| {
            matches!(
                e,
                ConnectorError::Transient { .. } | ConnectorError::RateLimited { .. }
            )
        })
        .adjust(|e, d| policy.adjust(e, d))
        .await?;
        Ok(self.grant(&answer))
    }

    /// Redeems a refresh token. Retried on transient failures, lost answers included: both
    /// providers honour the previous refresh token for a grace window after rotating it
    /// (QuickBooks 24 h, Xero 30 min), so asking again is safe.
    pub async fn refresh(
        &self,
        refresh_token: &SecretString,
    ) -> Result<TokenGrant, ConnectorError> {
        let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
        let policy = &self.retry;
        let answer = (|| async {
            self.requests.fetch_add(1, Ordering::SeqCst);
            let send = self.sender();
            self.oauth
                .exchange_refresh_token(&token)
                .request_async(&send)
                .await
                .map_err(|e| self.map_error(e, "the refresh token was refused (expired or revoked)"))
        })
        .retry(policy.backoff())
        .sleep(tokio::time::sleep)
        .when(|e| policy.should_retry(&crate::http::Idempotency::Idempotent, e))
        .adjust(|e, d| policy.adjust(e, d))
        .notify(|e, wait| {
            tracing::warn!(provider = self.app.provider, error = %e,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), "token refresh failed; retrying");
        })
        .await?;
        Ok(self.grant(&answer))
    }

    /// Revokes `token` (a refresh token revokes the whole grant). `Ok(false)` when the
    /// endpoint says the token is already invalid; [`ConnectorError::NotSupported`] when the
    /// app has no revocation URL.
    ///
    /// Sent by hand rather than through `oauth2`, which refuses a non-HTTPS revocation URL
    /// (the local sandbox is plain HTTP) and only speaks RFC 7009's form body, while Intuit's
    /// own SDKs send JSON ([`RevokeBody`]).
    pub async fn revoke(&self, token: &SecretString) -> Result<bool, ConnectorError> {
        let url = self
            .app
            .revoke_url
            .clone()
            .ok_or_else(|| ConnectorError::NotSupported {
                operation: format!("revoking {} tokens", self.app.provider),
                problem: None,
            })?;
        let mut request = self
            .http
            .post(url)
            .basic_auth(
                &self.app.client_id,
                Some(self.app.client_secret.expose_secret()),
            )
            .header(http::header::ACCEPT, "application/json");
        request = match self.app.revoke_body {
            RevokeBody::Json => {
                request.json(&serde_json::json!({ "token": token.expose_secret() }))
            }
            RevokeBody::Form => request.form(&[
                ("token", token.expose_secret()),
                ("token_type_hint", "refresh_token"),
            ]),
        };
        let response = request.send().await.map_err(|e| {
            if e.is_connect() {
                http_error(TokenHttpError::Connect(e.without_url()), "")
            } else {
                http_error(TokenHttpError::Lost(e.without_url()), "")
            }
        })?;
        let status = response.status();
        let trace = headers::trace_id(response.headers());
        if status.is_success() {
            return Ok(true);
        }
        let body = response.bytes().await.unwrap_or_default();
        match status.as_u16() {
            // RFC 7009 answers 200 for an unknown token; providers that do not, say 400.
            400 => Ok(false),
            429 => Err(ConnectorError::RateLimited {
                retry_after: None,
                problem: Some(Box::new(RemoteProblem::from_body(429, &body, trace))),
            }),
            s => Err(ConnectorError::from_status(
                RemoteProblem::from_body(s, &body, trace),
                None,
            )),
        }
    }

    /// The HTTP function oauth2 calls: owns a client handle so its futures borrow nothing.
    fn sender(
        &self,
    ) -> impl Fn(
        oauth2::HttpRequest,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, TokenHttpError>> + Send>,
    > + use<> {
        let http = self.http.clone();
        move |request| {
            let http = http.clone();
            Box::pin(async move { send_token_request(&http, request).await })
        }
    }

    fn grant(&self, answer: &TokenAnswer) -> TokenGrant {
        let extra = answer.extra_fields();
        TokenGrant {
            access_token: SecretString::from(answer.access_token().secret().to_owned()),
            access_lifetime: answer
                .expires_in()
                .unwrap_or(self.app.default_access_lifetime),
            refresh_token: answer
                .refresh_token()
                .map(|t| SecretString::from(t.secret().to_owned())),
            refresh_lifetime: extra
                .x_refresh_token_expires_in
                .or(extra.refresh_token_expires_in)
                .map(Duration::from_secs),
            scopes: answer
                .scopes()
                .map(|s| s.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default(),
        }
    }

    fn map_error(
        &self,
        e: RequestTokenError<TokenHttpError, BasicErrorResponse>,
        refused: &str,
    ) -> ConnectorError {
        let hint = self.app.reconnect_hint();
        match e {
            RequestTokenError::ServerResponse(response) => match response.error() {
                BasicErrorResponseType::InvalidGrant => ConnectorError::ReconnectNeeded {
                    reason: format!("{}: {refused}; {hint}", self.app.provider),
                    source: None,
                },
                BasicErrorResponseType::InvalidClient
                | BasicErrorResponseType::UnauthorizedClient => ConnectorError::ReconnectNeeded {
                    reason: format!(
                        "{}: the token endpoint refused the app's client id or secret ({}); check them, then {hint}",
                        self.app.provider,
                        response.error()
                    ),
                    source: None,
                },
                other => ConnectorError::Fatal {
                    reason: format!(
                        "{}: the token endpoint refused the request ({other})",
                        self.app.provider
                    ),
                    problem: None,
                    source: None,
                },
            },
            RequestTokenError::Request(e) => http_error(e, &hint),
            RequestTokenError::Parse(e, _) => ConnectorError::fatal(
                format!("{}: the token answer could not be read", self.app.provider),
                Box::new(e) as BoxError,
            ),
            RequestTokenError::Other(message) => ConnectorError::Fatal {
                reason: format!("token request failed: {message}"),
                problem: None,
                source: None,
            },
        }
    }
}
