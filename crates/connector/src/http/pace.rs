//! Per-tenant pacing: a `governor` limiter at the remote's documented limit, plus pauses the
//! remote asks for (429 `Retry-After`, an exhausted rate-limit window).
//!
//! The remotes count requests in windows ("60 calls per second per application per tenant");
//! a token bucket that allows a burst `b` and refills at `r` lets `b + r·window` through in
//! one window, so [`RateLimit::quota`] picks `b + r·window = limit` to stay under the remote's
//! count instead of trading 429s for speed. A pause applies to every caller of that tenant,
//! not just the one that was refused: when the remote says "wait", nobody should knock.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

use super::clock::PaceClock;
use super::headers::RateLimitHint;

/// A documented limit: at most `requests` in any `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: NonZeroU32,
    /// The window.
    pub window: Duration,
}

impl RateLimit {
    /// `requests` per second.
    pub fn per_second(requests: NonZeroU32) -> Self {
        Self {
            requests,
            window: Duration::from_secs(1),
        }
    }

    /// `requests` per minute.
    pub fn per_minute(requests: NonZeroU32) -> Self {
        Self {
            requests,
            window: Duration::from_secs(60),
        }
    }

    /// The token-bucket quota that never lets more than `requests` through in one window:
    /// a burst of a tenth of the limit, the rest spread evenly.
    pub fn quota(&self) -> Quota {
        let limit = self.requests.get();
        let burst = (limit / 10).max(1);
        let spread = (limit - burst).max(1);
        let period = (self.window / spread).max(Duration::from_nanos(1));
        Quota::with_period(period)
            .expect("period is non-zero")
            .allow_burst(NonZeroU32::new(burst).expect("burst >= 1"))
    }
}

/// Paces requests per key (a tenant, a realm). Shared by every call of one connector.
#[derive(Debug)]
pub struct Pacer {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    paused: Mutex<HashMap<String, Instant>>,
    clock: PaceClock,
}

impl Pacer {
    /// A pacer at `limit`; `None` paces nothing locally (the remote's pauses still apply).
    pub fn new(limit: Option<RateLimit>) -> Self {
        Self::with_clock(limit, PaceClock::default())
    }

    /// The same, timing its pauses on `clock` (see [`PaceClock`]).
    pub fn with_clock(limit: Option<RateLimit>, clock: PaceClock) -> Self {
        Self {
            limiter: limit.map(|l| RateLimiter::keyed(l.quota())),
            paused: Mutex::default(),
            clock,
        }
    }

    /// Waits until `key` may send one request.
    pub async fn ready(&self, key: &str) {
        loop {
            let until = self.paused_until(key);
            match until {
                Some(at) if at > self.clock.now() => self.clock.sleep_until(at).await,
                _ => break,
            }
        }
        if let Some(limiter) = &self.limiter {
            limiter.until_key_ready(&key.to_owned()).await;
        }
    }

    /// Holds every request of `key` for `wait` (a later deadline never shortens an earlier one).
    pub fn pause(&self, key: &str, wait: Duration) {
        let at = self.clock.now() + wait;
        let mut paused = self.paused.lock().expect("pacer poisoned");
        let entry = paused.entry(key.to_owned()).or_insert(at);
        if *entry < at {
            *entry = at;
        }
    }

    /// Adapts to what a response said: pause when its window is spent.
    pub fn observe(&self, key: &str, hint: RateLimitHint) {
        if let Some(wait) = hint.pause() {
            self.pause(key, wait);
        }
    }

    /// When `key` may send again, if it is paused.
    pub fn paused_until(&self, key: &str) -> Option<Instant> {
        let mut paused = self.paused.lock().expect("pacer poisoned");
        match paused.get(key) {
            Some(at) if *at <= self.clock.now() => {
                paused.remove(key);
                None
            }
            other => other.copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::clock::ManualClock;
    use governor::clock::{Clock, FakeRelativeClock, Reference};

    fn admitted_in_one_window(limit: RateLimit) -> u32 {
        // Count what the quota lets through from a cold start across one whole window, on a
        // fake clock ticking in 1 ms steps.
        let clock = FakeRelativeClock::default();
        let limiter = RateLimiter::direct_with_clock(limit.quota(), clock.clone());
        let start = clock.now();
        let mut admitted = 0;
        while clock.now().duration_since(start) < limit.window.into() {
            while limiter.check().is_ok() {
                admitted += 1;
            }
            clock.advance(Duration::from_millis(1));
        }
        admitted
    }

    #[test]
    fn quota_never_exceeds_the_documented_window() {
        for (n, window) in [(60, 1), (10, 60), (1, 1), (500, 60), (30, 60)] {
            let limit = RateLimit {
                requests: NonZeroU32::new(n).unwrap(),
                window: Duration::from_secs(window),
            };
            let admitted = admitted_in_one_window(limit);
            assert!(admitted <= n, "{n}/{window}s let {admitted} through");
            assert!(
                admitted + 2 >= n,
                "{n}/{window}s only let {admitted} through"
            );
        }
    }

    #[tokio::test]
    async fn a_pause_holds_every_caller_of_that_key_only() {
        let manual = ManualClock::new();
        let pacer = Pacer::with_clock(None, manual.clock());
        let started = manual.now();
        pacer.pause("t1", Duration::from_millis(150));
        pacer.pause("t1", Duration::from_millis(10)); // shorter: ignored
        pacer.ready("t2").await;
        assert_eq!(manual.waits(), [], "another tenant does not wait");
        pacer.ready("t1").await;
        assert_eq!(manual.waits(), [Duration::from_millis(150)]);
        assert_eq!(manual.now() - started, Duration::from_millis(150));
        assert_eq!(pacer.paused_until("t1"), None);
        pacer.ready("t1").await;
        assert_eq!(manual.waits().len(), 1, "the pause is over");
    }

    #[tokio::test]
    async fn a_spent_window_pauses_until_its_reset() {
        let pacer = Pacer::new(None);
        pacer.observe(
            "t",
            RateLimitHint {
                remaining: Some(3),
                reset_after: Some(Duration::from_secs(5)),
            },
        );
        assert_eq!(pacer.paused_until("t"), None);
        pacer.observe(
            "t",
            RateLimitHint {
                remaining: Some(0),
                reset_after: Some(Duration::from_secs(5)),
            },
        );
        assert!(pacer.paused_until("t").is_some());
    }
}
