//! `ledgerbridge connect xero [--approve-sandbox] [--xero-tenant ID]`, the token provider of
//! an existing connection, and `disconnect`, on the shared OAuth machinery
//! (`ledgerbridge_connector::oauth`: state, PKCE S256, loopback listener, rotation).
//!
//! What is Xero's here: the scopes ([`ScopeStyle`]: granular first, classic when the app is
//! refused them), PKCE on, 30-minute access tokens and 60-day refresh tokens assumed when
//! unstated, and the organisation chosen from `/connections` after the code exchange. The
//! tokens are stored only once an organisation is chosen, so an abandoned choice leaves
//! nothing behind.

use std::sync::Arc;
use std::time::Duration;

use ledgerbridge_connector::oauth::{
    AuthorizationCodeTokens, AuthorizeError, ConsentMode, OAuthApp, RevokeOutcome, TokenGrant,
    authorize, revoke_and_forget, store_grant,
};
use ledgerbridge_connector::{
    AccessToken, ConnectorError, CredentialStore, HttpLayer, HttpSettings, SecretEntry,
    TokenProvider,
};
use ledgerbridge_core::WallClock;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::client::Xero;
use crate::config::{Endpoints, Environment, XeroConfig};
use crate::scopes::ScopeStyle;
use crate::tenants::{
    TenantChoice, TenantError, choose_tenant, delete_connection, list_connections,
};
use crate::wire::reference::Connection;

/// The command every reconnect message names.
pub const RECONNECT_COMMAND: &str = "ledgerbridge connect xero";

/// Names of the non-token entries a Xero connection keeps beside its tokens.
pub mod entry_names {
    /// The organisation's tenant id (`xero-tenant-id`).
    pub const TENANT_ID: &str = "xero_tenant_id";
    /// The `/connections` id, for `DELETE /connections/{id}` on disconnect.
    pub const CONNECTION_ID: &str = "xero_connection_id";
    /// `granular` or `classic`: which scopes the consent gave.
    pub const SCOPE_STYLE: &str = "xero_scope_style";
}

/// The registered Xero app.
#[derive(Clone, Debug)]
pub struct XeroApp {
    /// Hosts (production, or the sandbox's).
    pub endpoints: Endpoints,
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: SecretString,
    /// A loopback redirect URI registered with the app (`http://127.0.0.1:8766/callback`).
    pub redirect_uri: Url,
}

impl XeroApp {
    /// The shared machinery's description of this app asking for `style`'s scopes.
    pub fn oauth_app(&self, style: ScopeStyle) -> OAuthApp {
        let e = &self.endpoints;
        let mut app = OAuthApp::new(
            "Xero",
            (
                e.authorize_url.clone(),
                e.token_url.clone(),
                Some(e.revoke_url.clone()),
            ),
            self.redirect_uri.clone(),
            self.client_id.clone(),
            self.client_secret.clone(),
            RECONNECT_COMMAND,
        );
        app.scopes = style.scopes().iter().map(|s| (*s).to_owned()).collect();
        app.pkce = true;
        app.default_access_lifetime = Duration::from_secs(1_800);
        app.default_refresh_lifetime = Duration::from_secs(60 * 86_400);
        // A quarter of the 30-minute lifetime, so a long page walk never carries a dying token.
        app.renew_before = Duration::from_secs(300);
        app
    }
}

/// What `connect xero` is given.
#[derive(Clone, Debug)]
pub struct ConnectRequest {
    /// The ledger's id for this connection (the key of its secrets).
    pub connection: String,
    /// The app.
    pub app: XeroApp,
    /// Scopes to ask first (granular unless configured); the other style is the fallback.
    pub scopes: ScopeStyle,
    /// `--xero-tenant ID`.
    pub tenant: Option<String>,
    /// Interactive, or `--approve-sandbox`.
    pub mode: ConsentMode,
    /// How long to wait for the redirect.
    pub timeout: Duration,
    /// Timeouts and retries.
    pub http: HttpSettings,
    /// The bridge's clock (the system clock; the sandbox's in tests), for the token dates.
    pub clock: WallClock,
}

/// A made, stored connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connected {
    /// Sandbox or production, by the API host (the ledger records it).
    pub environment: Environment,
    /// The organisation chosen.
    pub tenant: Connection,
    /// The scopes asked for and granted.
    pub scopes: ScopeStyle,
}

/// Why `connect xero` made no connection, by what the person does next.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The consent did not complete (denied, timed out, state mismatch, sandbox-only flag).
    #[error(transparent)]
    Authorize(#[from] AuthorizeError),
    /// No organisation could be chosen.
    #[error(transparent)]
    Tenant(#[from] TenantError),
    /// Several organisations are connected and none was chosen.
    #[error("several Xero organisations are connected; choose one with --xero-tenant ID")]
    TenantNotChosen,
    /// The consent granted fewer scopes than the bridge needs.
    #[error("the Xero consent did not grant {}; approve all requested permissions", .missing.join(", "))]
    MissingScopes {
        /// The scopes missing.
        missing: Vec<&'static str>,
    },
    /// Xero or the credential store failed.
    #[error(transparent)]
    Remote(#[from] ConnectorError),
}

/// The fresh grant's access token, for the `/connections` call before anything is stored.
struct GrantToken(SecretString);

impl TokenProvider for GrantToken {
    async fn access_token(&self) -> Result<AccessToken, ConnectorError> {
        Ok(AccessToken::new(self.0.clone(), 1))
    }

    fn reject(&self, _token: &AccessToken) {}
}

/// Runs the consent (`show` prints the URL), picks the organisation (the flag, the only one,
/// or `choose` asked with the candidates), and stores tokens and organisation for
/// `request.connection` in the credential store.
pub async fn connect(
    store: &dyn CredentialStore,
    request: ConnectRequest,
    show: impl Fn(&Url),
    choose: impl FnOnce(&[Connection]) -> Option<String>,
) -> Result<Connected, ConnectError> {
    let http = HttpLayer::new(&request.http)?;
    let mut style = request.scopes;
    let (app, authorized) = loop {
        let app = request.app.oauth_app(style);
        let result = authorize(
            &app,
            http.client(),
            request.http.retry.clone(),
            request.mode,
            request.timeout,
            &show,
        )
        .await;
        match (result, style.fallback()) {
            (Err(AuthorizeError::Denied { error, .. }), Some(next)) if error == "invalid_scope" => {
                tracing::info!(refused = %style, trying = %next, "Xero refused the scopes; trying the other set");
                style = next;
            }
            (result, _) => break (app, result?),
        }
    };
    let grant: TokenGrant = authorized.grant;
    if !grant.scopes.is_empty() {
        let missing = style.missing_from(&grant.scopes.join(" "));
        if !missing.is_empty() {
            return Err(ConnectError::MissingScopes { missing });
        }
    }
    let token = GrantToken(SecretString::from(
        grant.access_token.expose_secret().to_owned(),
    ));
    let connections = list_connections(&http, &token, &request.app.endpoints).await?;
    let tenant = match choose_tenant(&connections, request.tenant.as_deref())? {
        TenantChoice::Chosen(c) => c,
        TenantChoice::Ask(candidates) => {
            let picked = choose(&candidates).ok_or(ConnectError::TenantNotChosen)?;
            match choose_tenant(&candidates, Some(&picked))? {
                TenantChoice::Chosen(c) => c,
                TenantChoice::Ask(_) => return Err(ConnectError::TenantNotChosen),
            }
        }
    };
    store_grant(
        store,
        &request.connection,
        &app,
        &grant,
        request.clock.now(),
    )
    .await?;
    let entries = [
        SecretEntry::new(entry_names::TENANT_ID, tenant.tenant_id.clone()),
        SecretEntry::new(entry_names::CONNECTION_ID, tenant.id.clone()),
        SecretEntry::new(entry_names::SCOPE_STYLE, style.to_string()),
    ];
    store
        .store(&request.connection, &entries)
        .await
        .map_err(ConnectorError::from)?;
    let environment = request.app.endpoints.environment();
    tracing::info!(tenant = %tenant.tenant_id, %environment, scopes = %style, "Xero connection made and stored");
    Ok(Connected {
        environment,
        tenant,
        scopes: style,
    })
}

/// The token provider of a stored connection: refreshes before expiry, persists each rotated
/// refresh token before use, and answers "reconnect needed" (exit 5) when the grant is dead.
pub fn token_provider(
    app: &XeroApp,
    http: &HttpSettings,
    store: Arc<dyn CredentialStore>,
    connection: &str,
    clock: WallClock,
) -> Result<AuthorizationCodeTokens, ConnectorError> {
    let layer = HttpLayer::new(http)?;
    AuthorizationCodeTokens::new(
        app.oauth_app(ScopeStyle::default()),
        layer.client().clone(),
        http.retry.clone(),
        store,
        connection,
        clock,
    )
}

/// A connector for a stored connection: its organisation read from the store, its tokens
/// from [`token_provider`]. `tune` adjusts the config (limits, page size) before building.
pub async fn from_store(
    app: &XeroApp,
    store: Arc<dyn CredentialStore>,
    connection: &str,
    clock: WallClock,
    tune: impl FnOnce(&mut XeroConfig),
) -> Result<Xero<AuthorizationCodeTokens>, ConnectorError> {
    let tenant = store
        .load(connection, entry_names::TENANT_ID)
        .await?
        .ok_or_else(|| ConnectorError::ReconnectNeeded {
            reason: format!(
                "connection {connection} has no Xero organisation; run `{RECONNECT_COMMAND}`"
            ),
            source: None,
        })?;
    let mut config = XeroConfig::new(app.endpoints.clone(), tenant.expose_secret());
    tune(&mut config);
    let tokens = token_provider(app, &config.http, store, connection, clock)?;
    Xero::new(config, tokens)
}

/// `disconnect`: removes the organisation from the app at Xero (best effort: a dead grant
/// cannot), revokes the refresh token, and forgets the connection's secrets.
pub async fn disconnect(
    app: &XeroApp,
    http: &HttpSettings,
    store: Arc<dyn CredentialStore>,
    connection: &str,
    clock: WallClock,
) -> Result<RevokeOutcome, ConnectorError> {
    let layer = HttpLayer::new(http)?;
    if let Some(id) = store.load(connection, entry_names::CONNECTION_ID).await? {
        let tokens = token_provider(app, http, store.clone(), connection, clock)?;
        let deleted = delete_connection(&layer, &tokens, &app.endpoints, id.expose_secret()).await;
        if let Err(e) = deleted {
            tracing::warn!(error = %e, "could not remove the Xero connection; revoking anyway");
        }
    }
    let revoked = revoke_and_forget(
        &app.oauth_app(ScopeStyle::default()),
        layer.client(),
        http.retry.clone(),
        store.as_ref(),
        connection,
    )
    .await;
    match revoked {
        // The shared client refuses to revoke at a plain-http endpoint (the sandbox's); the
        // organisation was removed above, so forgetting the local copy is what is left.
        Err(ConnectorError::NotSupported { .. }) => {
            tracing::warn!(
                "the token could not be revoked at this endpoint; forgetting it locally"
            );
            store.forget(connection).await?;
            Ok(RevokeOutcome::NoRevocationEndpoint)
        }
        other => other,
    }
}
