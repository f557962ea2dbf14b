//! The connector value: one HTTP layer, one token provider, one organisation.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use chrono::Utc;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use ledgerbridge_connector::{
    ApiRequest, ApiResponse, ConnectorError, HttpLayer, Idempotency, TokenProvider,
};
use tokio::sync::Semaphore;
use url::Url;

use crate::config::{Environment, XeroConfig};
use crate::limits::{Budget, Limits};

/// The tenant header every accounting call carries.
static TENANT: HeaderName = HeaderName::from_static("xero-tenant-id");
/// The header carrying the ledger's idempotency key.
static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// Xero caps idempotency keys at 128 characters (API facts §4).
pub const MAX_IDEMPOTENCY_KEY: usize = 128;

/// A Xero connector for one organisation. Every method takes `&self`; share it behind an
/// `Arc`. `P` supplies access tokens (the OAuth auth-code provider in production, a fixed
/// token in tests).
pub struct Xero<P> {
    pub(crate) http: HttpLayer,
    pub(crate) auth: P,
    pub(crate) config: XeroConfig,
    tenant: HeaderValue,
    limits: Limits,
    slots: Semaphore,
    calls: AtomicU64,
}

impl<P> std::fmt::Debug for Xero<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Xero")
            .field("tenant_id", &self.config.tenant_id)
            .field("api_base", &self.config.endpoints.api_base.as_str())
            .finish_non_exhaustive()
    }
}

/// One call, described before it is sent.
pub(crate) struct Call<'a> {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    /// Below `{api_base}/api.xro/2.0`, starting with `/`, query included.
    pub(crate) path: &'a str,
    pub(crate) body: Option<Bytes>,
    pub(crate) idempotency: Idempotency,
    pub(crate) headers: HeaderMap,
}

impl<'a> Call<'a> {
    pub(crate) fn get(operation: &'static str, path: &'a str) -> Self {
        Self {
            operation,
            method: Method::GET,
            path,
            body: None,
            idempotency: Idempotency::Idempotent,
            headers: HeaderMap::new(),
        }
    }
}

impl<P: TokenProvider> Xero<P> {
    /// Builds the connector (nothing is sent until the first call). Fails when the tenant id
    /// is not a valid header value.
    pub fn new(config: XeroConfig, auth: P) -> Result<Self, ConnectorError> {
        let http = HttpLayer::new(&config.http)?;
        let tenant = HeaderValue::from_str(config.tenant_id.trim())
            .map_err(|e| ConnectorError::fatal("the Xero tenant id is not a header value", e))?;
        Ok(Self {
            http,
            auth,
            limits: Limits::new(config.day_reserve),
            slots: Semaphore::new(config.concurrency.max(1)),
            calls: AtomicU64::new(0),
            tenant,
            config,
        })
    }

    /// The organisation this connector writes to.
    pub fn tenant_id(&self) -> &str {
        &self.config.tenant_id
    }

    /// Sandbox or production, by the API host.
    pub fn environment(&self) -> Environment {
        self.config.endpoints.environment()
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &XeroConfig {
        &self.config
    }

    /// The token provider.
    pub fn auth(&self) -> &P {
        &self.auth
    }

    /// What the last answer said about the tenant's minute and day budget.
    pub fn budget(&self) -> Budget {
        self.limits.budget()
    }

    /// Calls handed to the HTTP layer so far (each may have been retried there).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    pub(crate) fn api_url(&self, path: &str) -> Url {
        let base = self
            .config
            .endpoints
            .api_base
            .as_str()
            .trim_end_matches('/');
        Url::parse(&format!("{base}/api.xro/2.0{path}"))
            .expect("api_base is a URL and the rest is path text")
    }

    /// Sends one accounting call: the day budget checked first, at most `concurrency` in
    /// flight, tenant and JSON headers added, the budget read from the answer.
    pub(crate) async fn send(&self, call: Call<'_>) -> Result<ApiResponse, ConnectorError> {
        self.limits.check(Utc::now())?;
        let idempotency = if self.limits.retries_allowed() {
            call.idempotency
        } else {
            Idempotency::NotIdempotent
        };
        let mut headers = call.headers;
        headers.insert(TENANT.clone(), self.tenant.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if call.body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let request = ApiRequest {
            method: call.method,
            url: self.api_url(call.path),
            headers,
            body: call.body,
            idempotency,
            pace_key: self.config.tenant_id.clone(),
            operation: call.operation,
        };
        let _slot = self.slots.acquire().await.expect("semaphore never closed");
        self.calls.fetch_add(1, Ordering::SeqCst);
        match self.http.send(&self.auth, &request).await {
            Ok(response) => {
                self.limits.observe(&response.headers);
                Ok(response)
            }
            Err(e) => Err(self.limits.on_error(e, Utc::now())),
        }
    }

    /// Sends a keyed write with its exact body bytes.
    pub(crate) async fn send_keyed(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        body: Bytes,
        key: &str,
    ) -> Result<ApiResponse, ConnectorError> {
        let value = idempotency_header(key)?;
        let mut headers = HeaderMap::new();
        headers.insert(IDEMPOTENCY_KEY.clone(), value);
        self.send(Call {
            operation,
            method,
            path,
            body: Some(body),
            idempotency: Idempotency::Keyed(key.to_owned()),
            headers,
        })
        .await
    }
}

/// Checks a key against Xero's rules (1 to 128 visible ASCII characters) before it is sent:
/// a bad key would be a 400 for the whole batch.
fn idempotency_header(key: &str) -> Result<HeaderValue, ConnectorError> {
    let valid = !key.is_empty()
        && key.len() <= MAX_IDEMPOTENCY_KEY
        && key.bytes().all(|b| b.is_ascii_graphic());
    if !valid {
        return Err(ConnectorError::Validation {
            problem: Box::new(ledgerbridge_connector::RemoteProblem {
                title: Some(format!(
                    "an Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"
                )),
                ..Default::default()
            }),
        });
    }
    HeaderValue::from_str(key).map_err(|e| ConnectorError::fatal("idempotency key", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_follow_xeros_rules() {
        assert!(idempotency_header("0190f7a2-5d1c-7abc-9def-0123456789ab").is_ok());
        assert!(idempotency_header(&"k".repeat(128)).is_ok());
        assert!(idempotency_header(&"k".repeat(129)).is_err());
        assert!(idempotency_header("").is_err());
        assert!(idempotency_header("has space").is_err());
    }
}
