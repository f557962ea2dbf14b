//! The alert sinks: a Slack-compatible incoming-webhook receiver and the SMTP sink, and the
//! routes on the ServiceTitan emulator's port that list what arrived (CONTRACTS.md):
//! `POST /_sandbox/slack/services/{team}/{bot}/{token}` (the webhook),
//! `GET /_sandbox/slack/messages`, `GET /_sandbox/mail/messages` (JSON arrays, oldest first),
//! `GET /_sandbox/alerts/info` (the `alerts` object of the `--json` line),
//! and `POST /_sandbox/slack/throttle {"count", "retry_after"}`, which makes the next `count`
//! webhook calls answer 429 with that `Retry-After`, as Slack does when a channel posts too
//! fast.

use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::smtp_sink::Mailbox;

/// The path of the sandbox's Slack webhook below the ServiceTitan emulator's base URL (a fixed
/// sandbox constant, shaped like Slack's `/services/T…/B…/…`).
pub const SLACK_WEBHOOK_PATH: &str = "/_sandbox/slack/services/T0SANDBOX/B0SANDBOX/sandboxsecret";

/// `alerts` of the `--json` line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSinksInfo {
    /// Where a `kind = "slack"` channel posts.
    pub slack_webhook_url: String,
    /// Where a `kind = "email"` channel sends (`smtp://127.0.0.1:8725?tls=none`).
    pub smtp_url: String,
}

/// A message the Slack receiver accepted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlackMessage {
    /// The `text` (Slack's notification fallback).
    pub text: Option<String>,
    /// The Block Kit `blocks`.
    pub blocks: Option<serde_json::Value>,
    /// The whole JSON body.
    pub payload: serde_json::Value,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
}

/// What the sinks received, and the Slack receiver's throttle.
#[derive(Clone, Debug, Default)]
pub struct AlertSinks {
    slack: Arc<Mutex<SlackState>>,
    mail: Mailbox,
    info: Arc<OnceLock<AlertSinksInfo>>,
}

#[derive(Debug, Default)]
struct SlackState {
    messages: Vec<SlackMessage>,
    throttle_count: u32,
    throttle_retry_after: u64,
}

impl AlertSinks {
    /// Sinks listing `mail` as what the SMTP sink received.
    pub fn new(mail: Mailbox) -> Self {
        Self {
            slack: Arc::default(),
            mail,
            info: Arc::default(),
        }
    }

    /// Records where the sinks are, once the ServiceTitan port is bound; served by
    /// `GET /_sandbox/alerts/info` (what `init --sandbox` reads).
    pub fn set_info(&self, info: AlertSinksInfo) {
        let _ = self.info.set(info);
    }

    /// Where the sinks are (`None` before [`AlertSinks::set_info`]).
    pub fn info(&self) -> Option<AlertSinksInfo> {
        self.info.get().cloned()
    }

    /// Every Slack message so far, oldest first.
    pub fn slack_messages(&self) -> Vec<SlackMessage> {
        self.slack.lock().expect("slack lock").messages.clone()
    }

    /// Every email so far, oldest first.
    pub fn mail(&self) -> &Mailbox {
        &self.mail
    }

    /// The routes, to merge into the ServiceTitan emulator's router.
    pub fn router(&self) -> Router {
        Router::new()
            .route(
                "/_sandbox/slack/services/{team}/{bot}/{token}",
                post(slack_webhook),
            )
            .route("/_sandbox/slack/messages", get(slack_messages))
            .route("/_sandbox/slack/throttle", post(slack_throttle))
            .route("/_sandbox/mail/messages", get(mail_messages))
            .route("/_sandbox/alerts/info", get(alerts_info))
            .with_state(self.clone())
    }
}

fn slack_error(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain")], text).into_response()
}

/// Answers as Slack's incoming webhooks do: `200 ok` in plain text; `400 invalid_payload` for
/// a body that is not a JSON object, `400 no_text` without `text` or `blocks`,
/// `403 invalid_token` for another URL, `429` with `Retry-After` when throttled.
async fn slack_webhook(
    State(sinks): State<AlertSinks>,
    Path((team, bot, token)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let expected = SLACK_WEBHOOK_PATH.rsplit('/').take(3).collect::<Vec<_>>();
    if [token.as_str(), bot.as_str(), team.as_str()] != expected[..] {
        return slack_error(StatusCode::FORBIDDEN, "invalid_token");
    }
    let mut state = sinks.slack.lock().expect("slack lock");
    if state.throttle_count > 0 {
        state.throttle_count -= 1;
        let retry = HeaderValue::from(state.throttle_retry_after);
        let mut response = slack_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        response.headers_mut().insert(header::RETRY_AFTER, retry);
        return response;
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let payload: Option<serde_json::Value> = json
        .then(|| serde_json::from_slice(&body).ok())
        .flatten()
        .filter(serde_json::Value::is_object);
    let Some(payload) = payload else {
        return slack_error(StatusCode::BAD_REQUEST, "invalid_payload");
    };
    let text = payload["text"].as_str().map(str::to_owned);
    let blocks = payload.get("blocks").filter(|b| b.is_array()).cloned();
    if text.as_deref().is_none_or(str::is_empty) && blocks.is_none() {
        return slack_error(StatusCode::BAD_REQUEST, "no_text");
    }
    state.messages.push(SlackMessage {
        text,
        blocks,
        payload,
        received_at: Utc::now(),
    });
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], "ok").into_response()
}

async fn slack_messages(State(sinks): State<AlertSinks>) -> Json<Vec<SlackMessage>> {
    Json(sinks.slack_messages())
}

#[derive(Deserialize)]
struct Throttle {
    count: u32,
    #[serde(default = "one")]
    retry_after: u64,
}

fn one() -> u64 {
    1
}

async fn slack_throttle(State(sinks): State<AlertSinks>, Json(t): Json<Throttle>) -> StatusCode {
    let mut state = sinks.slack.lock().expect("slack lock");
    state.throttle_count = t.count;
    state.throttle_retry_after = t.retry_after;
    StatusCode::NO_CONTENT
}

async fn mail_messages(State(sinks): State<AlertSinks>) -> Json<Vec<crate::ReceivedMail>> {
    Json(sinks.mail.messages())
}

async fn alerts_info(State(sinks): State<AlertSinks>) -> Response {
    match sinks.info() {
        Some(info) => Json(info).into_response(),
        None => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}
