//! `GET|POST /_sandbox/webhooks`: the receiver URL and body format at run time.

use axum::Router;
use axum::extract::{Json, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Deserializer};
use serde_json::json;

use super::WebhookFormat;
use crate::state::EmulatorState;

/// `{"url": "http://..." | null, "format": "cloudevents" | "legacy"}`: a missing key keeps the
/// current value, `"url": null` stops the notifications.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetWebhooks {
    #[serde(default, deserialize_with = "present")]
    url: Option<Option<String>>,
    format: Option<WebhookFormat>,
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
    if let Some(format) = request.format {
        state.set_webhook_format(format);
    }
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
