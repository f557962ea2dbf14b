//! What [`super::HttpLayer::send`] takes and gives back: a request described so it can be sent
//! again unchanged, and a successful response with its trace id.

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::Idempotency;
use crate::error::{ConnectorError, RemoteProblem};

/// One request, described so it can be sent again unchanged.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    /// HTTP method.
    pub method: Method,
    /// Absolute URL including the query.
    pub url: Url,
    /// Extra headers (mark secrets such as app keys sensitive).
    pub headers: HeaderMap,
    /// A JSON body, already encoded.
    pub body: Option<Bytes>,
    /// Whether it may be sent more than once.
    pub idempotency: Idempotency,
    /// The pacing key (tenant or realm).
    pub pace_key: String,
    /// What this is, for logs and errors ("list invoices").
    pub operation: &'static str,
}

impl ApiRequest {
    /// A GET (idempotent) of `url`.
    pub fn get(operation: &'static str, url: Url, pace_key: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            url,
            headers: HeaderMap::new(),
            body: None,
            idempotency: Idempotency::Idempotent,
            pace_key: pace_key.into(),
            operation,
        }
    }

    /// A request with a JSON body.
    pub fn json<T: Serialize + ?Sized>(
        operation: &'static str,
        method: Method,
        url: Url,
        pace_key: impl Into<String>,
        body: &T,
        idempotency: Idempotency,
    ) -> Result<Self, ConnectorError> {
        let body = serde_json::to_vec(body).map_err(|e| {
            ConnectorError::fatal(format!("{operation}: request body not encodable"), e)
        })?;
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(Self {
            method,
            url,
            headers,
            body: Some(body.into()),
            idempotency,
            pace_key: pace_key.into(),
            operation,
        })
    }

    /// Adds a header (kept across retries).
    pub fn with_header(mut self, name: http::HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }
}

/// A successful (2xx) response.
#[derive(Clone, Debug)]
pub struct ApiResponse {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
    /// The remote's trace id, when a header carried one.
    pub trace_id: Option<String>,
}

impl ApiResponse {
    /// Decodes the body as JSON; a body of another shape is [`ConnectorError::Fatal`] with
    /// the trace id kept.
    pub fn json<T: DeserializeOwned>(&self, operation: &str) -> Result<T, ConnectorError> {
        serde_json::from_slice(&self.body).map_err(|e| ConnectorError::Fatal {
            reason: format!("{operation}: unexpected response shape"),
            problem: Some(Box::new(RemoteProblem::status_only(
                self.status.as_u16(),
                self.trace_id.clone(),
            ))),
            source: Some(Box::new(e)),
        })
    }
}
