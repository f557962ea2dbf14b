//! `GET /login`, `POST /login` and `POST /logout`.
//!
//! Only used when a password is configured. A successful login starts a **new** session (new
//! id, new CSRF token) and ends the anonymous one, so an id planted before login is worthless
//! after it. A wrong password waits a moment before answering, to slow guessing, and the
//! attempts of each client address and of all of them together are limited
//! ([`crate::security::throttle`]): a throttled attempt is answered 429 before the password is
//! looked at.

use std::collections::HashMap;
use std::net::SocketAddr;

use askama::Template;
use axum::Extension;
use axum::extract::{ConnectInfo, Form, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::render::{Chrome, Html};
use crate::security::session::{CurrentSession, constant_time_eq, cookie, expired_cookie};
use crate::security::set_cookie;
use crate::security::throttle::{ClientKey, Verdict};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    name: String,
    error: Option<String>,
}

/// Only a path of this site may follow a login (never `//host` or an absolute URL).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/".to_owned(),
    }
}

/// A name for the audit trail: short, plain, optional.
fn check_name(name: &str) -> Result<Option<String>, String> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let plain = name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '-' | '_'));
    if name.chars().count() > 40 || !plain {
        return Err("Your name: up to 40 letters, digits, spaces, dots, dashes.".to_owned());
    }
    Ok(Some(name.to_owned()))
}

/// `GET /login`.
pub(crate) async fn form(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    Query(query): Query<LoginQuery>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if !state.requires_login() || session.user.is_some() {
        return Redirect::to(&next).into_response();
    }
    Html(LoginPage {
        chrome: Chrome::new(&state, &session, "Log in", ""),
        next,
        name: String::new(),
        error: None,
    })
    .into_response()
}

/// `POST /login`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form: HashMap<String, String> = form.into_iter().collect();
    let next = safe_next(form.get("next").map(String::as_str));
    let Some(password) = &state.inner.password else {
        return Redirect::to(&next).into_response();
    };
    let given = form.get("password").map(String::as_str).unwrap_or_default();
    let name = form.get("name").cloned().unwrap_or_default();
    let refuse = |status: StatusCode, error: String| {
        let page = LoginPage {
            chrome: Chrome::new(&state, &session, "Log in", ""),
            next: next.clone(),
            name: name.clone(),
            error: Some(error),
        };
        (status, Html(page)).into_response()
    };
    // Served without connect info (tests through `oneshot`), every attempt shares one budget.
    let client = ClientKey::of(peer.map(|Extension(ConnectInfo(addr))| addr.ip()));
    if let Verdict::Throttled(wait) = state.inner.throttle.attempt(client) {
        tracing::warn!(retry_after_s = wait.as_secs(), "web login throttled");
        let mut response = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many wrong passwords. Try again in {} seconds.",
                wait.as_secs()
            ),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait.as_secs()));
        return response;
    }
    if !constant_time_eq(given.as_bytes(), password.expose_secret().as_bytes()) {
        tracing::warn!("web login refused: wrong password");
        tokio::time::sleep(state.inner.login_delay).await;
        return refuse(StatusCode::UNAUTHORIZED, "Wrong password.".to_owned());
    }
    state.inner.throttle.succeeded(client);
    let user = match check_name(&name) {
        Ok(n) => n.unwrap_or_else(|| "web".to_owned()),
        Err(e) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, e),
    };
    state.inner.sessions.remove(&session.id);
    let fresh = state.inner.sessions.create(Some(user));
    tracing::info!("web login");
    let mut response = Redirect::to(&next).into_response();
    set_cookie(&mut response, &cookie(&fresh.id));
    response
}

/// `POST /logout`.
pub(crate) async fn logout(
    State(state): State<AppState>,
    Extension(session): Extension<CurrentSession>,
) -> Response {
    state.inner.sessions.remove(&session.id);
    let to = if state.requires_login() {
        "/login"
    } else {
        "/"
    };
    let mut response = Redirect::to(to).into_response();
    set_cookie(&mut response, &expired_cookie());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_follow_a_login() {
        assert_eq!(safe_next(Some("/conflicts/3")), "/conflicts/3");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn names_are_short_and_plain() {
        assert_eq!(check_name("  "), Ok(None));
        assert_eq!(check_name("Ana K."), Ok(Some("Ana K.".to_owned())));
        assert!(check_name("<script>").is_err());
        assert!(check_name(&"a".repeat(41)).is_err());
    }
}
