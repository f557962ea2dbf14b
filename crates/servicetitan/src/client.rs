//! The connector value: one HTTP layer, one token provider, one tenant.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use http::HeaderValue;
use http::header::HeaderName;
use ledgerbridge_connector::{
    ApiRequest, ClientCredentials, ClientCredentialsConfig, ConnectorError, CredentialStore,
    HttpLayer, Idempotency,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;
use url::Url;

use crate::config::{Credentials, Endpoints, Environment, ServiceTitanConfig};
use crate::map::{LocationZone, ZoneIndex};
use crate::wire::reference::PaymentType;

/// The app-key header every API call carries.
pub(crate) static APP_KEY: HeaderName = HeaderName::from_static("st-app-key");

/// Names of the secrets a ServiceTitan connection keeps in the [`CredentialStore`].
pub mod secret_names {
    /// The OAuth client id.
    pub const CLIENT_ID: &str = "client_id";
    /// The OAuth client secret.
    pub const CLIENT_SECRET: &str = "client_secret";
    /// The application key.
    pub const APP_KEY: &str = "app_key";
}

/// A ServiceTitan connector for one tenant. Cheap to share behind an `Arc`; every method
/// takes `&self`.
pub struct ServiceTitan {
    pub(crate) http: HttpLayer,
    pub(crate) auth: ClientCredentials,
    pub(crate) config: ServiceTitanConfig,
    app_key: HeaderValue,
    pace_key: String,
    pub(crate) tax_zones: OnceCell<Arc<ZoneIndex>>,
    /// The CRM tax zone of each service location asked about (see `lookups`).
    pub(crate) location_zones: Mutex<HashMap<i64, LocationZone>>,
    pub(crate) payment_types: OnceCell<Vec<PaymentType>>,
    /// Set once the tenant answered 404 to the bulk contacts list.
    pub(crate) no_bulk_contacts: AtomicBool,
}

impl std::fmt::Debug for ServiceTitan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceTitan")
            .field("tenant_id", &self.config.tenant_id)
            .field("api_base", &self.config.endpoints.api_base.as_str())
            .finish_non_exhaustive()
    }
}

impl ServiceTitan {
    /// Builds the connector (no request is sent until the first call).
    pub fn new(config: ServiceTitanConfig) -> Result<Self, ConnectorError> {
        let http = HttpLayer::new(&config.http)?;
        let mut token = ClientCredentialsConfig::new(
            config.endpoints.token_url.clone(),
            config.credentials.client_id.clone(),
            config.credentials.client_secret.clone(),
        );
        token.retry = config.http.retry.clone();
        // One clock for the connector: the token's expiry moves with the layer's waits.
        token.clock = config.http.clock.clone();
        // ServiceTitan tokens live 900 s; assume so when `expires_in` is missing.
        token.default_lifetime = std::time::Duration::from_secs(900);
        let auth = ClientCredentials::new(token, http.client().clone());
        let mut app_key = HeaderValue::from_str(config.credentials.app_key.expose_secret())
            .map_err(|e| ConnectorError::fatal("the app key is not a valid header value", e))?;
        app_key.set_sensitive(true);
        let pace_key = config.tenant_id.to_string();
        Ok(Self {
            http,
            auth,
            config,
            app_key,
            pace_key,
            tax_zones: OnceCell::new(),
            location_zones: Mutex::default(),
            payment_types: OnceCell::new(),
            no_bulk_contacts: AtomicBool::new(false),
        })
    }

    /// Builds the connector from the secrets stored for `connection` (see [`crate::connect()`]).
    pub async fn from_store(
        store: &dyn CredentialStore,
        connection: &str,
        endpoints: Endpoints,
        tenant_id: i64,
        tune: impl FnOnce(&mut ServiceTitanConfig),
    ) -> Result<Self, ConnectorError> {
        let credentials = load_credentials(store, connection).await?;
        let mut config = ServiceTitanConfig::new(endpoints, tenant_id, credentials);
        tune(&mut config);
        Self::new(config)
    }

    /// The tenant id.
    pub fn tenant_id(&self) -> i64 {
        self.config.tenant_id
    }

    /// Sandbox, integration or production, by the API host.
    pub fn environment(&self) -> Environment {
        self.config.endpoints.environment()
    }

    /// Token requests sent so far (caching and single flight keep this near runtime/14 min).
    pub fn token_requests(&self) -> u64 {
        self.auth.token_requests()
    }

    /// `{api_base}/{module}/v2/tenant/{tenant}/{resource}`.
    pub(crate) fn url(&self, module: &str, resource: &str) -> Url {
        let base = self
            .config
            .endpoints
            .api_base
            .as_str()
            .trim_end_matches('/');
        let text = format!(
            "{base}/{module}/v2/tenant/{}/{resource}",
            self.config.tenant_id
        );
        Url::parse(&text).expect("api_base is a URL and the rest is path text")
    }

    fn prepare(&self, request: ApiRequest) -> ApiRequest {
        request.with_header(APP_KEY.clone(), self.app_key.clone())
    }

    /// GETs `url` and decodes the JSON answer.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        url: Url,
    ) -> Result<T, ConnectorError> {
        let request = self.prepare(ApiRequest::get(operation, url, self.pace_key.clone()));
        self.http.send(&self.auth, &request).await?.json(operation)
    }

    /// Sends a JSON body; returns the raw answer body (some endpoints answer 200 with none).
    pub(crate) async fn send_json<B: Serialize + ?Sized>(
        &self,
        operation: &'static str,
        method: http::Method,
        url: Url,
        body: &B,
        idempotency: Idempotency,
    ) -> Result<ledgerbridge_connector::ApiResponse, ConnectorError> {
        let request = ApiRequest::json(
            operation,
            method,
            url,
            self.pace_key.clone(),
            body,
            idempotency,
        )?;
        self.http.send(&self.auth, &self.prepare(request)).await
    }
}

/// Reads a connection's three secrets; a missing one means the connection must be made again.
pub async fn load_credentials(
    store: &dyn CredentialStore,
    connection: &str,
) -> Result<Credentials, ConnectorError> {
    let load = |name: &'static str| async move {
        store.load(connection, name).await?.ok_or_else(|| ConnectorError::ReconnectNeeded {
            reason: format!(
                "connection {connection} has no stored {name}; run `ledgerbridge connect servicetitan`"
            ),
            source: None,
        })
    };
    let client_id: SecretString = load(secret_names::CLIENT_ID).await?;
    Ok(Credentials {
        client_id: client_id.expose_secret().to_owned(),
        client_secret: load(secret_names::CLIENT_SECRET).await?,
        app_key: load(secret_names::APP_KEY).await?,
    })
}
