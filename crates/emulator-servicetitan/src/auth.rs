//! `POST /connect/token` (client credentials) and the gate in front of every API route:
//! application key, access token, tenant match and the 60-per-second limit.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Duration;
use serde_json::json;

use crate::creds::{APP_KEY, SCOPES, TOKEN_LIFETIME_SECS, client_by_credentials};
use crate::error::ApiError;
use crate::query::Query;
use crate::state::{EmulatorState, IssuedToken};

/// An OAuth error as IdentityServer writes it (`{"error": "invalid_client"}`), status 400.
fn oauth_error(code: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": code }))).into_response()
}

/// Client id and secret from the form body, or from HTTP Basic auth (IdentityServer accepts
/// both; the documented form is the body).
fn client_credentials(headers: &HeaderMap, form: &[(String, String)]) -> Option<(String, String)> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if let (Some(id), Some(secret)) = (field("client_id"), field("client_secret")) {
        return Some((id, secret));
    }
    let basic = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(basic.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// `POST {auth_base}/connect/token`, form-encoded `grant_type=client_credentials`.
pub(crate) async fn token(
    State(state): State<EmulatorState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return oauth_error("invalid_request");
    }
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let grant = form
        .iter()
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.as_str());
    match grant {
        None => return oauth_error("invalid_request"),
        Some("client_credentials") => {}
        Some(_) => return oauth_error("unsupported_grant_type"),
    }
    let Some(client) = client_credentials(&headers, &form)
        .and_then(|(id, secret)| client_by_credentials(&id, &secret))
    else {
        return oauth_error("invalid_client");
    };
    let now = state.now();
    if let Err(wait) = state
        .token_limits()
        .try_acquire(&client.client_id.to_owned(), now)
    {
        return ApiError::throttled(wait).into_response();
    }
    let expires_at = now + Duration::seconds(TOKEN_LIFETIME_SECS);
    let access_token = mint(
        &state.base_url(),
        client.client_id,
        client.tenant_id,
        now.timestamp(),
    );
    state.tokens().insert(
        access_token.clone(),
        IssuedToken {
            tenant_id: client.tenant_id,
            expires_at,
        },
    );
    tracing::debug!(tenant = client.tenant_id, "servicetitan token issued");
    Json(json!({
        "access_token": access_token,
        "expires_in": TOKEN_LIFETIME_SECS,
        "token_type": "Bearer",
        "scope": SCOPES,
    }))
    .into_response()
}

/// A JWT-shaped opaque token like the documented sample (`at+jwt`, `exp = nbf + 900`). The
/// signature is random: only the emulator's own table makes a token valid.
fn mint(issuer: &str, client_id: &str, tenant_id: u64, now: i64) -> String {
    let header = json!({ "alg": "RS256", "typ": "at+jwt", "kid": "ledgerbridge-sandbox" });
    let payload = json!({
        "nbf": now, "iat": now, "exp": now + TOKEN_LIFETIME_SECS,
        "iss": issuer, "client_id": client_id, "tenant": tenant_id.to_string(),
        "jti": uuid::Uuid::new_v4().simple().to_string(),
        "scope": SCOPES.split(' ').collect::<Vec<_>>(),
    });
    let signature = [
        uuid::Uuid::new_v4().into_bytes(),
        uuid::Uuid::new_v4().into_bytes(),
    ]
    .concat();
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// The tenant id in `/{module}/v2/tenant/{tenant}/...`.
fn path_tenant(path: &str) -> Option<u64> {
    let mut parts = path.trim_start_matches('/').split('/');
    let (_module, version, word, tenant) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (version == "v2" && word == "tenant")
        .then(|| tenant.parse().ok())
        .flatten()
}

/// The gate on every `/{module}/v2/tenant/{tenant}/...` route. The app key may come as the
/// `ST-App-Key` header or the `servicetitanapplicationkey` query parameter (both are in the
/// specs' security schemes); the token as `Authorization: Bearer <t>` or bare (the official
/// example and servicepytan send it bare).
pub(crate) async fn gate(
    State(state): State<EmulatorState>,
    request: Request,
    next: Next,
) -> Response {
    match check(&state, &request) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

fn check(state: &EmulatorState, request: &Request) -> Result<(), ApiError> {
    let Some(tenant) = path_tenant(request.uri().path()) else {
        return Err(ApiError::not_found("Tenant not found."));
    };
    let query = Query::parse(request.uri().query());
    let app_key = request
        .headers()
        .get("st-app-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| query.get("servicetitanapplicationkey").map(str::to_owned));
    match app_key.as_deref() {
        None => {
            return Err(ApiError::unauthorized(
                "Access denied due to missing application key (ST-App-Key).",
            ));
        }
        Some(k) if k != APP_KEY => {
            return Err(ApiError::unauthorized(
                "Access denied due to invalid application key.",
            ));
        }
        Some(_) => {}
    }
    let raw = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    let token = match raw.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => raw,
    };
    if token.is_empty() {
        return Err(ApiError::unauthorized(
            "Authorization has been denied: no access token was sent.",
        ));
    }
    let now = state.now();
    let issued = state.tokens().get(token).cloned();
    let Some(issued) = issued else {
        return Err(ApiError::unauthorized(
            "Authorization has been denied: the access token is invalid.",
        ));
    };
    if now >= issued.expires_at {
        return Err(ApiError::unauthorized(
            "Authorization has been denied: the access token has expired.",
        ));
    }
    if issued.tenant_id != tenant {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "The access token was not issued for this tenant.",
        ));
    }
    if let Err(wait) = state
        .api_limits()
        .try_acquire(&(APP_KEY.to_owned(), tenant), now)
    {
        tracing::debug!(tenant, wait, "servicetitan rate limit hit");
        return Err(ApiError::throttled(wait));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_is_read_from_the_module_path() {
        assert_eq!(path_tenant("/crm/v2/tenant/42/customers"), Some(42));
        assert_eq!(
            path_tenant("/settings/v2/tenant/7/business-units/1"),
            Some(7)
        );
        assert_eq!(path_tenant("/crm/v3/tenant/42/customers"), None);
        assert_eq!(path_tenant("/crm/v2/tenant/abc/customers"), None);
    }

    #[test]
    fn minted_tokens_are_jwt_shaped_and_unique() {
        let a = mint("http://x", "cid.a", 1, 0);
        assert_eq!(a.split('.').count(), 3);
        assert_ne!(a, mint("http://x", "cid.a", 1, 0));
    }
}
