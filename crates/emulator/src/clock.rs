//! The sandbox clock: wall time plus an offset that only moves forward.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Wall time plus an offset, shared by clones. `POST /_sandbox/clock {"advance_seconds": N}`
/// adds to the offset; nothing ever moves it backwards, so expiry and windows stay monotonic.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn new() -> Self {
        Self::default()
    }

    /// The sandbox's current time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Moves the clock forward by `seconds` (negative values are refused by the control API
    /// before they get here; a negative value here is treated as zero).
    pub fn advance(&self, seconds: i64) {
        let ms = seconds.max(0).saturating_mul(1000);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// How far the clock is ahead of wall time, in whole seconds.
    pub fn offset_seconds(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst) / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_clone_and_never_backwards() {
        let clock = Clock::new();
        let other = clock.clone();
        let before = other.now();
        clock.advance(3600);
        assert!(other.now() - before >= Duration::seconds(3600));
        clock.advance(-100);
        assert_eq!(other.offset_seconds(), 3600);
    }
}
