//! `ledgerbridge connect servicetitan --tenant ID`: prove the credentials, then store them.

use ledgerbridge_connector::{
    ConnectorError, CredentialStore, HttpSettings, SecretEntry, TokenProvider,
};
use secrecy::ExposeSecret;

use crate::client::{ServiceTitan, secret_names};
use crate::config::{Credentials, Endpoints, Environment, ServiceTitanConfig};
use crate::wire::PageWire;

/// What `connect` is given.
#[derive(Clone, Debug)]
pub struct ConnectRequest {
    /// The ledger's id for this connection (the key of its secrets).
    pub connection: String,
    /// Where ServiceTitan is (the sandbox's `api_base`/`token_url`, or integration/production).
    pub endpoints: Endpoints,
    /// The tenant.
    pub tenant_id: i64,
    /// Client id, secret and app key as the user gave them.
    pub credentials: Credentials,
    /// Timeouts and retries for the proof requests.
    pub http: HttpSettings,
}

/// A proven, stored connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// Sandbox, integration or production, decided by the API host.
    pub environment: Environment,
    /// The tenant.
    pub tenant_id: i64,
    /// The API host, for the message ("connected to api.servicetitan.io").
    pub api_host: String,
}

/// Proves the credentials (a token, then one page of invoices through the app key and the
/// tenant) and only then stores client id, secret and app key through `store`, in one
/// transaction. Nothing is stored when the proof fails: a typo never replaces working secrets.
pub async fn connect(
    store: &dyn CredentialStore,
    request: ConnectRequest,
) -> Result<Connection, ConnectorError> {
    let mut config = ServiceTitanConfig::new(
        request.endpoints.clone(),
        request.tenant_id,
        request.credentials.clone(),
    );
    config.http = request.http;
    let st = ServiceTitan::new(config)?;
    st.auth.access_token().await?;
    let mut url = st.url("accounting", "invoices");
    url.query_pairs_mut()
        .append_pair("page", "1")
        .append_pair("pageSize", "1");
    let _: PageWire = st.get_json("prove connection", url).await?;
    let entries = [
        SecretEntry::new(
            secret_names::CLIENT_ID,
            request.credentials.client_id.clone(),
        ),
        SecretEntry::new(
            secret_names::CLIENT_SECRET,
            request.credentials.client_secret.expose_secret(),
        ),
        SecretEntry::new(
            secret_names::APP_KEY,
            request.credentials.app_key.expose_secret(),
        ),
    ];
    store.store(&request.connection, &entries).await?;
    let environment = request.endpoints.environment();
    tracing::info!(tenant = request.tenant_id, %environment, "ServiceTitan connection proven and stored");
    Ok(Connection {
        environment,
        tenant_id: request.tenant_id,
        api_host: request
            .endpoints
            .api_base
            .host_str()
            .unwrap_or_default()
            .to_owned(),
    })
}
