//! ServiceTitan's error body: `ApiErrorResponse`, "following RFC 7807", with all six
//! properties present (`type, title, status, traceId, errors, data`; `errors` maps a field to
//! its messages, `data` is a free-form object, `{}` when there is nothing to add).

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

/// An error answered in ServiceTitan's RFC 7807 shape.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub title: String,
    pub errors: BTreeMap<String, Vec<String>>,
    pub data: Map<String, Value>,
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    trace_id: String,
    errors: &'a BTreeMap<String, Vec<String>>,
    data: &'a Map<String, Value>,
}

/// The `type` URI ASP.NET Core puts on a problem of this status.
fn type_uri(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "https://tools.ietf.org/html/rfc7231#section-6.5.1",
        401 => "https://tools.ietf.org/html/rfc7235#section-3.1",
        403 => "https://tools.ietf.org/html/rfc7231#section-6.5.3",
        404 => "https://tools.ietf.org/html/rfc7231#section-6.5.4",
        405 => "https://tools.ietf.org/html/rfc7231#section-6.5.5",
        409 => "https://tools.ietf.org/html/rfc7231#section-6.5.8",
        415 => "https://tools.ietf.org/html/rfc7231#section-6.5.13",
        429 => "https://tools.ietf.org/html/rfc6585#section-4",
        _ => "https://tools.ietf.org/html/rfc7231#section-6.6.1",
    }
}

/// A W3C trace-parent-shaped id (`00-<32 hex>-<16 hex>-00`), as ASP.NET Core writes `traceId`.
pub(crate) fn trace_id() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("00-{a}-{}-00", &b[..16])
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, title: impl Into<String>) -> Self {
        Self {
            status,
            title: title.into(),
            errors: BTreeMap::new(),
            data: Map::new(),
            retry_after: None,
        }
    }

    /// 400 "One or more validation errors occurred." with one field message.
    pub(crate) fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "One or more validation errors occurred.",
        )
        .field(field, message)
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, what)
    }

    pub(crate) fn conflict(what: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, what)
    }

    pub(crate) fn unauthorized(what: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, what)
    }

    /// 429 with the title servicepytan parses (`title.split(" ")[-2]` is the wait) and the
    /// `Retry-After` header other clients read.
    pub(crate) fn throttled(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Rate limit is exceeded, try again in {retry_after} seconds."),
        );
        e.retry_after = Some(retry_after);
        e.data
            .insert("retryAfterSeconds".into(), Value::from(retry_after));
        e
    }

    /// Adds a message for `field`.
    pub(crate) fn field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.errors
            .entry(field.into())
            .or_default()
            .push(message.into());
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            kind: type_uri(self.status),
            title: &self.title,
            status: self.status.as_u16(),
            trace_id: trace_id(),
            errors: &self.errors,
            data: &self.data,
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (self.status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        response
    }
}

/// The fault layer's injected 5xx: the same problem shape with status 500.
pub(crate) fn server_error() -> Response {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "An unexpected error occurred.",
    )
    .into_response()
}

/// The fault layer's injected throttle.
pub(crate) fn throttled(retry_after: u64) -> Response {
    ApiError::throttled(retry_after).into_response()
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;
