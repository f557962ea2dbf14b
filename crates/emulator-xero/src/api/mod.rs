//! The Accounting API (`/api.xro/2.0/...`): the gate (bearer token, `xero-tenant-id`, rate
//! limits and their headers), then JSON negotiation, scopes, `Idempotency-Key`, and the
//! resources. Resource names match case-insensitively (`/Invoices` and `/invoices`); path
//! identifiers (invoice numbers) keep their case.

pub(crate) mod batch;
pub(crate) mod contacts;
pub(crate) mod doc_lines;
pub(crate) mod doc_rules;
pub(crate) mod doc_write;
pub(crate) mod error_shape;
pub(crate) mod errors;
pub(crate) mod idempotency;
pub(crate) mod limits;
pub(crate) mod list;
pub(crate) mod payments;
pub(crate) mod query;
pub(crate) mod reads;
pub(crate) mod render;
pub(crate) mod render_settings;
pub(crate) mod routes;
pub(crate) mod settings;

use axum::body::{Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;

use crate::oauth::bearer_token;
use crate::oauth::store::Caller;
use crate::state::EmulatorState;
use idempotency::{Lookup, MAX_KEY_LEN, Stored, fingerprint};
use list::Params;

/// The largest request Xero accepts (3.5 MB).
pub(crate) const MAX_BODY: usize = 3_500_000;

/// Who is calling, for which tenant (set by the gate).
#[derive(Clone, Debug)]
pub(crate) struct Admitted {
    pub(crate) caller: Caller,
    pub(crate) tenant: Uuid,
}

/// Authentication, tenant and rate limits for accounting calls; other paths pass through.
pub(crate) async fn gate(
    State(state): State<EmulatorState>,
    mut request: Request,
    next: Next,
) -> Response {
    if !request
        .uri()
        .path()
        .to_ascii_lowercase()
        .starts_with("/api.xro/")
    {
        return next.run(request).await;
    }
    let now = state.now();
    let caller = match state.auth().caller(bearer_token(request.headers()), now) {
        Ok(c) => c,
        Err(detail) => return errors::problem(axum::http::StatusCode::UNAUTHORIZED, &detail),
    };
    let tenant_header = request
        .headers()
        .get("xero-tenant-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| Uuid::parse_str(t.trim()).ok());
    let tenant = match tenant_header {
        Some(t) if t == state.tenant_uuid() && state.auth().is_connected(&caller.client_id, t) => t,
        _ => return errors::forbidden(),
    };
    let tenant_key = tenant.to_string();
    let limits = &state.inner.limits;
    let permit = match limits.admit(&tenant_key, &caller.client_id, now) {
        Ok(p) => p,
        Err(refused) => {
            tracing::debug!(tenant_id = %tenant, "xero sandbox: rate limit refused a call");
            return refused;
        }
    };
    let app = caller.client_id.clone();
    request.extensions_mut().insert(Admitted { caller, tenant });
    let response = next.run(request).await;
    let response = limits.decorate(response, &tenant_key, &app, state.now());
    drop(permit);
    response
}

/// Which scopes open a resource (any one suffices; `.read` variants for GET).
fn scope_ok(resource: &str, write: bool, scopes: &[String]) -> bool {
    let wanted: &[&str] = match resource {
        "invoices" | "creditnotes" => &["accounting.transactions", "accounting.invoices"],
        "payments" => &["accounting.transactions", "accounting.payments"],
        "contacts" => &["accounting.contacts"],
        "items" => &["accounting.settings", "accounting.invoices"],
        _ => &["accounting.settings"],
    };
    scopes.iter().any(|s| {
        wanted
            .iter()
            .any(|w| s == w || (!write && s.strip_suffix(".read") == Some(w)))
    })
}

fn accepts_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("application/json"))
}

/// Every `/api.xro/2.0/...` request after the gate.
pub(crate) async fn accounting(State(state): State<EmulatorState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some(admitted) = parts.extensions.get::<Admitted>().cloned() else {
        return errors::forbidden();
    };
    let body: Bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return errors::bad_body("the request is larger than 3.5 MB"),
    };
    if !accepts_json(&parts.headers) {
        return errors::not_acceptable();
    }
    let path = parts.uri.path();
    let rest = path.splitn(4, '/').nth(3).unwrap_or("");
    let segs: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let resource = segs
        .first()
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    let write = parts.method != Method::GET && parts.method != Method::HEAD;
    if !scope_ok(&resource, write, &admitted.caller.scopes) {
        return errors::forbidden();
    }
    let req = routes::Req {
        method: parts.method.clone(),
        segs,
        params: Params::parse(parts.uri.query()),
        headers: parts.headers.clone(),
        body,
        now: state.now(),
    };
    let key = parts
        .headers
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(key) = key.filter(|_| write) else {
        return routes::route(&state, &req);
    };
    if key.chars().count() > MAX_KEY_LEN {
        return errors::api_exception(
            10,
            "ValidationException",
            "The Idempotency-Key header must be 128 characters or fewer",
        );
    }
    let path_and_query = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("");
    let print = fingerprint(parts.method.as_str(), path_and_query, &req.body);
    let tenant = admitted.tenant.to_string();
    let scope = (
        admitted.caller.client_id.as_str(),
        tenant.as_str(),
        key.as_str(),
    );
    // Held through the write so two racing requests with one key cannot both run it.
    let mut store = state.inner.idempotency.lock().expect("idempotency lock");
    match store.lookup(scope, print, req.now) {
        Lookup::Replay(stored) => stored.into_response(),
        Lookup::Mismatch => errors::api_exception(
            10,
            "ValidationException",
            "This Idempotency-Key has already been used with a different request",
        ),
        Lookup::Fresh(print) => {
            let response = routes::route(&state, &req);
            let (parts, body) = response.into_parts();
            // Handlers answer from memory: the body is complete and small.
            let bytes = match futures_body(body) {
                Some(b) => b,
                None => return errors::server_error(),
            };
            let stored = Stored {
                status: parts.status,
                content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
                body: bytes,
            };
            if !parts.status.is_server_error() {
                store.store(scope, print, req.now, stored.clone());
            }
            stored.into_response()
        }
    }
}

/// Reads a response body that is already complete in memory: the handlers build full bodies,
/// so the collecting future is ready on its first poll (no await while the idempotency lock,
/// a std mutex, is held).
fn futures_body(body: axum::body::Body) -> Option<Bytes> {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let mut collecting = Box::pin(to_bytes(body, usize::MAX));
    match collecting
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(Ok(bytes)) => Some(bytes),
        _ => None,
    }
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(&segment[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
