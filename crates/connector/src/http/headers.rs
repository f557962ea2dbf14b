//! Reading what a response says about pacing (`Retry-After`, rate-limit headers) and about
//! itself (trace ids).

use std::time::Duration;

use chrono::{DateTime, Utc};
use http::HeaderMap;

/// Headers that carry a request or trace id, in order of preference. Covers the three
/// remotes and the common conventions; the body's `traceId` wins over all of them.
const TRACE_HEADERS: &[&str] = &[
    "x-trace-id",
    "traceparent",
    "x-request-id",
    "request-id",
    "x-correlation-id",
    "xero-correlation-id",
    "intuit_tid",
];

/// The remote's trace id from the response headers, when it sent one.
pub fn trace_id(headers: &HeaderMap) -> Option<String> {
    TRACE_HEADERS
        .iter()
        .find_map(|name| headers.get(*name))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `Retry-After` as a wait from `now`: delta-seconds (`"120"`) or an HTTP date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`). A date in the past means "now" (zero).
pub fn retry_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    parse_retry_after(value, now)
}

/// Parses one `Retry-After` value (see [`retry_after`]).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// What a response's rate-limit headers say, in either the IETF draft spelling
/// (`RateLimit-Remaining`, `RateLimit-Reset`) or the common `X-RateLimit-*` one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimitHint {
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// Time until the window resets.
    pub reset_after: Option<Duration>,
}

impl RateLimitHint {
    /// Reads the hint; `None` fields when a header is absent or unreadable.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let number = |names: &[&str]| {
            names
                .iter()
                .find_map(|n| headers.get(*n))
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let remaining = number(&["ratelimit-remaining", "x-ratelimit-remaining"]);
        // A reset value this large is an epoch timestamp, not a delta: we cannot trust our
        // clock against the remote's, so only deltas are used.
        let reset_after = number(&["ratelimit-reset", "x-ratelimit-reset"])
            .filter(|secs| *secs < 86_400)
            .map(Duration::from_secs);
        Self {
            remaining,
            reset_after,
        }
    }

    /// How long to hold further requests: until the reset when the window is used up.
    pub fn pause(&self) -> Option<Duration> {
        match (self.remaining, self.reset_after) {
            (Some(0), Some(reset)) if !reset.is_zero() => Some(reset),
            (Some(0), None) => Some(Duration::from_secs(1)),
            _ => None,
        }
    }
}

/// ServiceTitan's older 429 bodies put the wait in the title ("… try again in 12 seconds."):
/// the second-to-last word, as its own Python client reads it. Used only when no
/// `Retry-After` header came.
pub fn retry_after_from_title(title: &str) -> Option<Duration> {
    let words: Vec<&str> = title.split_whitespace().collect();
    let n = words.len();
    (n >= 2)
        .then(|| words[n - 2])
        .and_then(|w| w.parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:30Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")]), now),
            Some(Duration::from_secs(3))
        );
    }

    #[test]
    fn rate_limit_headers_pause_only_when_the_window_is_spent() {
        let spent = RateLimitHint::from_headers(&headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "2"),
        ]));
        assert_eq!(spent.pause(), Some(Duration::from_secs(2)));
        let left = RateLimitHint::from_headers(&headers(&[
            ("ratelimit-remaining", "5"),
            ("ratelimit-reset", "2"),
        ]));
        assert_eq!(left.pause(), None);
        let epoch = RateLimitHint::from_headers(&headers(&[
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000000"),
        ]));
        assert_eq!(epoch.reset_after, None);
        assert_eq!(epoch.pause(), Some(Duration::from_secs(1)));
    }

    #[test]
    fn title_wait_is_the_second_to_last_word() {
        assert_eq!(
            retry_after_from_title("Rate limit is exceeded. Try again in 12 seconds."),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            retry_after_from_title("Too many requests, retry in 12 seconds"),
            Some(Duration::from_secs(12))
        );
        assert_eq!(retry_after_from_title("Too Many Requests"), None);
    }

    #[test]
    fn trace_id_prefers_the_first_known_header() {
        let h = headers(&[("x-request-id", "r-1"), ("x-trace-id", "t-1")]);
        assert_eq!(trace_id(&h).as_deref(), Some("t-1"));
        assert_eq!(trace_id(&HeaderMap::new()), None);
    }
}
