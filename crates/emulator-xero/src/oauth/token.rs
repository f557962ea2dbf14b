//! `POST /connect/token` (authorization_code and refresh_token grants; client credentials in a
//! Basic header or in the form) and `POST /connect/revocation`.

use axum::Json as AxumJson;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::store::{CODE_SECONDS, INVALID_GRANT};
use crate::state::{EmulatorState, XERO_CLIENT_ID, XERO_CLIENT_SECRET};

fn oauth_error(error: &str) -> Response {
    (StatusCode::BAD_REQUEST, AxumJson(json!({ "error": error }))).into_response()
}

/// The client from a Basic header or from the form (`client_secret_basic` / `_post`).
fn client_auth(headers: &HeaderMap, form: &[(String, String)]) -> (Option<String>, Option<String>) {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        && let Some((id, secret)) = STANDARD
            .decode(basic.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.split_once(':').map(|(a, b)| (a.to_owned(), b.to_owned())))
    {
        return (Some(id), Some(secret));
    }
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    (get("client_id"), get("client_secret"))
}

/// `POST /connect/token`.
pub(crate) async fn token(
    State(state): State<EmulatorState>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let (client_id, secret) = client_auth(&headers, &form);
    if client_id.as_deref() != Some(XERO_CLIENT_ID) {
        return oauth_error("invalid_client");
    }
    let secret_ok = secret.as_deref() == Some(XERO_CLIENT_SECRET);
    let now = state.now();
    let issuer = state.base_url();
    let mut auth = state.auth();
    match get("grant_type").as_deref() {
        Some("authorization_code") => {
            let Some(code) = get("code").and_then(|c| auth.codes.remove(&c)) else {
                return oauth_error(INVALID_GRANT);
            };
            if (now - code.created).num_seconds() > CODE_SECONDS || code.client_id != XERO_CLIENT_ID
            {
                return oauth_error(INVALID_GRANT);
            }
            if get("redirect_uri").as_deref() != Some(code.redirect_uri.as_str()) {
                return oauth_error(INVALID_GRANT);
            }
            match (&code.challenge, get("code_verifier")) {
                (Some((challenge, method)), Some(verifier)) => {
                    let computed = if method == "S256" {
                        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
                    } else {
                        verifier
                    };
                    if &computed != challenge {
                        return oauth_error(INVALID_GRANT);
                    }
                }
                (Some(_), None) => return oauth_error(INVALID_GRANT),
                // Without PKCE the client must prove itself with its secret.
                (None, _) if !secret_ok => return oauth_error("invalid_client"),
                (None, _) => {}
            }
            let body = auth.issue(code.grant_id, &issuer, now, None);
            AxumJson(body).into_response()
        }
        Some("refresh_token") => {
            if !secret_ok {
                return oauth_error("invalid_client");
            }
            let token = get("refresh_token").unwrap_or_default();
            match auth.redeem_refresh(&token, XERO_CLIENT_ID, now) {
                Ok((grant_id, refresh)) => {
                    AxumJson(auth.issue(grant_id, &issuer, now, Some(refresh))).into_response()
                }
                Err(error) => oauth_error(&error),
            }
        }
        Some(_) => oauth_error("unsupported_grant_type"),
        None => oauth_error("invalid_request"),
    }
}

/// `POST /connect/revocation` (form: `token`, client credentials).
pub(crate) async fn revoke(
    State(state): State<EmulatorState>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap_or_default();
    let (client_id, secret) = client_auth(&headers, &form);
    if client_id.as_deref() != Some(XERO_CLIENT_ID) || secret.as_deref() != Some(XERO_CLIENT_SECRET)
    {
        return oauth_error("invalid_client");
    }
    let Some(token) = form
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone())
    else {
        return oauth_error("invalid_request");
    };
    state.auth().revoke(&token, XERO_CLIENT_ID);
    StatusCode::OK.into_response()
}
