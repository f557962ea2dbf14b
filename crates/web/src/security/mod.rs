//! The request guards, outermost first: security headers on every response, the Host rule,
//! then the session guard (session cookie, login when a password is set, and the CSRF token
//! on every request that is not a GET or HEAD).
//!
//! The CSRF check reads only the `csrf` field of the form body and compares it with the
//! session's token in constant time. No header (Origin, Sec-Fetch-Site, X-Requested-With)
//! can stand in for it: without the token the answer is 403, whatever other headers say.

pub(crate) mod host;
pub(crate) mod session;
pub(crate) mod throttle;

use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use crate::error::message_page;
use crate::render::encode;
use crate::state::AppState;
use session::{constant_time_eq, cookie, session_id};

/// The largest form body accepted (a conflict with a few hundred fields fits easily).
const FORM_LIMIT: usize = 256 * 1024;

/// The Content-Security-Policy of every response: everything from this origin only, no
/// inline script or style (the CSS and JS are served from `/assets/`), no framing, forms
/// posting only here.
const CSP: &str = "default-src 'self'; base-uri 'none'; form-action 'self'; \
                   frame-ancestors 'none'; object-src 'none'";

/// Adds the security headers to every response, and logs the request by its route template
/// (never its query, which may carry ids a person typed).
pub(crate) async fn security_headers(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "-".to_owned(), |p| p.as_str().to_owned());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    // Pages show the books; no cache may keep them. Assets set their own policy.
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    tracing::info!(
        %method,
        route,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

/// Refuses (421) a request whose `Host` does not name this server.
pub(crate) async fn host_rule(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
    match host {
        Some(host) if state.inner.hosts.allows(&host) => next.run(req).await,
        _ => message_page(
            StatusCode::MISDIRECTED_REQUEST,
            "Wrong host",
            "This server answers only to its own address and to localhost.",
        ),
    }
}

fn forbidden(message: &str) -> Response {
    message_page(StatusCode::FORBIDDEN, "Refused", message)
}

/// Whether the login pages may be reached without being logged in.
fn is_login_route(path: &str) -> bool {
    path == "/login"
}

/// Sessions, login and CSRF; see the module docs.
pub(crate) async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/assets/") {
        return next.run(req).await;
    }
    let sessions = &state.inner.sessions;
    let existing = session_id(req.headers()).and_then(|id| sessions.touch(&id));
    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    let mut req = req;
    let (session, created) = match existing {
        Some(s) => (s, false),
        None if safe => (sessions.create(None), true),
        None => {
            return forbidden(
                "This form has expired or did not come from this site. Reload the page and \
                 try again.",
            );
        }
    };
    if !safe {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = to_bytes(body, FORM_LIMIT).await else {
            return message_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "The form is larger than this server accepts.",
            );
        };
        let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|fields| fields.into_iter().find(|(k, _)| k == "csrf"))
            .map(|(_, v)| v);
        let valid = token.is_some_and(|t| constant_time_eq(t.as_bytes(), session.csrf.as_bytes()));
        if !valid {
            tracing::warn!("POST refused: missing or wrong CSRF token");
            return forbidden(
                "This form has expired or did not come from this site. Reload the page and \
                 try again.",
            );
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    if state.requires_login() && session.user.is_none() && !is_login_route(req.uri().path()) {
        if !safe {
            return forbidden("Log in first.");
        }
        let next_path = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let mut response =
            Redirect::to(&format!("/login?next={}", encode(&next_path))).into_response();
        if created {
            set_cookie(&mut response, &cookie(&session.id));
        }
        return response;
    }
    req.extensions_mut().insert(session.clone());
    let mut response = next.run(req).await;
    if created {
        set_cookie(&mut response, &cookie(&session.id));
    }
    response
}

/// Appends a `Set-Cookie` header.
pub(crate) fn set_cookie(response: &mut Response, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}
