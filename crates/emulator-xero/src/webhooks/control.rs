//! `GET|POST /_sandbox/webhooks`: the receiver URL at run time.

use axum::Router;
use axum::extract::{Json, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Deserializer};
use serde_json::json;

use crate::state::EmulatorState;

/// `{"url": "http://..." | null}`: `null` stops the events; a missing `url` changes nothing.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetWebhooks {
    #[serde(default, deserialize_with = "present")]
    url: Option<Option<String>>,
}

/// Tells `"url": null` (clear) from a missing `url` (keep).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

async fn status(State(state): State<EmulatorState>) -> Response {
    Json(state.webhooks().status()).into_response()
}

async fn set(State(state): State<EmulatorState>, body: axum::body::Bytes) -> Response {
    let request = match serde_json::from_slice::<SetWebhooks>(&body) {
        Ok(r) => r,
        Err(e) => return bad_request(format!("invalid webhooks request: {e}")),
    };
    if let Some(url) = request.url
        && let Err(message) = state.set_webhook_url(url.as_deref())
    {
        return bad_request(message);
    }
    Json(state.webhooks().status()).into_response()
}

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
}

/// The control route, outside the fault plan and the rate limits like the rest of
/// `/_sandbox/`.
pub fn routes(state: EmulatorState) -> Router {
    Router::new()
        .route("/_sandbox/webhooks", get(status).post(set))
        .with_state(state)
}
