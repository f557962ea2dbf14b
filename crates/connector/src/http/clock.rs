//! Where the HTTP layer's waits come from: tokio's timer in production, a manual clock in
//! tests.
//!
//! The layer waits in three places: the pacer holding a paused tenant, the backoff between
//! retries (a `Retry-After` included), and a token provider's retries of its own endpoint. A
//! test that must prove such a wait happened cannot measure wall time (a slow machine makes
//! every bound wrong in one direction or the other), and cannot use tokio's paused time
//! either: these tests talk to real sockets, and while a response is in flight the paused
//! runtime auto-advances to the next timer, which is the request timeout. So the waits go
//! through a [`PaceClock`]: [`PaceClock::Tokio`] sleeps, and a [`ManualClock`] stands still except
//! when the layer itself waits, then jumps by exactly that wait and records it. Request
//! timeouts stay on tokio's timer either way; the local `governor` limiter keeps its own clock
//! (its quota is tested on governor's fake clock).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// The time source of the layer's waits (see the module docs). Cheap to clone.
#[derive(Clone, Debug, Default)]
pub enum PaceClock {
    /// tokio's clock and timer.
    #[default]
    Tokio,
    /// A [`ManualClock`]'s time.
    Manual(ManualClock),
}

impl PaceClock {
    /// The current time.
    pub fn now(&self) -> Instant {
        match self {
            Self::Tokio => Instant::now(),
            Self::Manual(manual) => manual.now(),
        }
    }

    /// Waits `wait`.
    pub async fn sleep(&self, wait: Duration) {
        match self {
            // A stop ends the wait: the call that follows is refused at once.
            Self::Tokio => {
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = super::stop::stopped() => {}
                }
            }
            Self::Manual(manual) => manual.wait(wait).await,
        }
    }

    /// Waits until `at`.
    pub async fn sleep_until(&self, at: Instant) {
        match self {
            Self::Tokio => {
                tokio::select! {
                    () = tokio::time::sleep_until(at) => {}
                    () = super::stop::stopped() => {}
                }
            }
            Self::Manual(manual) => {
                manual
                    .wait(at.saturating_duration_since(manual.now()))
                    .await
            }
        }
    }
}

/// Time that moves only when the layer waits (the wait is recorded and returns at once) or a
/// test calls [`ManualClock::advance`]. Clones share the time.
#[derive(Clone, Debug)]
pub struct ManualClock {
    origin: Instant,
    state: Arc<Mutex<ManualState>>,
}

#[derive(Debug, Default)]
struct ManualState {
    elapsed: Duration,
    waits: Vec<Duration>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualClock {
    /// A clock standing at tokio's current time.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
            state: Arc::default(),
        }
    }

    /// The [`PaceClock`] to hand to the layer.
    pub fn clock(&self) -> PaceClock {
        PaceClock::Manual(self.clone())
    }

    /// The current time: the start plus every wait and advance since.
    pub fn now(&self) -> Instant {
        self.origin + self.moved()
    }

    /// How far this manual clock has moved since it was made (its waits and advances; no
    /// real time passes on it).
    pub fn moved(&self) -> Duration {
        self.lock().elapsed
    }

    /// Every wait the layer took, in order (zero-length waits included).
    pub fn waits(&self) -> Vec<Duration> {
        self.lock().waits.clone()
    }

    /// Moves the clock forward without recording a wait: time passing outside the layer.
    pub fn advance(&self, by: Duration) {
        self.lock().elapsed += by;
    }

    async fn wait(&self, wait: Duration) {
        {
            let mut state = self.lock();
            state.elapsed += wait;
            state.waits.push(wait);
        }
        // A real wait yields; so does this one, so other tasks still get their turn.
        tokio::task::yield_now().await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ManualState> {
        self.state.lock().expect("manual clock poisoned")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_moves_only_by_waits_and_advances() {
        let manual = ManualClock::new();
        let clock = manual.clock();
        let start = clock.now();
        clock.sleep(Duration::from_secs(3)).await;
        clock.sleep_until(start + Duration::from_secs(5)).await;
        clock.sleep_until(start).await; // in the past: no time passes
        manual.advance(Duration::from_secs(10));
        assert_eq!(clock.now() - start, Duration::from_secs(15));
        assert_eq!(
            manual.waits(),
            [
                Duration::from_secs(3),
                Duration::from_secs(2),
                Duration::ZERO
            ]
        );
    }
}
