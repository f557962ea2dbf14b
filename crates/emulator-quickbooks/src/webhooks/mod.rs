//! Webhooks as QuickBooks sends them (fact sheet §10): once a receiver URL is set
//! (`POST /_sandbox/webhooks` or `sandbox serve --webhooks-url`), changes of the notified
//! entities are POSTed to `URL/webhooks/quickbooks`, signed with `intuit-signature` =
//! base64(HMAC-SHA256(key = [`WEBHOOK_VERIFIER_TOKEN`], raw body)).
//!
//! * **When.** A background worker looks for changes every 100 ms of wall time (comparing a
//!   snapshot of record versions, module `changes`); the changes of a
//!   [`COALESCE_WINDOW_SECONDS`] window of sandbox time (from the first one) go out as one
//!   POST, at most [`MAX_EVENTS`] events per POST. API requests never wait for it.
//! * **Retries.** A non-2xx answer, a connection error or no answer within 3 s (Intuit's
//!   limit) is a failure; the same body is tried again 10 s, 20 s, 30 s, 5 min, 20 min, 2 h,
//!   4 h and 6 h after each failure, then every 6 h, on the sandbox clock; nothing newer is
//!   sent until it is acknowledged (events of a realm arrive in order). The documentation
//!   names no last retry, so the emulator never gives up.
//! * **What.** Changes made after the URL is set; setting or clearing the URL forgets
//!   anything undelivered, and `POST /_sandbox/reset` and bulk seeding are not notified.

mod changes;
mod payload;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use ledgerbridge_emulator::webhooks::{self as hooks, AfterFailure, Outbox, RetrySchedule};
use serde_json::{Value, json};

pub use changes::{Change, Operation};
pub use payload::{CLOUD_EVENTS_SOURCE, WebhookFormat};

use crate::REALM_ID;
use crate::model::Company;
use crate::state::{EmulatorState, WeakState};

mod control;

pub use control::routes;

/// The sandbox app's webhook verifier token (fixed, independent of seed and ports).
pub const WEBHOOK_VERIFIER_TOKEN: &str = "qbSandboxWebhookVerifierToken00000000000";
/// Appended to the receiver's base URL.
pub const WEBHOOK_PATH: &str = "/webhooks/quickbooks";
/// The signature header.
pub const SIGNATURE_HEADER: &str = "intuit-signature";
/// Changes within this many seconds of sandbox time (from the first) share one POST.
pub const COALESCE_WINDOW_SECONDS: i64 = 1;
/// The most events one POST carries (CloudEvents: "up to 100 events per delivery").
pub const MAX_EVENTS: usize = 100;
/// Intuit's documented retry schedule (§10.3).
pub const RETRY_SCHEDULE: RetrySchedule = RetrySchedule {
    steps: &[10, 20, 30, 300, 1_200, 7_200, 14_400, 21_600],
    then_every: 21_600,
    give_up_after: None,
};
/// The receiver must answer within 3 s.
const TIMEOUT: StdDuration = StdDuration::from_secs(3);

/// Where and how notifications go, and what happened to them.
struct Delivery {
    url: Option<String>,
    format: WebhookFormat,
    /// Bumped when the URL changes, so an answer to an older URL's POST is ignored.
    generation: u64,
    outbox: Outbox<Change>,
    attempts: u64,
    delivered: u64,
    last_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
}

/// The emulator's webhook sender (one per emulator state).
pub(crate) struct Webhooks {
    delivery: Mutex<Delivery>,
    /// `None` while no URL is set: nothing is tracked then.
    seen: Mutex<Option<changes::Seen>>,
    worker: AtomicBool,
    client: OnceLock<reqwest::Client>,
}

impl Webhooks {
    pub(crate) fn new() -> Self {
        Self {
            delivery: Mutex::new(Delivery {
                url: None,
                format: WebhookFormat::default(),
                generation: 0,
                outbox: Outbox::new(
                    Duration::seconds(COALESCE_WINDOW_SECONDS),
                    MAX_EVENTS,
                    RETRY_SCHEDULE,
                ),
                attempts: 0,
                delivered: 0,
                last_attempt_at: None,
                last_error: None,
            }),
            seen: Mutex::new(None),
            worker: AtomicBool::new(false),
            client: OnceLock::new(),
        }
    }

    fn delivery(&self) -> MutexGuard<'_, Delivery> {
        self.delivery.lock().expect("webhook delivery poisoned")
    }

    fn seen(&self) -> MutexGuard<'_, Option<changes::Seen>> {
        self.seen.lock().expect("webhook snapshot poisoned")
    }

    /// Takes everything in `company` as already notified (called with the emulator's lock
    /// held, after a reset or a bulk seed, so the worker never sees the swap half done).
    pub(crate) fn rebaseline(&self, company: &Company) {
        let mut seen = self.seen();
        if seen.is_some() {
            *seen = Some(changes::Seen::baseline(company));
        }
    }

    /// The delivery status `GET|POST /_sandbox/webhooks` answers.
    pub(crate) fn status(&self) -> Value {
        let d = self.delivery();
        json!({
            "url": d.url,
            "format": d.format.as_str(),
            "pending_events": d.outbox.pending_len(),
            "in_flight": d.outbox.head().map(|a| json!({
                "failures": a.failures,
                "next_attempt_at": a.due,
            })),
            "attempts": d.attempts,
            "last_attempt_at": d.last_attempt_at,
            "delivered": d.delivered,
            "last_error": d.last_error,
        })
    }
}

impl EmulatorState {
    /// Sets (or with `None` clears) the receiver's base URL; notifications go to
    /// `URL/webhooks/quickbooks`. Forgets undelivered notifications. Starts the delivery
    /// worker on the current tokio runtime the first time a URL is set.
    pub fn set_webhook_url(&self, url: Option<&str>) -> Result<(), String> {
        let url = url.map(hooks::receiver_base).transpose()?;
        {
            let inner = self.lock();
            *self.webhooks().seen() = url
                .as_ref()
                .map(|_| changes::Seen::baseline(&inner.company));
            let mut d = self.webhooks().delivery();
            d.url = url.clone();
            d.generation += 1;
            d.outbox.clear();
            d.last_error = None;
        }
        if url.is_some() && !self.webhooks().worker.swap(true, Ordering::SeqCst) {
            let weak = self.downgrade();
            hooks::spawn_worker(move || step(weak.clone()));
        }
        Ok(())
    }

    /// The body format of the notifications rendered from now on.
    pub fn set_webhook_format(&self, format: WebhookFormat) {
        self.webhooks().delivery().format = format;
    }

    /// The receiver's base URL, if set.
    pub fn webhook_url(&self) -> Option<String> {
        self.webhooks().delivery().url.clone()
    }
}

/// One worker tick: gather changes, close a window into a body, POST what is due. `false`
/// once the emulator is gone.
async fn step(weak: WeakState) -> bool {
    let Some(state) = weak.upgrade() else {
        return false;
    };
    let hooks = state.webhooks();
    let now = state.now();
    let found = {
        let inner = state.lock();
        hooks
            .seen()
            .as_mut()
            .map(|seen| seen.changes(&inner.company))
            .unwrap_or_default()
    };
    let job = {
        let mut d = hooks.delivery();
        let Some(url) = d.url.clone() else {
            return true;
        };
        d.outbox.push(found, now);
        if let Some(batch) = d.outbox.take_batch(now) {
            let body = payload::render(d.format, REALM_ID, &batch);
            d.outbox.start(body, now);
        }
        d.outbox.due(now).map(|body| (url, body, d.generation))
    };
    let Some((url, body, generation)) = job else {
        return true;
    };
    let client = hooks.client.get_or_init(hooks::client).clone();
    let signature = hooks::sign(WEBHOOK_VERIFIER_TOKEN, &body);
    let target = format!("{url}{WEBHOOK_PATH}");
    let answer = hooks::post(
        &client,
        &target,
        SIGNATURE_HEADER,
        &signature,
        body,
        TIMEOUT,
    )
    .await;
    let now = state.now();
    let mut d = hooks.delivery();
    if d.generation != generation {
        return true;
    }
    d.attempts += 1;
    d.last_attempt_at = Some(now);
    let error = match answer {
        Ok(a) if a.is_success() => None,
        Ok(a) => Some(format!("HTTP {}", a.status)),
        Err(e) => Some(e),
    };
    match error {
        None => {
            d.outbox.delivered();
            d.delivered += 1;
            d.last_error = None;
        }
        Some(error) => {
            if let AfterFailure::RetryAt(at) = d.outbox.failed(now) {
                tracing::info!(%error, retry_at = %at, "quickbooks webhook delivery failed");
            }
            d.last_error = Some(error);
        }
    }
    true
}
