//! The `/_sandbox/` control API every emulator serves (pinned in CONTRACTS.md).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Json, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::EmulatorContext;
use crate::faults::FaultConfig;
use crate::scenario::Scenario;

/// The body of `POST /_sandbox/reset`; a missing field keeps the current value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub seed: Option<u64>,
    pub scenario: Option<Scenario>,
    pub start: Option<NaiveDate>,
}

/// What an emulator exposes to the control API.
pub trait EmulatorControl: Send + Sync + 'static {
    /// That emulator's object of the `sandbox serve --json` line.
    fn info(&self) -> Value;
    /// A JSON dump of its data.
    fn state(&self) -> Value;
    /// Re-seeds its data (and forgets tokens, idempotency keys and rate counts).
    fn reset(&self, request: ResetRequest) -> Result<(), String>;
}

#[derive(Clone)]
struct Control {
    emulator: Arc<dyn EmulatorControl>,
    ctx: EmulatorContext,
}

fn bad_request(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": message.into() })),
    )
        .into_response()
}

async fn info(State(c): State<Control>) -> Json<Value> {
    Json(c.emulator.info())
}

async fn state(State(c): State<Control>) -> Json<Value> {
    Json(c.emulator.state())
}

async fn reset(State(c): State<Control>, body: Option<Json<ResetRequest>>) -> Response {
    let request = body.map(|Json(r)| r).unwrap_or_default();
    match c.emulator.reset(request) {
        Ok(()) => Json(json!({ "reset": true })).into_response(),
        Err(message) => bad_request(message),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    advance_seconds: i64,
}

async fn clock(State(c): State<Control>, Json(request): Json<ClockRequest>) -> Response {
    if request.advance_seconds < 0 {
        return bad_request("the sandbox clock only moves forward (advance_seconds >= 0)");
    }
    c.ctx.clock.advance(request.advance_seconds);
    Json(json!({ "now": c.ctx.clock.now(), "offset_seconds": c.ctx.clock.offset_seconds() }))
        .into_response()
}

async fn get_faults(State(c): State<Control>) -> Json<Value> {
    Json(json!({ "config": c.ctx.faults.config(), "injected": c.ctx.faults.counts() }))
}

async fn set_faults(State(c): State<Control>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<FaultConfig>(&body) {
        Ok(config) => {
            if config.latency_ms[0] > config.latency_ms[1] {
                return bad_request("latency_ms is [min, max] with min <= max");
            }
            c.ctx.faults.set(config);
            (StatusCode::NO_CONTENT, ()).into_response()
        }
        Err(e) => bad_request(format!("invalid fault plan: {e}")),
    }
}

async fn clear_faults(State(c): State<Control>) -> StatusCode {
    c.ctx.faults.clear();
    StatusCode::NO_CONTENT
}

/// `GET info`, `GET state`, `POST reset`, `POST clock`, `GET|POST|DELETE faults` under
/// `/_sandbox/`. Never behind the fault layer or the rate limits.
pub fn control_router(emulator: Arc<dyn EmulatorControl>, ctx: EmulatorContext) -> Router {
    Router::new()
        .route("/_sandbox/info", get(info))
        .route("/_sandbox/state", get(state))
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/clock", post(clock))
        .route(
            "/_sandbox/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .with_state(Control { emulator, ctx })
}
