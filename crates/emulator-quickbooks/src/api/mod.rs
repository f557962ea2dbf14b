//! The HTTP surface: `/v3/company/{realmId}/...`, the OAuth endpoints and `/_sandbox/`.
//!
//! Every API call goes: fault plan -> bearer token (401 in Intuit's lower-case shape) ->
//! realm check (403) -> rate limits (429, Fault 3001, no Retry-After: Intuit documents none
//! and says "wait 60 seconds") -> `minorversion` -> `requestid` replay -> the operation.
//! Every response carries an `intuit_tid` header, and every JSON envelope a `time`.

mod handlers;
mod taxservice;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use ledgerbridge_emulator::{FaultResponses, control_router, with_faults};

use crate::fault::{Fault, unauthorized};
use crate::oauth::routes::{discovery_router, token_router};
use crate::state::EmulatorState;
use crate::{REALM_ID, SCOPE_ACCOUNTING};

/// The whole emulator: API, OAuth, discovery and the sandbox control routes.
pub fn router(state: EmulatorState) -> Router {
    let api = Router::new()
        .route(
            "/v3/company/{realm}/{entity}",
            get(handlers::get_root).post(handlers::post_root),
        )
        .route(
            "/v3/company/{realm}/{entity}/{id}",
            get(handlers::get_one).post(handlers::post_sub),
        )
        .with_state(state.clone())
        .merge(token_router(state.clone()));
    let faults = state.context().faults.clone();
    let api = with_faults(
        api,
        faults,
        FaultResponses {
            server_error: injected_server_error,
            throttled: injected_throttle,
        },
    );
    let served = Router::new()
        .merge(api)
        .merge(discovery_router(state.clone()))
        .merge(
            Router::new()
                .fallback(unknown_path)
                .with_state(state.clone()),
        )
        .layer(from_fn_with_state(state.clone(), finish))
        .layer(axum::middleware::from_fn(crate::xml::negotiate));
    let ctx = state.context().clone();
    served
        .merge(crate::webhooks::routes(state.clone()))
        .merge(control_router(Arc::new(state), ctx))
}

/// Marks a response the fault plan injected; [`finish`] writes its body with sandbox time.
#[derive(Clone, Copy, Debug)]
enum Injected {
    ServerError,
    Throttled,
}

fn injected_server_error() -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(Injected::ServerError);
    response
}

fn injected_throttle(_retry_after: u64) -> Response {
    let mut response = StatusCode::TOO_MANY_REQUESTS.into_response();
    response.extensions_mut().insert(Injected::Throttled);
    response
}

/// Adds `intuit_tid` and renders injected faults (the fault layer's hooks have no clock).
async fn finish(State(state): State<EmulatorState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let mut response = match response.extensions().get::<Injected>().copied() {
        Some(Injected::ServerError) => Fault::system().response(state.now()),
        Some(Injected::Throttled) => Fault::throttled().response(state.now()),
        None => response,
    };
    let tid = format!("1-{}", uuid::Uuid::new_v4().simple());
    if let Ok(value) = HeaderValue::from_str(&tid) {
        response.headers_mut().insert("intuit_tid", value);
    }
    response
}

async fn unknown_path(State(state): State<EmulatorState>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let mut fault = Fault::unsupported("Unknown");
    // QuickBooks answers an unsupported API path with 400, Fault 500 "Unsupported Operation"
    // (issue 21); paths outside the API (e.g. an unknown `/_sandbox/` route) stay 404.
    if !path.starts_with("/v3/") {
        fault.status = StatusCode::NOT_FOUND;
    }
    fault.errors[0].detail = format!("Could not find resource for relative : {path}");
    fault.response(state.now())
}

/// Who is calling, once the bearer token and realm check out.
pub(crate) struct Caller {
    pub client_id: String,
}

/// Checks the bearer token and that it may act on `realm`.
pub(crate) fn authorize(
    state: &EmulatorState,
    headers: &HeaderMap,
    realm: &str,
) -> Result<Caller, Box<Response>> {
    let now = state.now();
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(token) = token else {
        return Err(Box::new(unauthorized(
            crate::oauth::AuthFailure::Missing.detail(),
            now,
        )));
    };
    let auth = state.lock().oauth.authenticate(token, REALM_ID, now).map_err(|failure| {
        tracing::info!(realm_id = %realm, reason = ?failure, "quickbooks request refused: bearer token");
        Box::new(unauthorized(failure.detail(), now))
    })?;
    if realm != REALM_ID || !auth.scope.split_whitespace().any(|s| s == SCOPE_ACCOUNTING) {
        return Err(Box::new(Fault::forbidden().response(now)));
    }
    Ok(Caller {
        client_id: auth.client_id,
    })
}

/// Counts the request against the realm's and the app's windows.
pub(crate) fn throttle(
    state: &EmulatorState,
    caller: &Caller,
    realm: &str,
    batch: bool,
) -> Result<(), Box<Response>> {
    let now = state.now();
    let limits = state.limits();
    let app_key = (realm.to_owned(), caller.client_id.clone());
    let realm_key = realm.to_owned();
    let mut verdict = limits
        .app_second
        .try_acquire(&app_key, now)
        .and_then(|_| limits.realm_minute.try_acquire(&realm_key, now));
    if batch && verdict.is_ok() {
        verdict = limits
            .batch_app_minute
            .try_acquire(&app_key, now)
            .and_then(|_| limits.batch_realm_minute.try_acquire(&realm_key, now));
    }
    verdict.map_err(|wait| {
        tracing::warn!(realm_id = %realm, client_id = %caller.client_id, batch, wait_secs = wait, "quickbooks request throttled");
        Box::new(Fault::throttled().response(now))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledgerbridge_emulator::{EmulatorContext, LimitMode, Scenario, SeedOptions};

    #[test]
    fn batch_requests_are_limited_to_120_per_realm_across_apps() {
        let start = chrono::NaiveDate::from_ymd_opt(2025, 6, 1).expect("valid date");
        let state = EmulatorState::new(
            EmulatorContext::new(LimitMode::Real),
            SeedOptions {
                seed: 1,
                scenario: Scenario::Empty,
                start,
            },
        );
        let clock = state.context().clock.clone();
        let mut allowed = 0;
        for i in 0..40 {
            if i % 5 == 0 {
                clock.advance(1);
            }
            for app in 0..4 {
                let caller = Caller {
                    client_id: format!("app-{app}"),
                };
                if throttle(&state, &caller, REALM_ID, true).is_ok() {
                    allowed += 1;
                }
            }
        }
        assert_eq!(allowed, 120, "40 per app, but 120 per realm");
    }
}
