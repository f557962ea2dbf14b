//! Rate limits: the vendor's documented numbers, scaled by [`LimitMode`], counted in sliding
//! windows on the sandbox clock.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How the documented limits apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitMode {
    /// The documented limits.
    #[default]
    Real,
    /// Every limit x100, with the same headers and the same 429 behaviour.
    Relaxed,
    /// No limits.
    Off,
}

impl LimitMode {
    /// The limit to enforce for a documented limit of `documented`, or `None` for no limit.
    pub fn scale(self, documented: u32) -> Option<u32> {
        match self {
            Self::Real => Some(documented),
            Self::Relaxed => Some(documented.saturating_mul(100)),
            Self::Off => None,
        }
    }
}

impl std::str::FromStr for LimitMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "real" => Ok(Self::Real),
            "relaxed" => Ok(Self::Relaxed),
            "off" => Ok(Self::Off),
            other => Err(format!(
                "unknown limits {other:?} (expected real, relaxed or off)"
            )),
        }
    }
}

/// A sliding-window counter: at most `limit` events in any `window`.
#[derive(Debug, Clone)]
pub struct SlidingWindow {
    limit: u32,
    window: Duration,
    events: VecDeque<DateTime<Utc>>,
}

impl SlidingWindow {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            events: VecDeque::new(),
        }
    }

    fn expire(&mut self, now: DateTime<Utc>) {
        while self.events.front().is_some_and(|t| now - *t >= self.window) {
            self.events.pop_front();
        }
    }

    /// Records one event at `now`, or refuses it with the whole seconds until a slot frees
    /// (at least 1, as `Retry-After` needs).
    pub fn try_acquire(&mut self, now: DateTime<Utc>) -> Result<(), u64> {
        self.expire(now);
        if self.events.len() < self.limit as usize {
            self.events.push_back(now);
            return Ok(());
        }
        let oldest = *self.events.front().expect("limit > 0 when full");
        let wait = self.window - (now - oldest);
        let secs = (wait.num_milliseconds() + 999) / 1000;
        Err(secs.max(1) as u64)
    }

    /// How many events are still allowed in the current window.
    pub fn remaining(&mut self, now: DateTime<Utc>) -> u32 {
        self.expire(now);
        self.limit.saturating_sub(self.events.len() as u32)
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }
}

/// One [`SlidingWindow`] per key (per tenant, per realm, per app), created on first use.
/// A limit of `None` (from [`LimitMode::Off`]) never refuses.
#[derive(Debug, Clone)]
pub struct KeyedWindows<K> {
    limit: Option<u32>,
    window: Duration,
    windows: Arc<Mutex<HashMap<K, SlidingWindow>>>,
}

impl<K: Eq + Hash + Clone> KeyedWindows<K> {
    pub fn new(limit: Option<u32>, window: Duration) -> Self {
        Self {
            limit,
            window,
            windows: Arc::default(),
        }
    }

    /// Records one event for `key`, or returns the seconds to wait.
    pub fn try_acquire(&self, key: &K, now: DateTime<Utc>) -> Result<(), u64> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let mut map = self.windows.lock().expect("limit windows poisoned");
        map.entry(key.clone())
            .or_insert_with(|| SlidingWindow::new(limit, self.window))
            .try_acquire(now)
    }

    /// Events still allowed for `key` now (`None` when unlimited).
    pub fn remaining(&self, key: &K, now: DateTime<Utc>) -> Option<u32> {
        let limit = self.limit?;
        let mut map = self.windows.lock().expect("limit windows poisoned");
        Some(
            map.entry(key.clone())
                .or_insert_with(|| SlidingWindow::new(limit, self.window))
                .remaining(now),
        )
    }

    /// Forgets every count (used by `POST /_sandbox/reset`).
    pub fn clear(&self) {
        self.windows.lock().expect("limit windows poisoned").clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_refuses_the_extra_event_and_says_when_to_retry() {
        let t0 = Utc::now();
        let mut w = SlidingWindow::new(2, Duration::seconds(60));
        assert_eq!(w.try_acquire(t0), Ok(()));
        assert_eq!(w.try_acquire(t0 + Duration::seconds(10)), Ok(()));
        assert_eq!(w.try_acquire(t0 + Duration::seconds(20)), Err(40));
        assert_eq!(w.remaining(t0 + Duration::seconds(60)), 1);
        assert_eq!(w.try_acquire(t0 + Duration::seconds(60)), Ok(()));
    }

    #[test]
    fn modes_scale_the_documented_limit() {
        assert_eq!(LimitMode::Real.scale(60), Some(60));
        assert_eq!(LimitMode::Relaxed.scale(60), Some(6000));
        assert_eq!(LimitMode::Off.scale(60), None);
        let keyed = KeyedWindows::new(LimitMode::Off.scale(1), Duration::seconds(1));
        let now = Utc::now();
        assert!((0..1000).all(|_| keyed.try_acquire(&"t", now).is_ok()));
    }

    #[test]
    fn keys_are_counted_apart() {
        let keyed = KeyedWindows::new(Some(1), Duration::seconds(1));
        let now = Utc::now();
        assert_eq!(keyed.try_acquire(&"a", now), Ok(()));
        assert_eq!(keyed.try_acquire(&"b", now), Ok(()));
        assert_eq!(keyed.try_acquire(&"a", now), Err(1));
    }
}
