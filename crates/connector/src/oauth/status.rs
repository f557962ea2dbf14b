//! What a connection keeps in the credential store, what `doctor` shows about it, and
//! `disconnect` (revoke, then forget).
//!
//! Times are stored as RFC 3339 text beside the tokens, in the same store, so one `store`
//! call (one transaction) always writes a token together with its dates.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use super::OAuthApp;
use super::exchange::{OAuthClient, TokenGrant};
use crate::error::ConnectorError;
use crate::http::RetryPolicy;
use ledgerbridge_core::credentials::{CredentialStore, SecretEntry};

/// Names of the entries an authorization-code connection keeps.
pub mod secret_names {
    /// The current access token.
    pub const ACCESS_TOKEN: &str = "access_token";
    /// When it expires (RFC 3339).
    pub const ACCESS_TOKEN_EXPIRES_AT: &str = "access_token_expires_at";
    /// The current refresh token.
    pub const REFRESH_TOKEN: &str = "refresh_token";
    /// When that refresh token value was received (RFC 3339).
    pub const REFRESH_TOKEN_ISSUED_AT: &str = "refresh_token_issued_at";
    /// When it expires, as last stated by the provider or assumed (RFC 3339).
    pub const REFRESH_TOKEN_EXPIRES_AT: &str = "refresh_token_expires_at";
    /// When the last refresh succeeded (RFC 3339).
    pub const LAST_REFRESH_AT: &str = "last_refresh_at";
    /// When the consent was given (RFC 3339).
    pub const CONNECTED_AT: &str = "connected_at";
}

use secret_names as names;

/// The entries that record `grant`, received at `now`. `previous` is the refresh token it
/// replaces (its issue date is kept when the provider sent the same value back).
pub(crate) fn grant_entries(
    app: &OAuthApp,
    grant: &TokenGrant,
    previous: Option<&SecretString>,
    now: DateTime<Utc>,
) -> Vec<SecretEntry> {
    let at = |d: std::time::Duration| {
        (now + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)).to_rfc3339()
    };
    let mut entries = vec![
        SecretEntry::new(names::ACCESS_TOKEN, grant.access_token.expose_secret()),
        SecretEntry::new(names::ACCESS_TOKEN_EXPIRES_AT, at(grant.access_lifetime)),
        SecretEntry::new(names::LAST_REFRESH_AT, now.to_rfc3339()),
    ];
    if let Some(refresh) = &grant.refresh_token {
        let rotated = previous.is_none_or(|p| p.expose_secret() != refresh.expose_secret());
        entries.push(SecretEntry::new(
            names::REFRESH_TOKEN,
            refresh.expose_secret(),
        ));
        if rotated {
            entries.push(SecretEntry::new(
                names::REFRESH_TOKEN_ISSUED_AT,
                now.to_rfc3339(),
            ));
        }
        if rotated || grant.refresh_lifetime.is_some() {
            let lifetime = grant
                .refresh_lifetime
                .unwrap_or(app.default_refresh_lifetime);
            entries.push(SecretEntry::new(
                names::REFRESH_TOKEN_EXPIRES_AT,
                at(lifetime),
            ));
        }
    }
    entries
}

/// Stores a fresh consent's tokens for `connection` in one transaction, with the time of the
/// consent. Call it once the connection's company is known and registered.
pub async fn store_grant(
    store: &dyn CredentialStore,
    connection: &str,
    app: &OAuthApp,
    grant: &TokenGrant,
    now: DateTime<Utc>,
) -> Result<(), ConnectorError> {
    if grant.refresh_token.is_none() {
        return Err(ConnectorError::Fatal {
            reason: format!(
                "{} granted no refresh token (is the offline scope missing?)",
                app.provider
            ),
            problem: None,
            source: None,
        });
    }
    let mut entries = grant_entries(app, grant, None, now);
    entries.push(SecretEntry::new(names::CONNECTED_AT, now.to_rfc3339()));
    store.store(connection, &entries).await?;
    Ok(())
}

/// What `doctor` shows about a connection's tokens. No token is ever part of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenStatus {
    /// When the consent was given.
    pub connected_at: Option<DateTime<Utc>>,
    /// When a refresh last succeeded.
    pub last_refresh_at: Option<DateTime<Utc>>,
    /// When the current access token expires.
    pub access_token_expires_at: Option<DateTime<Utc>>,
    /// When the current refresh token value was received.
    pub refresh_token_issued_at: Option<DateTime<Utc>>,
    /// When it expires (rolling at QuickBooks: each refresh pushes it out).
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    /// Whether a refresh token is stored at all.
    pub has_refresh_token: bool,
}

impl TokenStatus {
    /// Reads the status of `connection`; `None` when nothing is stored for it.
    pub async fn load(
        store: &dyn CredentialStore,
        connection: &str,
    ) -> Result<Option<Self>, ConnectorError> {
        let date = |name: &'static str| async move {
            Ok::<_, ConnectorError>(
                store
                    .load(connection, name)
                    .await?
                    .and_then(|v| DateTime::parse_from_rfc3339(v.expose_secret()).ok())
                    .map(|d| d.with_timezone(&Utc)),
            )
        };
        let has_refresh_token = store
            .load(connection, names::REFRESH_TOKEN)
            .await?
            .is_some();
        let status = Self {
            connected_at: date(names::CONNECTED_AT).await?,
            last_refresh_at: date(names::LAST_REFRESH_AT).await?,
            access_token_expires_at: date(names::ACCESS_TOKEN_EXPIRES_AT).await?,
            refresh_token_issued_at: date(names::REFRESH_TOKEN_ISSUED_AT).await?,
            refresh_token_expires_at: date(names::REFRESH_TOKEN_EXPIRES_AT).await?,
            has_refresh_token,
        };
        Ok((status != Self::default()).then_some(status))
    }

    /// How old the current refresh token is at `now`.
    pub fn refresh_token_age(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        self.refresh_token_issued_at.map(|at| now - at)
    }

    /// Whether the access token is still valid at `now`.
    pub fn access_token_valid(&self, now: DateTime<Utc>) -> bool {
        self.access_token_expires_at.is_some_and(|at| now < at)
    }

    /// Whether the refresh token is known to be expired at `now` (then only a new consent
    /// helps: exit code 5).
    pub fn needs_reconnect(&self, now: DateTime<Utc>) -> bool {
        !self.has_refresh_token || self.refresh_token_expires_at.is_some_and(|at| now >= at)
    }
}

/// What `disconnect` did at the provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeOutcome {
    /// The provider revoked the grant.
    Revoked,
    /// The provider said the token was already invalid (expired or revoked before).
    AlreadyInvalid,
    /// The app has no revocation endpoint; only the local copy was forgotten.
    NoRevocationEndpoint,
    /// Nothing was stored for the connection.
    NothingStored,
}

/// `disconnect`: revokes the stored refresh token (which ends the whole grant), then forgets
/// every secret of `connection`. When the provider cannot be reached the secrets are kept and
/// the error returned, so a later `disconnect` can still revoke; the caller may forget
/// anyway (`--force`) with [`CredentialStore::forget`].
pub async fn revoke_and_forget(
    app: &OAuthApp,
    http: &reqwest::Client,
    retry: RetryPolicy,
    store: &dyn CredentialStore,
    connection: &str,
) -> Result<RevokeOutcome, ConnectorError> {
    let Some(refresh) = store.load(connection, names::REFRESH_TOKEN).await? else {
        store.forget(connection).await?;
        return Ok(RevokeOutcome::NothingStored);
    };
    let outcome = if app.revoke_url.is_none() {
        RevokeOutcome::NoRevocationEndpoint
    } else {
        let client = OAuthClient::new(app.clone(), http.clone(), retry)?;
        if client.revoke(&refresh).await? {
            RevokeOutcome::Revoked
        } else {
            RevokeOutcome::AlreadyInvalid
        }
    };
    store.forget(connection).await?;
    tracing::info!(
        provider = app.provider,
        connection,
        ?outcome,
        "connection revoked and forgotten"
    );
    Ok(outcome)
}
