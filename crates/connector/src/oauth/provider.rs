//! [`AuthorizationCodeTokens`]: access tokens of an authorization-code connection, refreshed
//! before expiry with the rotated refresh token persisted first.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::OAuthApp;
use super::exchange::OAuthClient;
use super::status::{TokenStatus, grant_entries, secret_names as names};
use crate::error::ConnectorError;
use crate::http::RetryPolicy;
use crate::token::{AccessToken, TokenProvider};
use ledgerbridge_core::WallClock;
use ledgerbridge_core::credentials::CredentialStore;

struct Cached {
    token: AccessToken,
    renew_at: DateTime<Utc>,
}

struct Inner {
    client: OAuthClient,
    store: Arc<dyn CredentialStore>,
    connection: String,
    clock: WallClock,
    current: RwLock<Option<Cached>>,
    renewal: tokio::sync::Mutex<()>,
    generation: AtomicU64,
    /// Set when the remote refused the current token (401): the stored copy is the same
    /// token, so the next renewal must refresh instead of reloading it.
    force_refresh: AtomicBool,
}

/// The [`TokenProvider`] of a QuickBooks or Xero connection. Cheap to clone; clones share the
/// cache and the single flight. See the [module docs](super) for the rules it keeps.
#[derive(Clone)]
pub struct AuthorizationCodeTokens {
    inner: Arc<Inner>,
}

impl fmt::Debug for AuthorizationCodeTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationCodeTokens")
            .field("provider", &self.inner.client.app().provider)
            .field("connection", &self.inner.connection)
            .field("token_requests", &self.token_requests())
            .finish_non_exhaustive()
    }
}

impl AuthorizationCodeTokens {
    /// A provider for `connection`'s stored tokens. `http` should be the connector's client
    /// (redirects off); `clock` decides when a token is due for renewal.
    pub fn new(
        app: OAuthApp,
        http: reqwest::Client,
        retry: RetryPolicy,
        store: Arc<dyn CredentialStore>,
        connection: impl Into<String>,
        clock: WallClock,
    ) -> Result<Self, ConnectorError> {
        Ok(Self {
            inner: Arc::new(Inner {
                client: OAuthClient::new(app, http, retry)?,
                store,
                connection: connection.into(),
                clock,
                current: RwLock::new(None),
                renewal: tokio::sync::Mutex::new(()),
                generation: AtomicU64::new(0),
                force_refresh: AtomicBool::new(false),
            }),
        })
    }

    /// Token-endpoint requests sent by this provider (refreshes).
    pub fn token_requests(&self) -> u64 {
        self.inner.client.token_requests()
    }

    /// The ledger connection id whose tokens these are.
    pub fn connection(&self) -> &str {
        &self.inner.connection
    }

    /// What `doctor` shows: token dates and ages, no token.
    pub async fn status(&self) -> Result<Option<TokenStatus>, ConnectorError> {
        TokenStatus::load(self.inner.store.as_ref(), &self.inner.connection).await
    }

    fn fresh(&self) -> Option<AccessToken> {
        let now = self.inner.clock.now();
        let current = self.inner.current.read().expect("token cache poisoned");
        current
            .as_ref()
            .filter(|c| now < c.renew_at)
            .map(|c| c.token.clone())
    }

    fn cache(&self, secret: SecretString, expires_at: DateTime<Utc>) -> AccessToken {
        let generation = self.inner.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let token = AccessToken::new(secret, generation);
        let renew_before =
            chrono::Duration::from_std(self.inner.client.app().renew_before).unwrap_or_default();
        *self.inner.current.write().expect("token cache poisoned") = Some(Cached {
            token: token.clone(),
            renew_at: expires_at - renew_before,
        });
        token
    }

    fn reconnect(&self, why: &str) -> ConnectorError {
        let app = self.inner.client.app();
        ConnectorError::ReconnectNeeded {
            reason: format!("{}: {why}; {}", app.provider, app.reconnect_hint()),
            source: None,
        }
    }

    async fn load(&self, name: &str) -> Result<Option<SecretString>, ConnectorError> {
        Ok(self.inner.store.load(&self.inner.connection, name).await?)
    }

    /// The stored access token when it is good for longer than the renewal margin (another
    /// process may have refreshed it, or this is the first call of a run).
    async fn stored_access_token(&self) -> Result<Option<AccessToken>, ConnectorError> {
        let (Some(token), Some(expires)) = (
            self.load(names::ACCESS_TOKEN).await?,
            self.load(names::ACCESS_TOKEN_EXPIRES_AT).await?,
        ) else {
            return Ok(None);
        };
        let Ok(expires_at) = DateTime::parse_from_rfc3339(expires.expose_secret()) else {
            return Ok(None);
        };
        let expires_at = expires_at.with_timezone(&Utc);
        let renew_before =
            chrono::Duration::from_std(self.inner.client.app().renew_before).unwrap_or_default();
        if self.inner.clock.now() < expires_at - renew_before {
            Ok(Some(self.cache(token, expires_at)))
        } else {
            Ok(None)
        }
    }

    async fn renew(&self) -> Result<AccessToken, ConnectorError> {
        let _flight = self.inner.renewal.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        if !self.inner.force_refresh.load(Ordering::SeqCst)
            && let Some(token) = self.stored_access_token().await?
        {
            return Ok(token);
        }
        let previous = self
            .load(names::REFRESH_TOKEN)
            .await?
            .ok_or_else(|| self.reconnect("no refresh token is stored for this connection"))?;
        let grant = self.inner.client.refresh(&previous).await?;
        let now = self.inner.clock.now();
        let entries = grant_entries(self.inner.client.app(), &grant, Some(&previous), now);
        // Persist first: a new access token is only handed out once the refresh token that
        // came with it is durable. If this write fails the caller gets the error and the
        // previous refresh token (honoured during the provider's grace window) stays stored.
        self.inner
            .store
            .store(&self.inner.connection, &entries)
            .await?;
        self.inner.force_refresh.store(false, Ordering::SeqCst);
        let expires_at = now
            + chrono::Duration::from_std(grant.access_lifetime).unwrap_or(chrono::Duration::MAX);
        let rotated = grant
            .refresh_token
            .as_ref()
            .is_some_and(|r| r.expose_secret() != previous.expose_secret());
        tracing::debug!(
            provider = self.inner.client.app().provider,
            connection = %self.inner.connection,
            rotated,
            lifetime_s = grant.access_lifetime.as_secs(),
            "access token refreshed"
        );
        Ok(self.cache(grant.access_token, expires_at))
    }
}

impl TokenProvider for AuthorizationCodeTokens {
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
            .is_some_and(|c| c.token.generation() == token.generation())
        {
            *current = None;
            self.inner.force_refresh.store(true, Ordering::SeqCst);
        }
    }
}
