//! When and how a failed call is tried again.
//!
//! The rule: only a call that is safe to repeat is repeated. A GET/PUT/DELETE, a PATCH that
//! sets fields, or a POST the remote deduplicates by an idempotency key may be sent again after
//! a timeout or a 5xx; anything else (a plain create) is sent once, and such a failure comes
//! back as [`ConnectorError`] for the caller to resolve (look the record up before creating it
//! again). A 429 is the exception that applies to every class: the remote refused the request
//! before running it, so sending it again cannot do anything twice. Delays grow exponentially
//! with full jitter, and a `Retry-After` from the remote replaces the computed delay.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

use crate::error::ConnectorError;

/// Whether a call may be sent more than once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Idempotency {
    /// Repeating it has the same effect as sending it once (reads, field-setting PATCHes,
    /// "mark as exported").
    Idempotent,
    /// Not idempotent by itself, but carries a key the remote deduplicates by (Xero
    /// `Idempotency-Key`, QBO `requestid`). The connector puts the key on the request.
    Keyed(String),
    /// Never repeated (creates without a key).
    NotIdempotent,
}

impl Idempotency {
    /// Whether the HTTP layer may send the call again after a failure that may have run on
    /// the remote (a timeout, a 5xx). A 429 is retried whatever this says (module docs).
    pub fn may_retry(&self) -> bool {
        !matches!(self, Self::NotIdempotent)
    }
}

/// How retries are spaced and bounded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: usize,
    /// First delay.
    pub min_delay: Duration,
    /// Longest computed delay.
    pub max_delay: Duration,
    /// Longest `Retry-After` we wait inside one call; a longer one is returned to the caller
    /// as [`ConnectorError::RateLimited`] so the run can say when it will resume.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 6,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The backon builder for this policy: exponential, jittered.
    pub fn backoff(&self) -> impl BackoffBuilder + use<> {
        ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_retries)
            .with_jitter()
    }

    /// Whether `error` on a call of class `idempotency` is tried again.
    pub fn should_retry(&self, idempotency: &Idempotency, error: &ConnectorError) -> bool {
        if !error.is_retryable() {
            return false;
        }
        // A 429 means the request did not run, so even a create without a key may go again;
        // a timeout or a 5xx may have run, so only a repeatable call does.
        let refused_before_running = matches!(error, ConnectorError::RateLimited { .. });
        if !refused_before_running && !idempotency.may_retry() {
            return false;
        }
        // A wait longer than we are willing to sit through goes back to the caller.
        error
            .retry_after()
            .is_none_or(|wait| wait <= self.max_retry_after)
    }

    /// The delay before the next attempt: the remote's `Retry-After` when it gave one (plus a
    /// little jitter so a crowd of callers does not return in the same millisecond), else the
    /// backoff's. `None` (backoff exhausted) stays `None`.
    pub fn adjust(&self, error: &ConnectorError, computed: Option<Duration>) -> Option<Duration> {
        let computed = computed?;
        match error.retry_after() {
            Some(wait) => Some(wait + jitter(self.min_delay)),
            None => Some(computed),
        }
    }
}

fn jitter(up_to: Duration) -> Duration {
    let max = u64::try_from(up_to.as_millis()).unwrap_or(u64::MAX).max(1);
    Duration::from_millis(rand::random_range(0..max))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transient() -> ConnectorError {
        ConnectorError::Transient {
            reason: "503".into(),
            problem: None,
            source: None,
        }
    }

    fn limited(secs: u64) -> ConnectorError {
        ConnectorError::RateLimited {
            retry_after: Some(Duration::from_secs(secs)),
            problem: None,
        }
    }

    #[test]
    fn only_repeatable_calls_are_retried_after_a_failure_that_may_have_run() {
        let policy = RetryPolicy::default();
        assert!(policy.should_retry(&Idempotency::Idempotent, &transient()));
        assert!(policy.should_retry(&Idempotency::Keyed("k".into()), &transient()));
        assert!(!policy.should_retry(&Idempotency::NotIdempotent, &transient()));
        let lost = ConnectorError::OutcomeUnknown {
            reason: "timed out".into(),
            source: None,
        };
        assert!(!policy.should_retry(&Idempotency::NotIdempotent, &lost));
        assert!(policy.should_retry(&Idempotency::Idempotent, &lost));
        let validation =
            ConnectorError::from_status(crate::error::RemoteProblem::status_only(400, None), None);
        assert!(!policy.should_retry(&Idempotency::Idempotent, &validation));
    }

    #[test]
    fn a_429_is_retried_for_every_class_because_it_did_not_run() {
        let policy = RetryPolicy::default();
        for class in [
            Idempotency::Idempotent,
            Idempotency::Keyed("k".into()),
            Idempotency::NotIdempotent,
        ] {
            assert!(policy.should_retry(&class, &limited(1)), "{class:?}");
            let unsaid = ConnectorError::RateLimited {
                retry_after: None,
                problem: None,
            };
            assert!(policy.should_retry(&class, &unsaid), "{class:?}");
            // ... but never past the longest wait we sit through.
            assert!(!policy.should_retry(&class, &limited(121)), "{class:?}");
        }
    }

    #[test]
    fn a_retry_after_beyond_the_cap_goes_back_to_the_caller() {
        let policy = RetryPolicy {
            max_retry_after: Duration::from_secs(60),
            ..RetryPolicy::default()
        };
        assert!(policy.should_retry(&Idempotency::Idempotent, &limited(60)));
        assert!(!policy.should_retry(&Idempotency::Idempotent, &limited(61)));
    }

    #[test]
    fn retry_after_replaces_the_computed_delay_but_never_extends_an_exhausted_backoff() {
        let policy = RetryPolicy::default();
        let d = policy
            .adjust(&limited(5), Some(Duration::from_millis(300)))
            .unwrap();
        assert!(d >= Duration::from_secs(5) && d < Duration::from_secs(5) + policy.min_delay);
        assert_eq!(
            policy.adjust(&transient(), Some(Duration::from_millis(300))),
            Some(Duration::from_millis(300))
        );
        assert_eq!(policy.adjust(&limited(5), None), None);
    }
}
