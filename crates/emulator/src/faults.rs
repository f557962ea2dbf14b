//! Fault injection: server errors, throttle bursts, timeouts, lost-after-commit and latency,
//! drawn from a seeded stream so a schedule replays exactly.
//!
//! "Lost after commit" runs the handler to completion (the write is committed) and then drops
//! the connection without sending a response. The drop is done by unwinding the connection's
//! task with [`std::panic::resume_unwind`], which skips the panic hook (nothing is printed) and
//! makes hyper close the socket: the client sees a closed connection, exactly what a lost
//! response looks like from outside. It applies to writes only (not GET/HEAD) and only to
//! requests served over a socket (`spawn`); `oneshot` tests would see the unwind.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::{Router, http::Method};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::scenario::seeded_rng;

/// A probability in parts per million, read from a JSON number such as `0.05`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Probability(u32);

impl Probability {
    pub const NEVER: Self = Self(0);
    pub const PER_MILLION: u32 = 1_000_000;

    pub fn from_ppm(ppm: u32) -> Self {
        Self(ppm.min(Self::PER_MILLION))
    }

    pub fn ppm(self) -> u32 {
        self.0
    }

    fn hits(self, rng: &mut ChaCha8Rng) -> bool {
        self.0 > 0 && rng.random_range(0..Self::PER_MILLION) < self.0
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = <Decimal as Deserialize>::deserialize(d)?;
        if value < Decimal::ZERO || value > Decimal::ONE {
            return Err(serde::de::Error::custom("a rate is a number from 0 to 1"));
        }
        let ppm = (value * Decimal::from(Self::PER_MILLION))
            .trunc()
            .to_u32()
            .unwrap_or(0);
        Ok(Self(ppm))
    }
}

impl Serialize for Probability {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Serialize::serialize(
            &(Decimal::from(self.0) / Decimal::from(Self::PER_MILLION)).normalize(),
            s,
        )
    }
}

fn default_timeout_ms() -> u64 {
    10_000
}

/// The body of `POST /_sandbox/faults`. Missing fields mean "no such fault".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultConfig {
    #[serde(default)]
    pub seed: u64,
    /// Share of requests answered with the vendor's 5xx body, not executed.
    #[serde(default)]
    pub error_rate: Probability,
    /// Share of requests held for `timeout_ms`, then dropped without a response, not executed.
    #[serde(default)]
    pub timeout_rate: Probability,
    /// Share of writes that are committed and then lose their response.
    #[serde(default)]
    pub lost_after_commit_rate: Probability,
    /// The next N requests are answered with the vendor's 429 (Retry-After: 1).
    #[serde(default)]
    pub throttle_burst: u32,
    /// Extra latency drawn uniformly from `[min, max]` milliseconds.
    #[serde(default)]
    pub latency_ms: [u64; 2],
    /// How long a "timeout" holds the request (sandbox extension; default 10 s).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

/// How many faults of each kind were injected since the plan was set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FaultCounts {
    pub server_errors: u64,
    pub timeouts: u64,
    pub lost_after_commit: u64,
    pub throttled: u64,
}

#[derive(Debug)]
struct Plan {
    config: FaultConfig,
    rng: ChaCha8Rng,
    burst_left: u32,
    counts: FaultCounts,
}

/// The fault plan of one emulator; clones share it.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    plan: Arc<Mutex<Option<Plan>>>,
}

/// What happens to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultDecision {
    Pass,
    ServerError,
    Throttle,
    Timeout(Duration),
    LostAfterCommit,
}

/// The vendor's own bodies for the injected errors.
#[derive(Clone, Copy)]
pub struct FaultResponses {
    /// A 5xx exactly as the vendor sends it.
    pub server_error: fn() -> Response,
    /// A 429 as the vendor sends it, given the Retry-After seconds.
    pub throttled: fn(u64) -> Response,
}

impl Faults {
    pub fn set(&self, config: FaultConfig) {
        let rng = seeded_rng(config.seed, "faults");
        let burst_left = config.throttle_burst;
        *self.plan.lock().expect("faults poisoned") = Some(Plan {
            config,
            rng,
            burst_left,
            counts: FaultCounts::default(),
        });
    }

    pub fn clear(&self) {
        *self.plan.lock().expect("faults poisoned") = None;
    }

    pub fn config(&self) -> Option<FaultConfig> {
        self.plan
            .lock()
            .expect("faults poisoned")
            .as_ref()
            .map(|p| p.config.clone())
    }

    pub fn counts(&self) -> FaultCounts {
        self.plan
            .lock()
            .expect("faults poisoned")
            .as_ref()
            .map(|p| p.counts)
            .unwrap_or_default()
    }

    /// Draws the decision and the extra latency for one request.
    pub fn decide(&self, is_write: bool) -> (FaultDecision, Duration) {
        let mut guard = self.plan.lock().expect("faults poisoned");
        let Some(plan) = guard.as_mut() else {
            return (FaultDecision::Pass, Duration::ZERO);
        };
        let [lo, hi] = plan.config.latency_ms;
        let latency = if hi > lo {
            plan.rng.random_range(lo..=hi)
        } else {
            lo
        };
        let decision = if plan.burst_left > 0 {
            plan.burst_left -= 1;
            plan.counts.throttled += 1;
            FaultDecision::Throttle
        } else if plan.config.error_rate.hits(&mut plan.rng) {
            plan.counts.server_errors += 1;
            FaultDecision::ServerError
        } else if plan.config.timeout_rate.hits(&mut plan.rng) {
            plan.counts.timeouts += 1;
            FaultDecision::Timeout(Duration::from_millis(plan.config.timeout_ms))
        } else if is_write && plan.config.lost_after_commit_rate.hits(&mut plan.rng) {
            plan.counts.lost_after_commit += 1;
            FaultDecision::LostAfterCommit
        } else {
            FaultDecision::Pass
        };
        (decision, Duration::from_millis(latency))
    }
}

/// The payload of the unwind that drops a connection; never printed.
struct DroppedConnection;

fn drop_connection() -> ! {
    std::panic::resume_unwind(Box::new(DroppedConnection))
}

async fn fault_middleware(
    State((faults, responses)): State<(Faults, FaultResponses)>,
    request: Request,
    next: Next,
) -> Response {
    let is_write = !matches!(*request.method(), Method::GET | Method::HEAD);
    let (decision, latency) = faults.decide(is_write);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match decision {
        FaultDecision::Pass => next.run(request).await,
        FaultDecision::ServerError => (responses.server_error)(),
        FaultDecision::Throttle => (responses.throttled)(1),
        FaultDecision::Timeout(hold) => {
            tokio::time::sleep(hold).await;
            drop_connection()
        }
        FaultDecision::LostAfterCommit => {
            let response = next.run(request).await;
            if response.status().is_success() {
                drop(response);
                drop_connection()
            }
            response
        }
    }
}

/// Wraps an emulator's API routes (not its `/_sandbox/` routes) in the fault plan.
pub fn with_faults(router: Router, faults: Faults, responses: FaultResponses) -> Router {
    router.layer(axum::middleware::from_fn_with_state(
        (faults, responses),
        fault_middleware,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> FaultConfig {
        serde_json::from_str(json).expect("valid fault config")
    }

    #[test]
    fn rates_read_exactly_and_reject_out_of_range() {
        let c = config(r#"{"seed": 1, "error_rate": 0.05, "latency_ms": [1, 3]}"#);
        assert_eq!(c.error_rate.ppm(), 50_000);
        assert_eq!(c.timeout_ms, 10_000);
        assert!(serde_json::from_str::<FaultConfig>(r#"{"error_rate": 1.5}"#).is_err());
        assert!(serde_json::from_str::<FaultConfig>(r#"{"eror_rate": 0.1}"#).is_err());
    }

    #[test]
    fn same_seed_same_schedule_and_burst_comes_first() {
        let draw = |seed| {
            let f = Faults::default();
            f.set(config(&format!(
                r#"{{"seed": {seed}, "error_rate": 0.3, "lost_after_commit_rate": 0.3, "throttle_burst": 2}}"#
            )));
            (0..200).map(|i| f.decide(i % 2 == 0).0).collect::<Vec<_>>()
        };
        let a = draw(9);
        assert_eq!(a, draw(9));
        assert_ne!(a, draw(10));
        assert_eq!(&a[..2], &[FaultDecision::Throttle, FaultDecision::Throttle]);
        let lost_on_reads = a
            .iter()
            .enumerate()
            .any(|(i, d)| i % 2 == 1 && *d == FaultDecision::LostAfterCommit);
        assert!(!lost_on_reads, "lost-after-commit only ever hits writes");
        assert!(a.contains(&FaultDecision::ServerError));
    }

    #[test]
    fn cleared_plan_passes_everything() {
        let f = Faults::default();
        f.set(config(r#"{"error_rate": 1}"#));
        assert_eq!(f.decide(false).0, FaultDecision::ServerError);
        assert_eq!(f.counts().server_errors, 1);
        f.clear();
        assert_eq!(f.decide(true), (FaultDecision::Pass, Duration::ZERO));
    }
}
