//! Xero's per-tenant budget: 60 calls a minute, 5,000 a day (1,000 on the Starter tier), 5 at
//! once (API facts §6).
//!
//! The minute is paced locally by the shared HTTP layer (a token bucket that never lets more
//! than 60 through in a minute) and a 429 for it is waited out there, honouring
//! `Retry-After`. The day is different: waiting it out inside a call would hang a run for
//! hours, and retrying against it burns what is left. So this module
//!
//! * reads `X-DayLimit-Remaining`, `X-MinLimit-Remaining` and `X-AppMinLimit-Remaining` from
//!   every answer ([`Budget`]);
//! * turns a 429 whose `Retry-After` is longer than a minute (only the day window asks for
//!   that) into "daily limit reached, resumes at …" ([`DailyLimit`]) and refuses every later
//!   call locally until then, without sending it;
//! * below a reserve of calls left today, sends each call once, with no automatic retry.
//!
//! The 429 response's own headers (`X-Rate-Limit-Problem: day`) do not reach the connector
//! through the shared layer's error, hence the `Retry-After` length rule; it is exact for the
//! documented windows (a minute window never asks for more than 60 s).

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use http::HeaderMap;
use ledgerbridge_connector::{ConnectorError, RemoteProblem};

/// The problem `kind` marking a daily-limit refusal.
const DAILY_KIND: &str = "xero:daily-limit";

/// The longest wait any window but the day asks for.
const MINUTE: Duration = Duration::from_secs(60);

/// What the last answer said about the tenant's budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    /// `X-DayLimit-Remaining`.
    pub day_remaining: Option<u32>,
    /// `X-MinLimit-Remaining`.
    pub minute_remaining: Option<u32>,
    /// `X-AppMinLimit-Remaining` (shared by every tenant of the app).
    pub app_minute_remaining: Option<u32>,
    /// When the day's budget comes back, once Xero refused a call for it.
    pub day_resumes_at: Option<DateTime<Utc>>,
}

impl Budget {
    fn observe(&mut self, headers: &HeaderMap) {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u32>().ok())
        };
        if let Some(day) = number("x-daylimit-remaining") {
            self.day_remaining = Some(day);
            if day > 0 {
                self.day_resumes_at = None;
            }
        }
        if let Some(minute) = number("x-minlimit-remaining") {
            self.minute_remaining = Some(minute);
        }
        if let Some(app) = number("x-appminlimit-remaining") {
            self.app_minute_remaining = Some(app);
        }
    }
}

/// "Daily limit reached, resumes at …": the day's calls are spent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DailyLimit {
    /// When Xero will take calls for this tenant again.
    pub resumes_at: DateTime<Utc>,
}

impl std::fmt::Display for DailyLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Xero daily limit reached for this organisation, resumes at {}",
            self.resumes_at.to_rfc3339_opts(SecondsFormat::Secs, true)
        )
    }
}

impl DailyLimit {
    /// The error a call gets: [`ConnectorError::RateLimited`] with the wait until
    /// `resumes_at` and this message as the problem's title. `status` is 429 when Xero said
    /// so, 0 when the call was refused locally without being sent.
    pub fn to_error(self, status: u16, now: DateTime<Utc>) -> ConnectorError {
        let wait = (self.resumes_at - now).to_std().unwrap_or(Duration::ZERO);
        ConnectorError::RateLimited {
            retry_after: Some(wait),
            problem: Some(Box::new(RemoteProblem {
                status,
                title: Some(self.to_string()),
                kind: Some(DAILY_KIND.to_owned()),
                ..RemoteProblem::default()
            })),
        }
    }

    /// The daily limit an error reports, if it is one: what the CLI prints instead of the
    /// generic "rate limited".
    pub fn from_error(error: &ConnectorError) -> Option<Self> {
        let ConnectorError::RateLimited {
            problem: Some(problem),
            ..
        } = error
        else {
            return None;
        };
        if problem.kind.as_deref() != Some(DAILY_KIND) {
            return None;
        }
        let title = problem.title.as_deref()?;
        let at = title.rsplit(' ').next()?;
        let resumes_at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
        Some(Self { resumes_at })
    }
}

/// The budget of one tenant, shared by every call of one connector.
#[derive(Debug)]
pub(crate) struct Limits {
    budget: Mutex<Budget>,
    reserve: u32,
}

impl Limits {
    pub(crate) fn new(reserve: u32) -> Self {
        Self {
            budget: Mutex::new(Budget::default()),
            reserve,
        }
    }

    pub(crate) fn budget(&self) -> Budget {
        *self.budget.lock().expect("budget poisoned")
    }

    /// Refuses a call locally while the day's budget is known to be spent.
    pub(crate) fn check(&self, now: DateTime<Utc>) -> Result<(), ConnectorError> {
        match self.budget().day_resumes_at {
            Some(at) if at > now => Err(DailyLimit { resumes_at: at }.to_error(0, now)),
            _ => Ok(()),
        }
    }

    /// Whether the shared layer may retry a failed call automatically.
    pub(crate) fn retries_allowed(&self) -> bool {
        self.budget()
            .day_remaining
            .is_none_or(|left| left > self.reserve)
    }

    pub(crate) fn observe(&self, headers: &HeaderMap) {
        self.budget
            .lock()
            .expect("budget poisoned")
            .observe(headers);
    }

    /// Recognises a refusal for the day and remembers when it ends.
    pub(crate) fn on_error(&self, error: ConnectorError, now: DateTime<Utc>) -> ConnectorError {
        let ConnectorError::RateLimited {
            retry_after: Some(wait),
            ..
        } = &error
        else {
            return error;
        };
        let day_spent = self.budget().day_remaining == Some(0);
        if *wait <= MINUTE && !day_spent {
            return error;
        }
        let resumes_at = now + chrono::Duration::from_std(*wait).unwrap_or(chrono::Duration::MAX);
        let mut budget = self.budget.lock().expect("budget poisoned");
        budget.day_remaining = Some(0);
        budget.day_resumes_at = Some(resumes_at);
        drop(budget);
        tracing::warn!(resumes_at = %resumes_at, "Xero daily limit reached");
        DailyLimit { resumes_at }.to_error(429, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn limited(secs: u64) -> ConnectorError {
        ConnectorError::RateLimited {
            retry_after: Some(Duration::from_secs(secs)),
            problem: None,
        }
    }

    #[test]
    fn a_long_retry_after_is_the_day_and_blocks_later_calls_until_it_ends() {
        let limits = Limits::new(10);
        let minute = limits.on_error(limited(42), now());
        assert!(DailyLimit::from_error(&minute).is_none());
        assert!(limits.check(now()).is_ok());

        let day = limits.on_error(limited(3_600), now());
        let limit = DailyLimit::from_error(&day).expect("recognised as the day");
        assert_eq!(limit.resumes_at, now() + chrono::Duration::hours(1));
        assert!(
            limit
                .to_string()
                .ends_with("resumes at 2026-11-29T11:00:00Z")
        );
        let refused = limits
            .check(now() + chrono::Duration::minutes(59))
            .unwrap_err();
        assert_eq!(refused.problem().map(|p| p.status), Some(0));
        assert_eq!(
            DailyLimit::from_error(&refused).map(|l| l.resumes_at),
            Some(limit.resumes_at)
        );
        assert!(limits.check(now() + chrono::Duration::minutes(61)).is_ok());
    }

    #[test]
    fn headers_feed_the_budget_and_the_reserve_stops_retries() {
        let limits = Limits::new(10);
        assert!(limits.retries_allowed(), "unknown budget: retry");
        let mut headers = HeaderMap::new();
        headers.insert("X-DayLimit-Remaining", HeaderValue::from_static("11"));
        headers.insert("X-MinLimit-Remaining", HeaderValue::from_static("59"));
        headers.insert("X-AppMinLimit-Remaining", HeaderValue::from_static("9999"));
        limits.observe(&headers);
        assert_eq!(
            limits.budget(),
            Budget {
                day_remaining: Some(11),
                minute_remaining: Some(59),
                app_minute_remaining: Some(9999),
                day_resumes_at: None,
            }
        );
        assert!(limits.retries_allowed());
        headers.insert("X-DayLimit-Remaining", HeaderValue::from_static("10"));
        limits.observe(&headers);
        assert!(!limits.retries_allowed());
        // A short wait with the day known spent is still the day.
        headers.insert("X-DayLimit-Remaining", HeaderValue::from_static("0"));
        limits.observe(&headers);
        assert!(DailyLimit::from_error(&limits.on_error(limited(30), now())).is_some());
    }
}
