//! When each tenant runs, and what a run pulls: a value with no clock and no I/O. Given "now"
//! it says what is due ([`TenantSchedule::due`]) and when to look again
//! ([`TenantSchedule::next_wake`]); told how a run went ([`TenantSchedule::finished`]) it moves
//! its deadlines. The service loop only sleeps until the next wake.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::ServiceSettings;

/// What one run pulls. Whatever the scope, the engine settles what earlier runs left
/// unfinished first (recovery is level-triggered, not scoped).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunScope {
    /// ServiceTitan's export feeds (customers, invoices, payments) from their cursors.
    pub servicetitan: bool,
    /// The books' changes (invoices edited there, payments recorded there) from their cursors.
    pub books: bool,
    /// Both sides read from the start instead of their cursors: the daily pass that re-checks
    /// every linked record.
    pub full: bool,
}

impl RunScope {
    /// Both sides from their cursors: the first run of a tenant, and what `sync` does.
    pub const BOTH: Self = Self {
        servicetitan: true,
        books: true,
        full: false,
    };

    /// A name for logs and metrics: `full`, `both`, `servicetitan` or `books`.
    pub fn label(self) -> &'static str {
        match (self.full, self.servicetitan, self.books) {
            (true, _, _) => "full",
            (false, true, true) => "both",
            (false, true, false) => "servicetitan",
            _ => "books",
        }
    }
}

/// How a run ended, as far as the schedule cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ran {
    /// It synced its scope (conflicts waiting for a person included: that is not a failure).
    Ok,
    /// It failed: the tenant backs off.
    Failed,
    /// Another process holds the tenant's lease: try again after one poll interval, without
    /// counting a failure.
    Busy,
}

/// One tenant's deadlines (see the module docs).
#[derive(Clone, Debug)]
pub struct TenantSchedule {
    next_servicetitan: DateTime<Utc>,
    next_books: DateTime<Utc>,
    next_full: DateTime<Utc>,
    /// The first and the latest books webhook of the burst not yet served by a run that
    /// started after it arrived.
    webhook: Option<(DateTime<Utc>, DateTime<Utc>)>,
    failures: u32,
    /// Set after a failure (or a busy lease): nothing runs before it.
    retry_at: Option<DateTime<Utc>>,
}

impl TenantSchedule {
    /// A tenant seen for the first time at `now`: both sides are due at once (a restart
    /// resumes from durable state), the full pass at the next `full_pass_at`.
    pub fn new(now: DateTime<Utc>, settings: &ServiceSettings) -> Self {
        Self {
            next_servicetitan: now,
            next_books: now,
            next_full: settings.zone.next_at(now, settings.full_pass_at),
            webhook: None,
            failures: 0,
            retry_at: None,
        }
    }

    /// What a run started at `now` should pull, if anything is due.
    pub fn due(&self, now: DateTime<Utc>, settings: &ServiceSettings) -> Option<RunScope> {
        if self.retry_at.is_some_and(|at| at > now) {
            return None;
        }
        let full = self.next_full <= now;
        let webhook = self
            .webhook
            .is_some_and(|(first, _)| first + settings.debounce <= now);
        let scope = RunScope {
            servicetitan: full || self.next_servicetitan <= now,
            books: full || webhook || self.next_books <= now,
            full,
        };
        (scope.servicetitan || scope.books).then_some(scope)
    }

    /// When [`TenantSchedule::due`] may next say something new.
    pub fn next_wake(&self, settings: &ServiceSettings) -> DateTime<Utc> {
        if let Some(at) = self.retry_at {
            return at;
        }
        let deadlines = [
            Some(self.next_servicetitan),
            Some(self.next_books),
            Some(self.next_full),
            self.webhook.map(|(first, _)| first + settings.debounce),
        ];
        deadlines
            .into_iter()
            .flatten()
            .min()
            .expect("three deadlines are always set")
    }

    /// A books webhook named this tenant at `at`; a burst counts from its first notification.
    pub fn webhook(&mut self, at: DateTime<Utc>) {
        let (first, latest) = self.webhook.get_or_insert((at, at));
        *first = (*first).min(at);
        *latest = (*latest).max(at);
    }

    /// Failures in a row (0 after a success).
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Records a run of `scope` that started at `started` and ended at `ended`.
    pub fn finished(
        &mut self,
        scope: RunScope,
        started: DateTime<Utc>,
        ended: DateTime<Utc>,
        ran: Ran,
        settings: &ServiceSettings,
    ) {
        match ran {
            Ran::Ok => {
                self.failures = 0;
                self.retry_at = None;
                if scope.servicetitan {
                    self.next_servicetitan = ended + settings.poll;
                }
                if scope.books {
                    self.next_books = ended + settings.books_poll;
                    // A notification that came during the run may name a change the run's
                    // read of the books had already passed: it stays due.
                    self.webhook = self
                        .webhook
                        .filter(|(_, latest)| *latest > started)
                        .map(|(_, latest)| (latest, latest));
                }
                if scope.full {
                    self.next_full = settings.zone.next_at(ended, settings.full_pass_at);
                }
            }
            Ran::Failed => {
                self.failures = self.failures.saturating_add(1);
                self.retry_at = Some(ended + backoff(self.failures, settings));
            }
            Ran::Busy => self.retry_at = Some(ended + settings.poll),
        }
    }
}

/// The wait after `failures` failures in a row: the poll interval (at least a second),
/// doubling, capped at `backoff_cap`.
pub fn backoff(failures: u32, settings: &ServiceSettings) -> Duration {
    let base = settings.poll.max(Duration::from_secs(1));
    let doublings = failures.saturating_sub(1).min(20);
    base.saturating_mul(1 << doublings)
        .min(settings.backoff_cap.max(base))
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, NaiveTime};

    use super::*;
    use crate::config::LocalZone;

    fn settings() -> ServiceSettings {
        ServiceSettings {
            poll: Duration::from_secs(60),
            books_poll: Duration::from_secs(900),
            full_pass_at: NaiveTime::from_hms_opt(3, 0, 0).unwrap(),
            zone: LocalZone::Fixed(FixedOffset::east_opt(0).unwrap()),
            debounce: Duration::from_secs(2),
            backoff_cap: Duration::from_secs(600),
            ..ServiceSettings::default()
        }
    }

    fn t(seconds: i64) -> DateTime<Utc> {
        // 2026-12-08T10:00:00Z + seconds
        DateTime::from_timestamp(1_796_724_000 + seconds, 0).unwrap()
    }

    const ST: RunScope = RunScope {
        servicetitan: true,
        books: false,
        full: false,
    };
    const BOOKS: RunScope = RunScope {
        servicetitan: false,
        books: true,
        full: false,
    };

    #[test]
    fn first_both_sides_then_servicetitan_every_poll_and_the_books_every_books_poll() {
        let s = settings();
        let mut schedule = TenantSchedule::new(t(0), &s);
        assert_eq!(schedule.due(t(0), &s), Some(RunScope::BOTH));
        schedule.finished(RunScope::BOTH, t(0), t(5), Ran::Ok, &s);
        assert_eq!(schedule.due(t(6), &s), None);
        assert_eq!(schedule.next_wake(&s), t(65));
        assert_eq!(schedule.due(t(65), &s), Some(ST));
        schedule.finished(ST, t(65), t(66), Ran::Ok, &s);
        assert_eq!(schedule.next_wake(&s), t(126));
        // The books' safety poll: 900 s after the first run ended.
        let mut now = t(126);
        while now < t(905) {
            assert_eq!(schedule.due(now, &s), Some(ST));
            schedule.finished(ST, now, now, Ran::Ok, &s);
            now = schedule.next_wake(&s);
        }
        assert_eq!(now, t(905));
        assert_eq!(schedule.due(now, &s), Some(BOOKS));
    }

    #[test]
    fn a_webhook_burst_is_one_books_run_after_the_debounce() {
        let s = settings();
        let mut schedule = TenantSchedule::new(t(0), &s);
        schedule.finished(RunScope::BOTH, t(0), t(1), Ran::Ok, &s);
        schedule.webhook(t(10));
        schedule.webhook(t(11));
        assert_eq!(schedule.due(t(11), &s), None, "still inside the debounce");
        assert_eq!(schedule.next_wake(&s), t(12));
        assert_eq!(schedule.due(t(12), &s), Some(BOOKS));
        // One more notification while that run is in flight: it stays due.
        schedule.webhook(t(13));
        schedule.finished(BOOKS, t(12), t(14), Ran::Ok, &s);
        assert_eq!(schedule.due(t(14), &s), None, "its own debounce");
        assert_eq!(schedule.due(t(15), &s), Some(BOOKS));
        schedule.finished(BOOKS, t(15), t(16), Ran::Ok, &s);
        assert_eq!(
            schedule.due(t(17), &s),
            None,
            "served by a run that started after it"
        );
    }

    #[test]
    fn failures_back_off_doubling_to_the_cap_and_a_success_resets() {
        let s = settings();
        let mut schedule = TenantSchedule::new(t(0), &s);
        let mut waits = Vec::new();
        let mut now = t(0);
        for _ in 0..6 {
            let scope = schedule.due(now, &s).expect("due after its backoff");
            assert_eq!(
                scope,
                RunScope::BOTH,
                "a retry covers what the failure left"
            );
            schedule.finished(scope, now, now, Ran::Failed, &s);
            assert_eq!(schedule.due(now, &s), None);
            let next = schedule.next_wake(&s);
            waits.push((next - now).num_seconds());
            now = next;
        }
        assert_eq!(waits, [60, 120, 240, 480, 600, 600]);
        assert_eq!(schedule.failures(), 6);
        schedule.finished(RunScope::BOTH, now, now, Ran::Ok, &s);
        assert_eq!(schedule.failures(), 0);
        assert_eq!(schedule.next_wake(&s), now + Duration::from_secs(60));
    }

    #[test]
    fn a_busy_lease_waits_one_poll_and_is_not_a_failure() {
        let s = settings();
        let mut schedule = TenantSchedule::new(t(0), &s);
        schedule.finished(RunScope::BOTH, t(0), t(0), Ran::Busy, &s);
        assert_eq!(schedule.failures(), 0);
        assert_eq!(schedule.due(t(59), &s), None);
        assert_eq!(schedule.due(t(60), &s), Some(RunScope::BOTH));
    }

    #[test]
    fn the_daily_full_pass_reads_both_sides_from_the_start() {
        let s = settings();
        let mut schedule = TenantSchedule::new(t(0), &s);
        schedule.finished(RunScope::BOTH, t(0), t(0), Ran::Ok, &s);
        // 10:00 UTC now; 03:00 UTC tomorrow is 17 hours on.
        let three = t(17 * 3600);
        let full = RunScope {
            servicetitan: true,
            books: true,
            full: true,
        };
        assert_eq!(schedule.due(three, &s), Some(full));
        assert_eq!(full.label(), "full");
        schedule.finished(full, three, three, Ran::Ok, &s);
        assert_eq!(schedule.due(three + Duration::from_secs(61), &s), Some(ST));
        assert_eq!(
            schedule.next_full,
            three + Duration::from_secs(24 * 3600),
            "the next one is a day later"
        );
    }
}
