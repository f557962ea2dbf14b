//! OAuth HTTP endpoints: consent page, token, revoke, OpenID discovery, userinfo, JWKS.
//!
//! Paths mirror Intuit's hosts collapsed onto one origin: `/connect/oauth2` (appcenter),
//! `/oauth2/v1/tokens/bearer` (oauth.platform), `/v2/oauth2/tokens/revoke` (developer.api),
//! `/v1/openid_connect/userinfo` (accounts), `/op/v1/jwks`, and the discovery document at
//! `/.well-known/openid_sandbox_configuration` (intuit-oauth's `environment` may be that URL).
//! No `id_token` is issued (there is no RS256 signer in the workspace); the JWKS is empty.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use serde_json::{Value, json};

use super::OAuthError;
use crate::state::EmulatorState;
use crate::{APPS, REALM_ID};

/// The discovery document, userinfo and JWKS (never faulted: clients read them at start-up).
pub fn discovery_router(state: EmulatorState) -> Router {
    Router::new()
        .route("/.well-known/openid_sandbox_configuration", get(discovery))
        .route("/.well-known/openid_sandbox_configuration/", get(discovery))
        .route("/.well-known/openid_configuration", get(discovery))
        .route("/.well-known/openid_configuration/", get(discovery))
        .route("/connect/oauth2", get(consent_page).post(consent_decision))
        .route("/v1/openid_connect/userinfo", get(userinfo))
        .route("/op/v1/jwks", get(jwks))
        .with_state(state)
}

/// Token and revoke (behind the fault plan like the API: a lost refresh response is exactly
/// what the 24-hour grace window exists for).
pub fn token_router(state: EmulatorState) -> Router {
    Router::new()
        .route("/oauth2/v1/tokens/bearer", axum::routing::post(token))
        .route("/v2/oauth2/tokens/revoke", axum::routing::post(revoke))
        .with_state(state)
}

async fn discovery(State(state): State<EmulatorState>) -> Json<Value> {
    let base = state.base_url();
    Json(json!({
        "issuer": format!("{base}/op/v1"),
        "authorization_endpoint": format!("{base}/connect/oauth2"),
        "token_endpoint": format!("{base}/oauth2/v1/tokens/bearer"),
        "userinfo_endpoint": format!("{base}/v1/openid_connect/userinfo"),
        "revocation_endpoint": format!("{base}/v2/oauth2/tokens/revoke"),
        "jwks_uri": format!("{base}/op/v1/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }))
}

fn params(raw: Option<&str>) -> Vec<(String, String)> {
    raw.and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn is_loopback(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    if !matches!(url.scheme(), "http" | "https") {
        return false;
    }
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>QuickBooks sandbox: authorization error</title></head>\n<body><h1>Authorization error</h1><p>{}</p></body></html>\n",
        escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return error_page("invalid redirect_uri");
    };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
    }
    // 302, as Intuit answers (a 303/307 would differ for clients that follow it).
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

/// Checks the request's client and redirect; errors about them are shown, not redirected.
fn check_client(pairs: &[(String, String)]) -> Result<(String, String), Box<Response>> {
    let client_id = param(pairs, "client_id").unwrap_or_default();
    if !APPS.iter().any(|(id, _)| *id == client_id) {
        return Err(Box::new(error_page("Unknown client_id")));
    }
    let redirect_uri = param(pairs, "redirect_uri").unwrap_or_default();
    if !is_loopback(redirect_uri) {
        return Err(Box::new(error_page(
            "redirect_uri must be a loopback http(s) URL (127.0.0.1, ::1 or localhost)",
        )));
    }
    Ok((client_id.to_owned(), redirect_uri.to_owned()))
}

/// Errors the client can be told through its redirect.
fn check_request(pairs: &[(String, String)], redirect_uri: &str) -> Result<(), Box<Response>> {
    let state = param(pairs, "state").unwrap_or_default();
    if param(pairs, "response_type") != Some("code") {
        return Err(Box::new(redirect_with(
            redirect_uri,
            &[("error", "unsupported_response_type"), ("state", state)],
        )));
    }
    let scope = param(pairs, "scope").unwrap_or_default();
    let known = [
        "com.intuit.quickbooks.accounting",
        "com.intuit.quickbooks.payment",
        "openid",
        "profile",
        "email",
        "phone",
        "address",
    ];
    if scope.split_whitespace().next().is_none()
        || !scope.split_whitespace().all(|s| known.contains(&s))
    {
        return Err(Box::new(redirect_with(
            redirect_uri,
            &[("error", "invalid_scope"), ("state", state)],
        )));
    }
    Ok(())
}

/// The consent page: plain HTML, one POST form with hidden inputs and approve/deny buttons
/// (pinned in CONTRACTS.md; `ledgerbridge connect quickbooks --approve-sandbox` submits it).
async fn consent_page(RawQuery(raw): RawQuery) -> Response {
    let pairs = params(raw.as_deref());
    let (client_id, redirect_uri) = match check_client(&pairs) {
        Ok(ok) => ok,
        Err(page) => return *page,
    };
    if let Err(redirect) = check_request(&pairs, &redirect_uri) {
        return *redirect;
    }
    let hidden: String = [
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
    ]
    .iter()
    .map(|name| {
        let value = match *name {
            "client_id" => client_id.as_str(),
            "redirect_uri" => redirect_uri.as_str(),
            other => param(&pairs, other).unwrap_or_default(),
        };
        format!(
            "  <input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
            escape(value)
        )
    })
    .collect();
    let scope = escape(param(&pairs, "scope").unwrap_or_default());
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>QuickBooks sandbox: connect an app</title></head>\n<body>\n<h1>Connect to Frostline Heating &amp; Air (sandbox company {REALM_ID})</h1>\n<p>The app <code>{}</code> asks for: <code>{scope}</code></p>\n<form method=\"post\">\n{hidden}  <button name=\"decision\" value=\"approve\">Connect</button>\n  <button name=\"decision\" value=\"deny\">Cancel</button>\n</form>\n</body></html>\n",
        escape(&client_id)
    );
    Html(body).into_response()
}

async fn consent_decision(
    State(state): State<EmulatorState>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Response {
    // The form's fields first; the page's query string fills in anything missing (a client
    // that posts to the page URL without the hidden fields still works).
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    pairs.extend(params(raw.as_deref()));
    let (client_id, redirect_uri) = match check_client(&pairs) {
        Ok(ok) => ok,
        Err(page) => return *page,
    };
    if let Err(redirect) = check_request(&pairs, &redirect_uri) {
        return *redirect;
    }
    let state_param = param(&pairs, "state").unwrap_or_default().to_owned();
    match param(&pairs, "decision") {
        Some("approve") => {
            let scope = param(&pairs, "scope").unwrap_or_default().to_owned();
            let now = state.now();
            let code = state
                .lock()
                .oauth
                .issue_code(&client_id, &redirect_uri, &scope, now);
            tracing::info!(client_id = %client_id, realm_id = REALM_ID, "sandbox consent approved");
            let mut out = vec![("code", code.as_str()), ("state", state_param.as_str())];
            // realmId accompanies accounting/payments consents.
            if scope.contains("com.intuit.quickbooks") {
                out.push(("realmId", REALM_ID));
            }
            redirect_with(&redirect_uri, &out)
        }
        Some("deny") => redirect_with(
            &redirect_uri,
            &[("error", "access_denied"), ("state", state_param.as_str())],
        ),
        _ => error_page("decision must be approve or deny"),
    }
}

fn oauth_error(status: StatusCode, error: &str, description: Option<&str>) -> Response {
    let body = match description {
        Some(d) => json!({ "error_description": d, "error": error }),
        None => json!({ "error": error }),
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// The client from a Basic header, or from `client_id`/`client_secret` form fields.
fn client(headers: &HeaderMap, form: &[(String, String)]) -> Option<String> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(i, s)| (i.to_owned(), s.to_owned())));
    let (id, secret) = basic.or_else(|| {
        Some((
            param(form, "client_id")?.to_owned(),
            param(form, "client_secret")?.to_owned(),
        ))
    })?;
    APPS.iter()
        .any(|(i, s)| *i == id && *s == secret)
        .then_some(id)
}

async fn token(State(state): State<EmulatorState>, headers: HeaderMap, body: Bytes) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let Some(client_id) = client(&headers, &form) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", None);
    };
    let now = state.now();
    let result = match param(&form, "grant_type") {
        Some("authorization_code") => {
            let (Some(code), Some(redirect)) = (param(&form, "code"), param(&form, "redirect_uri"))
            else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    Some("code and redirect_uri are required"),
                );
            };
            state
                .lock()
                .oauth
                .exchange_code(&client_id, code, redirect, now)
        }
        Some("refresh_token") => {
            let Some(refresh) = param(&form, "refresh_token") else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    Some("refresh_token is required"),
                );
            };
            state.lock().oauth.refresh(&client_id, refresh, now)
        }
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", None),
    };
    match result {
        Ok(tokens) => {
            tracing::info!(client_id = %client_id, "sandbox tokens issued");
            let mut body = json!({
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "token_type": "bearer",
                "expires_in": tokens.expires_in,
                "x_refresh_token_expires_in": tokens.x_refresh_token_expires_in,
            });
            let hard = headers
                .get("x-include-refresh-token-hard-expires-in")
                .and_then(|v| v.to_str().ok());
            if hard.is_some_and(|v| v.eq_ignore_ascii_case("true")) {
                body["x_refresh_token_hard_expires_in"] =
                    json!(tokens.x_refresh_token_hard_expires_in);
            }
            (
                StatusCode::OK,
                [(header::CACHE_CONTROL, "no-store")],
                Json(body),
            )
                .into_response()
        }
        Err(OAuthError::InvalidGrant(d)) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", Some(d))
        }
        Err(OAuthError::InvalidRequest(d)) => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_request", Some(d))
        }
    }
}

/// Revoke: JSON `{"token": ..}` (intuit-oauth) or form `token=..` (node-quickbooks).
async fn revoke(State(state): State<EmulatorState>, headers: HeaderMap, body: Bytes) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let Some(client_id) = client(&headers, &form) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", None);
    };
    let from_json = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("token").and_then(Value::as_str).map(str::to_owned));
    let Some(token) = from_json.or_else(|| param(&form, "token").map(str::to_owned)) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            Some("token is required"),
        );
    };
    let revoked = state.lock().oauth.revoke(&client_id, &token);
    tracing::info!(client_id = %client_id, revoked, "sandbox revoke");
    StatusCode::OK.into_response()
}

async fn userinfo(State(state): State<EmulatorState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let now = state.now();
    match state.lock().oauth.authenticate(token, REALM_ID, now) {
        Ok(auth) if auth.scope.split_whitespace().any(|s| s == "openid") => Json(json!({
            "sub": "sandbox-user-0001",
            "email": "owner@frostline.example",
            "emailVerified": true,
            "givenName": "Sandbox",
            "familyName": "Owner",
        }))
        .into_response(),
        Ok(_) => oauth_error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            Some("the openid scope is required"),
        ),
        Err(failure) => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            Some(failure.detail()),
        ),
    }
}

async fn jwks() -> Json<Value> {
    Json(json!({ "keys": [] }))
}
