//! The process's "stop sending" switch, for a graceful SIGTERM/SIGINT.
//!
//! Once [`request_stop`] is called, [`super::HttpLayer`] sends no new request and retries
//! none: a call that has not left yet fails at once with [`ConnectorError::Transient`] (it
//! changed nothing remote), while a request already on the wire runs to its answer, which
//! the caller records as usual. A write cut off this way is one the outbox recorded before
//! sending and settles at the next run (replay, then look-up), exactly as after a crash.
//!
//! Process-wide on purpose: a signal stops the whole process, and every connector of every
//! tenant must see it without each constructor taking a token.

use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

use crate::error::ConnectorError;

static STOP: AtomicBool = AtomicBool::new(false);
/// Wakes the waits of the layer (a pause, a retry's delay): after a stop nothing will be
/// sent, so sitting out a 30 s backoff would only delay the stop past its budget.
static WAKE: Notify = Notify::const_new();

/// Asks every connector of this process to send nothing more.
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
    WAKE.notify_waiters();
}

/// Resolves once [`request_stop`] was called (at once if it was).
pub async fn stopped() {
    let notified = WAKE.notified();
    tokio::pin!(notified);
    // Registered before the flag is read, so a stop between the two is not missed.
    notified.as_mut().enable();
    if stop_requested() {
        return;
    }
    notified.await;
}

/// Whether [`request_stop`] was called.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// The error of a call refused because the process is stopping.
pub(super) fn refused(operation: &str) -> ConnectorError {
    ConnectorError::Transient {
        reason: format!("{operation}: not sent, the process is stopping"),
        problem: None,
        source: None,
    }
}
