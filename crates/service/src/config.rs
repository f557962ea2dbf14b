//! What the service is told: intervals, the tenants it keeps in sync and the webhook secrets.
//! Built by the caller from `[service]` (CONTRACTS.md); nothing here reads a file or the
//! environment.

use std::time::Duration;

use chrono::{DateTime, Days, FixedOffset, Local, NaiveTime, TimeZone, Utc};
use ledgerbridge_core::System;
use secrecy::SecretString;

/// One `[[tenants]]` block: the ServiceTitan tenant and the books company it syncs to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TenantKey {
    /// The ServiceTitan tenant id.
    pub tenant: String,
    /// QuickBooks or Xero.
    pub target: System,
    /// The QuickBooks realm id or the Xero tenant id (what webhooks name).
    pub company: String,
}

/// The time zone `full_pass_at` is read in.
#[derive(Clone, Copy, Debug)]
pub enum LocalZone {
    /// The machine's (`TZ`, `/etc/localtime`).
    System,
    /// A fixed offset (tests, and hosts that want one).
    Fixed(FixedOffset),
}

impl LocalZone {
    /// The first instant after `after` whose local time is `at` (a time skipped by a DST jump
    /// falls to the next day's).
    pub fn next_at(self, after: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
        match self {
            Self::System => next_in(&Local, after, at),
            Self::Fixed(offset) => next_in(&offset, after, at),
        }
    }
}

fn next_in<Z: TimeZone>(zone: &Z, after: DateTime<Utc>, at: NaiveTime) -> DateTime<Utc> {
    let mut day = after.with_timezone(zone).date_naive();
    // Two days ahead is always enough; the bound keeps a broken zone from looping.
    for _ in 0..3 {
        if let Some(candidate) = zone.from_local_datetime(&day.and_time(at)).earliest() {
            let candidate = candidate.with_timezone(&Utc);
            if candidate > after {
                return candidate;
            }
        }
        day = day + Days::new(1);
    }
    after + chrono::Duration::days(1)
}

/// How the service paces its runs (`[service]` in CONTRACTS.md, plus two constants).
#[derive(Clone, Debug)]
pub struct ServiceSettings {
    /// ServiceTitan's export feeds are read this often (`poll_seconds`).
    pub poll: Duration,
    /// The books' changes are read this often without a webhook (`books_poll_seconds`).
    pub books_poll: Duration,
    /// The daily full pass, local time (`full_pass_at`).
    pub full_pass_at: NaiveTime,
    /// The zone `full_pass_at` is read in.
    pub zone: LocalZone,
    /// Runs at once in this process (`concurrency`).
    pub concurrency: usize,
    /// How long a stop waits for runs in flight (`stop_seconds`).
    pub stop: Duration,
    /// A tenant whose last success is older than this makes `/readyz` say `stale`.
    pub stale_after: Duration,
    /// A books webhook wakes its tenant this long after the first notification of a burst, so
    /// the burst is one run.
    pub debounce: Duration,
    /// The longest wait between retries of a failing tenant.
    pub backoff_cap: Duration,
    /// Required as a bearer token for `/readyz` and `/metrics` from anywhere; without it they
    /// answer loopback clients only.
    pub metrics_token: Option<SecretString>,
    /// The webhook secrets; a system without one answers 404 on its webhook route.
    pub webhooks: WebhookSecrets,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(60),
            books_poll: Duration::from_secs(900),
            full_pass_at: NaiveTime::from_hms_opt(3, 0, 0).expect("valid time"),
            zone: LocalZone::System,
            concurrency: 4,
            stop: Duration::from_secs(20),
            stale_after: Duration::from_secs(3600),
            debounce: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(15 * 60),
            metrics_token: None,
            webhooks: WebhookSecrets::default(),
        }
    }
}

/// The secrets webhook signatures are checked with. Never logged (`SecretString`).
#[derive(Clone, Debug, Default)]
pub struct WebhookSecrets {
    /// QuickBooks: the app's verifier token (`intuit-signature`).
    pub quickbooks_verifier_token: Option<SecretString>,
    /// Xero: the webhook key (`x-xero-signature`).
    pub xero_webhook_key: Option<SecretString>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn the_full_pass_is_the_next_local_occurrence() {
        let zone = LocalZone::Fixed(FixedOffset::west_opt(6 * 3600).unwrap());
        let three = NaiveTime::from_hms_opt(3, 0, 0).unwrap();
        // 08:00 UTC is 02:00 in Chicago standard time: 03:00 local is an hour later.
        assert_eq!(
            zone.next_at(at("2026-12-08T08:00:00Z"), three),
            at("2026-12-08T09:00:00Z")
        );
        // Exactly at 03:00 local: the next one is tomorrow's.
        assert_eq!(
            zone.next_at(at("2026-12-08T09:00:00Z"), three),
            at("2026-12-09T09:00:00Z")
        );
        // 23:30 UTC on the 8th is 17:30 local on the 8th: 03:00 local on the 9th.
        assert_eq!(
            zone.next_at(at("2026-12-08T23:30:00Z"), three),
            at("2026-12-09T09:00:00Z")
        );
    }
}
