//! Xero's identity service: the authorize endpoint with the sandbox consent page
//! (CONTRACTS.md), the token endpoint (client credentials in a Basic header or in the form),
//! revocation, and `GET/DELETE /connections`.

pub(crate) mod store;
mod token;

pub(crate) use token::{revoke, token};

use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json as AxumJson};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::errors::problem;
use crate::state::{EmulatorState, XERO_CLIENT_ID};
use store::AuthCode;

/// Scopes the sandbox grants: the classic ones, the granular ones of 2026, identity scopes.
pub(crate) const KNOWN_SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "offline_access",
    "accounting.transactions",
    "accounting.transactions.read",
    "accounting.contacts",
    "accounting.contacts.read",
    "accounting.settings",
    "accounting.settings.read",
    "accounting.invoices",
    "accounting.invoices.read",
    "accounting.payments",
    "accounting.payments.read",
    "accounting.banktransactions",
    "accounting.banktransactions.read",
    "accounting.manualjournals",
    "accounting.manualjournals.read",
    "accounting.attachments",
    "accounting.attachments.read",
    "accounting.reports.read",
    "accounting.journals.read",
    "accounting.budgets.read",
];

#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    decision: Option<String>,
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
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Xero sandbox: error</title></head><body><h1>Sorry, something went wrong</h1><p>{}</p></body></html>\n",
        escape(message)
    );
    (StatusCode::BAD_REQUEST, Html(body)).into_response()
}

/// Any loopback redirect URI is accepted (CONTRACTS.md).
fn is_loopback(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://") else {
        return false;
    };
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']')
            .next()
            .map(|h| format!("[{h}]"))
            .unwrap_or_default()
    } else {
        host_port
            .split(':')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]")
}

fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{redirect_uri}{sep}{query}")).into_response()
}

/// Checks the request; `Err` is the response to send instead (an error page, or a redirect
/// carrying `error=` once the redirect URI is known to be safe).
fn validate(p: &AuthorizeParams) -> Result<(String, Vec<String>), Response> {
    if p.client_id.as_deref() != Some(XERO_CLIENT_ID) {
        return Err(error_page(
            "Unknown client_id: this app is not registered with the sandbox.",
        ));
    }
    let redirect = p.redirect_uri.clone().unwrap_or_default();
    if !is_loopback(&redirect) {
        return Err(error_page(
            "redirect_uri must be a loopback http:// address (127.0.0.1, localhost or [::1]).",
        ));
    }
    let state = p.state.clone().unwrap_or_default();
    if p.response_type.as_deref() != Some("code") {
        return Err(redirect_with(
            &redirect,
            &[("error", "unsupported_response_type"), ("state", &state)],
        ));
    }
    let scopes: Vec<String> = p
        .scope
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if scopes.is_empty() || scopes.iter().any(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
        return Err(redirect_with(
            &redirect,
            &[("error", "invalid_scope"), ("state", &state)],
        ));
    }
    if let Some(method) = p.code_challenge_method.as_deref()
        && method != "S256"
        && method != "plain"
    {
        return Err(redirect_with(
            &redirect,
            &[("error", "invalid_request"), ("state", &state)],
        ));
    }
    Ok((redirect, scopes))
}

/// `GET /identity/connect/authorize`: the consent page.
pub(crate) async fn authorize_page(
    State(state): State<EmulatorState>,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    let (_, scopes) = match validate(&p) {
        Ok(v) => v,
        Err(response) => return response,
    };
    let org = state.org_name();
    let hidden = [
        ("response_type", p.response_type.as_deref()),
        ("client_id", p.client_id.as_deref()),
        ("redirect_uri", p.redirect_uri.as_deref()),
        ("scope", p.scope.as_deref()),
        ("state", p.state.as_deref()),
        ("code_challenge", p.code_challenge.as_deref()),
        ("code_challenge_method", p.code_challenge_method.as_deref()),
    ]
    .iter()
    .filter_map(|(name, value)| {
        value.map(|v| {
            format!(
                "  <input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
                escape(v)
            )
        })
    })
    .collect::<String>();
    let scope_list: String = scopes
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    let body = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Xero sandbox: allow access?</title></head><body>\n\
         <h1>Allow access to {org}?</h1>\n<p>The app is asking for:</p><ul>{scope_list}</ul>\n\
         <form method=\"post\" action=\"/identity/connect/authorize\">\n{hidden}  \
         <button name=\"decision\" value=\"approve\">Allow access</button>\n  \
         <button name=\"decision\" value=\"deny\">Cancel</button>\n</form>\n</body></html>\n",
        org = escape(&org)
    );
    Html(body).into_response()
}

/// `POST /identity/connect/authorize`: the consent decision.
pub(crate) async fn authorize_decision(
    State(state): State<EmulatorState>,
    Form(p): Form<AuthorizeParams>,
) -> Response {
    let (redirect, scopes) = match validate(&p) {
        Ok(v) => v,
        Err(response) => return response,
    };
    let st = p.state.clone().unwrap_or_default();
    if p.decision.as_deref() != Some("approve") {
        return redirect_with(&redirect, &[("error", "access_denied"), ("state", &st)]);
    }
    let now = state.now();
    let challenge = p.code_challenge.clone().map(|c| {
        (
            c,
            p.code_challenge_method
                .clone()
                .unwrap_or_else(|| "plain".into()),
        )
    });
    let (tenant_id, org) = (state.tenant_uuid(), state.org_name());
    let code = {
        let mut auth = state.auth();
        let grant_id = auth.new_grant(XERO_CLIENT_ID, scopes, (tenant_id, &org), now);
        auth.new_code(AuthCode {
            client_id: XERO_CLIENT_ID.into(),
            redirect_uri: redirect.clone(),
            grant_id,
            created: now,
            challenge,
        })
    };
    tracing::info!(tenant_id = %tenant_id, "xero sandbox consent approved");
    redirect_with(
        &redirect,
        &[
            ("code", &code),
            ("scope", p.scope.as_deref().unwrap_or("")),
            ("state", &st),
        ],
    )
}

fn bearer(headers: &HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
        .trim()
}

/// `2019-12-07T18:46:19.5165400`: seven fractional digits, no zone, as Xero writes them.
fn connection_time(at: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{}{:07}",
        at.format("%Y-%m-%dT%H:%M:%S."),
        at.timestamp_subsec_nanos() / 100
    )
}

/// `GET /connections` (any path case).
pub(crate) async fn connections(
    State(state): State<EmulatorState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let now = state.now();
    let auth = state.auth();
    let caller = match auth.caller(bearer(&headers), now) {
        Ok(c) => c,
        Err(detail) => return problem(StatusCode::UNAUTHORIZED, &detail),
    };
    let params: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    let event = params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authEventId"))
        .and_then(|(_, v)| Uuid::parse_str(v).ok());
    let list: Vec<Value> = auth
        .connections
        .iter()
        .filter(|c| c.client_id == caller.client_id && event.is_none_or(|e| e == c.auth_event_id))
        .map(|c| {
            json!({
                "id": c.id,
                "authEventId": c.auth_event_id,
                "tenantId": c.tenant_id,
                "tenantType": "ORGANISATION",
                "tenantName": c.tenant_name,
                "createdDateUtc": connection_time(c.created),
                "updatedDateUtc": connection_time(c.updated),
            })
        })
        .collect();
    AxumJson(Value::Array(list)).into_response()
}

/// `DELETE /connections/{id}`: 204, or 404 when the caller has no such connection.
pub(crate) async fn delete_connection(
    State(state): State<EmulatorState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let now = state.now();
    let mut auth = state.auth();
    let caller = match auth.caller(bearer(&headers), now) {
        Ok(c) => c,
        Err(detail) => return problem(StatusCode::UNAUTHORIZED, &detail),
    };
    let before = auth.connections.len();
    let id = Uuid::parse_str(&id).ok();
    auth.connections
        .retain(|c| !(Some(c.id) == id && c.client_id == caller.client_id));
    if auth.connections.len() == before {
        return crate::api::errors::not_found();
    }
    StatusCode::NO_CONTENT.into_response()
}

pub(crate) fn bearer_token(headers: &HeaderMap) -> &str {
    bearer(headers)
}
