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

use crate::error::ConnectorError;

static STOP: AtomicBool = AtomicBool::new(false);

/// Asks every connector of this process to send nothing more.
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
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
