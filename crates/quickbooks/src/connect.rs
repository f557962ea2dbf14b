//! `ledgerbridge connect quickbooks`, `doctor` and `disconnect`, as library functions.
//!
//! `connect` runs the consent ([`ledgerbridge_connector::oauth::authorize`]), takes the realm
//! id from the redirect as the connection's company, proves the tokens by reading that
//! company's `CompanyInfo`, and returns an [`AuthorizedCompany`] *without storing anything*:
//! the caller registers the connection in the ledger (which refuses a tenant pointed at
//! another company or environment) and then stores the tokens under the new connection id.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerbridge_connector::oauth::{
    AuthorizeError, ConsentMode, OAuthApp, RevokeOutcome, TokenGrant, TokenStatus, authorize,
    revoke_and_forget, store_grant,
};
use ledgerbridge_connector::{
    AccessToken, ConnectorError, CredentialStore, HttpLayer, HttpSettings, TokenProvider,
};
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::client::QuickBooks;
use crate::config::{Endpoints, Environment, QuickBooksConfig};

/// What `connect` is given.
#[derive(Clone, Debug)]
pub struct ConnectRequest {
    /// Intuit's endpoints, or the sandbox's (`sandbox serve --json` → `quickbooks`).
    pub endpoints: Endpoints,
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: SecretString,
    /// A loopback redirect URI registered with the app.
    pub redirect_uri: Url,
    /// Print-and-wait, or `--approve-sandbox`.
    pub mode: ConsentMode,
    /// How long to wait for the consent.
    pub timeout: Duration,
    /// Timeouts and retries.
    pub http: HttpSettings,
}

impl ConnectRequest {
    /// The OAuth app this request describes.
    pub fn app(&self) -> OAuthApp {
        self.endpoints.oauth_app(
            self.client_id.clone(),
            self.client_secret.clone(),
            self.redirect_uri.clone(),
        )
    }
}

/// A consented, proven QuickBooks company whose tokens are not stored yet.
#[derive(Debug)]
pub struct AuthorizedCompany {
    /// The realm id from the redirect: the connection's company.
    pub realm_id: String,
    /// Sandbox or production, by the API host.
    pub environment: Environment,
    /// `CompanyInfo.CompanyName`, for the confirmation message.
    pub company_name: Option<String>,
    app: OAuthApp,
    grant: TokenGrant,
}

impl AuthorizedCompany {
    /// Stores the tokens under the ledger connection id `connection`, in one transaction.
    pub async fn store(
        &self,
        store: &dyn CredentialStore,
        connection: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ConnectorError> {
        store_grant(store, connection, &self.app, &self.grant, now).await
    }
}

/// A token that never changes: the one a consent just produced, used to prove it.
struct Fixed(AccessToken);

impl TokenProvider for Fixed {
    async fn access_token(&self) -> Result<AccessToken, ConnectorError> {
        Ok(self.0.clone())
    }

    fn reject(&self, _token: &AccessToken) {}
}

#[derive(Deserialize)]
struct CompanyInfoAnswer {
    #[serde(rename = "CompanyInfo")]
    info: CompanyInfo,
}

#[derive(Deserialize)]
struct CompanyInfo {
    #[serde(rename = "CompanyName", default)]
    name: Option<String>,
}

/// `ledgerbridge connect quickbooks [--approve-sandbox]`: consent, realm id, proof. `show`
/// prints the consent URL (nothing is opened).
pub async fn connect(
    request: ConnectRequest,
    show: impl FnOnce(&Url),
) -> Result<AuthorizedCompany, AuthorizeError> {
    let app = request.app();
    let layer = HttpLayer::new(&request.http)?;
    let authorized = authorize(
        &app,
        layer.client(),
        request.http.retry.clone(),
        request.mode,
        request.timeout,
        show,
    )
    .await?;
    let realm_id = authorized
        .params
        .get("realmId")
        .filter(|r| !r.is_empty())
        .cloned()
        .ok_or_else(|| AuthorizeError::Setup {
            reason:
                "the QuickBooks redirect carried no realmId (was the accounting scope granted?)"
                    .to_owned(),
            source: None,
        })?;
    let mut config = QuickBooksConfig::new(request.endpoints.clone(), realm_id.clone());
    config.http = request.http.clone();
    let token = AccessToken::new(authorized.grant.access_token.clone(), 1);
    let qbo = QuickBooks::new(config, |_| Ok(Fixed(token)))?;
    let company_name = qbo.company_name().await?;
    let environment = request.endpoints.environment();
    tracing::info!(realm_id = %realm_id, %environment, "QuickBooks consent proven");
    let mut app = app;
    app.redirect_uri = authorized.redirect_uri;
    Ok(AuthorizedCompany {
        realm_id,
        environment,
        company_name,
        app,
        grant: authorized.grant,
    })
}

impl<A: TokenProvider> QuickBooks<A> {
    /// Reads `CompanyInfo` (refreshing the token if due): `doctor`'s live check, and the
    /// company name for messages.
    pub async fn company_name(&self) -> Result<Option<String>, ConnectorError> {
        let path = self.path(&format!("companyinfo/{}", self.config.realm_id), &[]);
        let answer: CompanyInfoAnswer = self.get_json("company info", &path).await?;
        Ok(answer.info.name)
    }
}

/// `doctor`: the stored token dates of `connection` (no token), `None` when nothing is
/// stored. Pair with [`QuickBooks::company_name`] for a live check.
pub async fn token_status(
    store: &dyn CredentialStore,
    connection: &str,
) -> Result<Option<TokenStatus>, ConnectorError> {
    TokenStatus::load(store, connection).await
}

/// `ledgerbridge disconnect NAME`: revokes the grant at Intuit, then forgets the tokens.
pub async fn disconnect(
    app: &OAuthApp,
    http: &HttpSettings,
    store: Arc<dyn CredentialStore>,
    connection: &str,
) -> Result<RevokeOutcome, ConnectorError> {
    let layer = HttpLayer::new(http)?;
    revoke_and_forget(
        app,
        layer.client(),
        http.retry.clone(),
        store.as_ref(),
        connection,
    )
    .await
}
