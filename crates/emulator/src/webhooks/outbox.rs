//! The delivery state machine, pure: no I/O, no timers, every decision takes the sandbox
//! clock's `now`. The emulators' workers drive it; tests drive it directly ("what is due at
//! time T") without sleeping.

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};

/// When a failed delivery is tried again: `steps[n-1]` seconds after the n-th consecutive
/// failure, then every `then_every` seconds; a delivery still failing `give_up_after` seconds
/// after its first failure is dropped (`None` = never give up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetrySchedule {
    pub steps: &'static [i64],
    pub then_every: i64,
    pub give_up_after: Option<i64>,
}

impl RetrySchedule {
    /// The wait after the `failures`-th consecutive failure (1-based; 0 is treated as 1).
    pub fn delay(&self, failures: u32) -> Duration {
        let index = failures.max(1) as usize - 1;
        Duration::seconds(self.steps.get(index).copied().unwrap_or(self.then_every))
    }

    /// Whether a delivery that first failed at `first_failure` is abandoned at `now`.
    pub fn gives_up(&self, first_failure: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.give_up_after
            .is_some_and(|limit| now - first_failure >= Duration::seconds(limit))
    }
}

/// The body being delivered (one POST), tried until it is acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    pub body: Vec<u8>,
    /// Consecutive failed tries of this body.
    pub failures: u32,
    /// When it may be (re)tried.
    pub due: DateTime<Utc>,
    pub first_failure: Option<DateTime<Utc>>,
}

/// What happened to a failed delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(DateTime<Utc>),
    GaveUp,
}

/// Changes waiting to be sent, coalesced per window, and the one body in flight. Bodies go
/// out strictly in order: nothing newer is sent until the head is acknowledged (Intuit: "you
/// may not receive subsequent events until you correctly acknowledge the first").
#[derive(Clone, Debug)]
pub struct Outbox<E> {
    window: Duration,
    max_batch: usize,
    schedule: RetrySchedule,
    pending: VecDeque<E>,
    window_opened: Option<DateTime<Utc>>,
    head: Option<Attempt>,
}

impl<E> Outbox<E> {
    /// `window`: how long changes are gathered, from the first one, before they go out as one
    /// POST; `max_batch`: the most events one POST carries.
    pub fn new(window: Duration, max_batch: usize, schedule: RetrySchedule) -> Self {
        Self {
            window,
            max_batch: max_batch.max(1),
            schedule,
            pending: VecDeque::new(),
            window_opened: None,
            head: None,
        }
    }

    /// Queues changes seen at `now`; the first one opens a window.
    pub fn push(&mut self, events: impl IntoIterator<Item = E>, now: DateTime<Utc>) {
        let before = self.pending.len();
        self.pending.extend(events);
        if self.pending.len() > before && self.window_opened.is_none() {
            self.window_opened = Some(now);
        }
    }

    /// The events of a closed window, when nothing is in flight: the caller renders them and
    /// hands the body to [`Outbox::start`]. Events beyond `max_batch` stay queued and are due
    /// at once (their window closed too).
    pub fn take_batch(&mut self, now: DateTime<Utc>) -> Option<Vec<E>> {
        if self.head.is_some() {
            return None;
        }
        let opened = self.window_opened?;
        if now < opened + self.window {
            return None;
        }
        let n = self.max_batch.min(self.pending.len());
        let batch: Vec<E> = self.pending.drain(..n).collect();
        if self.pending.is_empty() {
            self.window_opened = None;
        }
        Some(batch)
    }

    /// Puts a rendered body in flight, due at once.
    pub fn start(&mut self, body: Vec<u8>, now: DateTime<Utc>) {
        self.head = Some(Attempt {
            body,
            failures: 0,
            due: now,
            first_failure: None,
        });
    }

    /// The body to POST at `now`, if one is due.
    pub fn due(&self, now: DateTime<Utc>) -> Option<Vec<u8>> {
        self.head
            .as_ref()
            .filter(|a| a.due <= now)
            .map(|a| a.body.clone())
    }

    /// The receiver acknowledged the head.
    pub fn delivered(&mut self) {
        self.head = None;
    }

    /// The head failed at `now` (non-2xx, connection error, timeout).
    pub fn failed(&mut self, now: DateTime<Utc>) -> AfterFailure {
        let Some(head) = self.head.as_mut() else {
            return AfterFailure::GaveUp;
        };
        head.failures += 1;
        let first = *head.first_failure.get_or_insert(now);
        if self.schedule.gives_up(first, now) {
            self.head = None;
            return AfterFailure::GaveUp;
        }
        head.due = now + self.schedule.delay(head.failures);
        AfterFailure::RetryAt(head.due)
    }

    /// Forgets everything (the URL changed or was cleared).
    pub fn clear(&mut self) {
        self.pending.clear();
        self.window_opened = None;
        self.head = None;
    }

    pub fn head(&self) -> Option<&Attempt> {
        self.head.as_ref()
    }

    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEDULE: RetrySchedule = RetrySchedule {
        steps: &[10, 20, 30, 300],
        then_every: 21_600,
        give_up_after: None,
    };

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).expect("valid")
    }

    #[test]
    fn a_window_gathers_changes_into_one_batch() {
        let mut outbox = Outbox::new(Duration::seconds(1), 100, SCHEDULE);
        outbox.push([1, 2], t0());
        outbox.push([3], t0() + Duration::milliseconds(500));
        assert_eq!(outbox.take_batch(t0() + Duration::milliseconds(999)), None);
        assert_eq!(
            outbox.take_batch(t0() + Duration::seconds(1)),
            Some(vec![1, 2, 3])
        );
        assert_eq!(outbox.take_batch(t0() + Duration::seconds(5)), None);
    }

    #[test]
    fn a_big_window_is_split_and_nothing_overtakes_the_head() {
        let mut outbox = Outbox::new(Duration::seconds(1), 2, SCHEDULE);
        outbox.push([1, 2, 3], t0());
        let later = t0() + Duration::seconds(1);
        assert_eq!(outbox.take_batch(later), Some(vec![1, 2]));
        outbox.start(b"a".to_vec(), later);
        assert_eq!(outbox.take_batch(later), None, "the head is in flight");
        outbox.delivered();
        assert_eq!(outbox.take_batch(later), Some(vec![3]));
    }

    #[test]
    fn failures_follow_the_schedule_on_the_given_clock() {
        let mut outbox: Outbox<u8> = Outbox::new(Duration::seconds(1), 10, SCHEDULE);
        outbox.start(b"body".to_vec(), t0());
        assert_eq!(outbox.due(t0()), Some(b"body".to_vec()));
        let mut now = t0();
        for wait in [10, 20, 30, 300, 21_600, 21_600] {
            let AfterFailure::RetryAt(at) = outbox.failed(now) else {
                panic!("never gives up");
            };
            assert_eq!(at, now + Duration::seconds(wait));
            assert_eq!(outbox.due(at - Duration::milliseconds(1)), None);
            assert_eq!(outbox.due(at), Some(b"body".to_vec()));
            now = at;
        }
        outbox.delivered();
        assert_eq!(outbox.due(now + Duration::days(1)), None);
    }

    #[test]
    fn a_schedule_with_a_limit_gives_up() {
        let schedule = RetrySchedule {
            give_up_after: Some(60),
            ..SCHEDULE
        };
        let mut outbox: Outbox<u8> = Outbox::new(Duration::seconds(1), 10, schedule);
        outbox.start(b"x".to_vec(), t0());
        assert!(matches!(outbox.failed(t0()), AfterFailure::RetryAt(_)));
        assert_eq!(
            outbox.failed(t0() + Duration::seconds(60)),
            AfterFailure::GaveUp
        );
        assert!(outbox.head().is_none());
    }
}
