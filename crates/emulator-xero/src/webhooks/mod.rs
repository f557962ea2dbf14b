//! Webhooks as Xero sends them (fact sheet §7, spec `xero-webhooks.yaml`): once a receiver
//! URL is set (`POST /_sandbox/webhooks` or `sandbox serve --webhooks-url`), CONTACT, INVOICE
//! and CREDITNOTE events are POSTed to `URL/webhooks/xero`, signed with `x-xero-signature` =
//! base64(HMAC-SHA256(raw body, [`WEBHOOK_KEY`])).
//!
//! * **Intent to receive first** (module `itr`): the series runs as soon as the URL is set and
//!   repeats until the receiver passes; events changed meanwhile wait and go out after it.
//! * **When.** A background worker looks for changes every 100 ms of wall time; the changes
//!   of a [`COALESCE_WINDOW_SECONDS`] window of sandbox time go out as one POST with
//!   consecutive `firstEventSequence`..`lastEventSequence` numbers. API requests never wait.
//! * **Payments** have no category: a payment or allocation that changes an invoice's amounts
//!   is sent as an INVOICE UPDATE of that invoice (our assumption).
//! * **Retries.** Anything but a 2xx within 5 s (Xero's limit) fails; the same body is tried
//!   again 10 s, 30 s, 1 min, 5 min, 15 min, 30 min after each failure, then hourly, on the
//!   sandbox clock ("decreasing frequency"); after 24 h of failures the webhook is disabled
//!   (nothing more is sent until the URL is set again), as Xero does.

mod changes;
mod control;
mod itr;
mod payload;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use ledgerbridge_emulator::webhooks::{self as hooks, AfterFailure, Outbox, RetrySchedule};
use serde_json::{Value, json};

pub use changes::{Category, Change, EventType};
pub use control::routes;
pub use itr::{ITR_SCHEDULE, SERIES as ITR_SERIES};

use crate::XERO_TENANT_ID;
use crate::books::Books;
use crate::state::{EmulatorState, WeakState};

/// The sandbox app's webhook signing key (fixed, independent of seed and ports).
pub const WEBHOOK_KEY: &str =
    "lbxSandboxWebhookKey0000000000000000000000000000000000000000000000000000000000000000000";
/// Appended to the receiver's base URL.
pub const WEBHOOK_PATH: &str = "/webhooks/xero";
/// The signature header.
pub const SIGNATURE_HEADER: &str = "x-xero-signature";
/// Changes within this many seconds of sandbox time (from the first) share one POST.
pub const COALESCE_WINDOW_SECONDS: i64 = 1;
/// The most events one POST carries (our choice; Xero documents none).
pub const MAX_EVENTS: usize = 100;
/// Retries of a failed delivery (our reading of "decreasing frequency for up to 24 h").
pub const RETRY_SCHEDULE: RetrySchedule = RetrySchedule {
    steps: &[10, 30, 60, 300, 900, 1_800],
    then_every: 3_600,
    give_up_after: Some(86_400),
};
/// The receiver must answer within 5 s.
const TIMEOUT: StdDuration = StdDuration::from_secs(5);

struct Delivery {
    url: Option<String>,
    generation: u64,
    handshake: itr::Handshake,
    /// After 24 h of failed deliveries, until the URL is set again.
    disabled: bool,
    outbox: Outbox<Change>,
    next_sequence: u32,
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
    pub(crate) fn new(now: DateTime<Utc>) -> Self {
        Self {
            delivery: Mutex::new(Delivery {
                url: None,
                generation: 0,
                handshake: itr::Handshake::new(now),
                disabled: false,
                outbox: new_outbox(),
                next_sequence: 1,
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

    /// Takes everything in `books` as already notified (called with the books lock held,
    /// after a reset or a bulk seed).
    pub(crate) fn rebaseline(&self, books: &Books) {
        let mut seen = self.seen();
        if seen.is_some() {
            *seen = Some(changes::Seen::baseline(books));
        }
    }

    /// The delivery status `GET|POST /_sandbox/webhooks` answers.
    pub(crate) fn status(&self) -> Value {
        let d = self.delivery();
        json!({
            "url": d.url,
            "intent_to_receive": {
                "passed": d.handshake.passed,
                "runs": d.handshake.runs,
                "failures": d.handshake.failures,
                "next_run_at": (!d.handshake.passed).then_some(d.handshake.due),
            },
            "disabled": d.disabled,
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

fn new_outbox() -> Outbox<Change> {
    Outbox::new(
        Duration::seconds(COALESCE_WINDOW_SECONDS),
        MAX_EVENTS,
        RETRY_SCHEDULE,
    )
}

impl EmulatorState {
    /// Sets (or with `None` clears) the receiver's base URL; events go to
    /// `URL/webhooks/xero` after the intent-to-receive series passes. Forgets undelivered
    /// events and re-enables a disabled webhook. Starts the delivery worker on the current
    /// tokio runtime the first time a URL is set.
    pub fn set_webhook_url(&self, url: Option<&str>) -> Result<(), String> {
        let url = url.map(hooks::receiver_base).transpose()?;
        let now = self.now();
        {
            let books = self.books();
            *self.webhooks().seen() = url.as_ref().map(|_| changes::Seen::baseline(&books));
            let mut d = self.webhooks().delivery();
            d.url = url.clone();
            d.generation += 1;
            d.handshake = itr::Handshake::new(now);
            d.disabled = false;
            d.outbox.clear();
            d.next_sequence = 1;
            d.last_error = None;
        }
        if url.is_some() && !self.webhooks().worker.swap(true, Ordering::SeqCst) {
            let weak = self.downgrade();
            hooks::spawn_worker(move || step(weak.clone()));
        }
        Ok(())
    }

    /// The receiver's base URL, if set.
    pub fn webhook_url(&self) -> Option<String> {
        self.webhooks().delivery().url.clone()
    }
}

/// What a tick has to send.
enum Job {
    IntentToReceive,
    Deliver(Vec<u8>),
}

/// One worker tick: gather changes, run the handshake or POST what is due. `false` once the
/// emulator is gone.
async fn step(weak: WeakState) -> bool {
    let Some(state) = weak.upgrade() else {
        return false;
    };
    let hooks = state.webhooks();
    let now = state.now();
    let found = {
        let books = state.books();
        hooks
            .seen()
            .as_mut()
            .map(|seen| seen.changes(&books))
            .unwrap_or_default()
    };
    let base_url = state.base_url();
    let (url, generation, job) = {
        let mut d = hooks.delivery();
        let Some(url) = d.url.clone().filter(|_| !d.disabled) else {
            return true;
        };
        d.outbox.push(found, now);
        let job = if !d.handshake.passed {
            (d.handshake.due <= now).then_some(Job::IntentToReceive)
        } else {
            if let Some(batch) = d.outbox.take_batch(now) {
                let first = d.next_sequence;
                d.next_sequence += batch.len() as u32;
                let body = payload::events(&base_url, XERO_TENANT_ID, &batch, first);
                d.outbox.start(body, now);
            }
            d.outbox.due(now).map(Job::Deliver)
        };
        let Some(job) = job else {
            return true;
        };
        (format!("{url}{WEBHOOK_PATH}"), d.generation, job)
    };
    let client = hooks.client.get_or_init(hooks::client).clone();
    match job {
        Job::IntentToReceive => {
            let outcome = itr::run_series(&client, &url, TIMEOUT).await;
            let mut d = hooks.delivery();
            if d.generation == generation {
                d.handshake.finished(outcome.is_ok(), state.now());
                d.last_error = outcome.err();
            }
        }
        Job::Deliver(body) => {
            let signature = hooks::sign(WEBHOOK_KEY, &body);
            let answer =
                hooks::post(&client, &url, SIGNATURE_HEADER, &signature, body, TIMEOUT).await;
            let mut d = hooks.delivery();
            if d.generation == generation {
                delivered(&mut d, answer, state.now());
            }
        }
    }
    true
}

/// Records the answer to an event delivery.
fn delivered(d: &mut Delivery, answer: Result<hooks::Answer, String>, now: DateTime<Utc>) {
    d.attempts += 1;
    d.last_attempt_at = Some(now);
    let error = match answer {
        Ok(a) if a.is_success() => {
            d.outbox.delivered();
            d.delivered += 1;
            d.last_error = None;
            return;
        }
        Ok(a) => format!("HTTP {}", a.status),
        Err(e) => e,
    };
    if d.outbox.failed(now) == AfterFailure::GaveUp {
        tracing::info!(%error, "xero webhook disabled after 24 h of failed deliveries");
        d.disabled = true;
        d.outbox.clear();
    }
    d.last_error = Some(error);
}
