//! Intent to receive: before its first delivery to a URL Xero POSTs a series of event-less
//! payloads, some signed with the webhook key and some not; the receiver passes when it
//! answers every correctly signed one with 200 and an empty body, and every other one with
//! 401. Until it passes, no event is sent and the series is repeated on [`ITR_SCHEDULE`].

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use ledgerbridge_emulator::webhooks::{self as hooks, RetrySchedule};

use super::{SIGNATURE_HEADER, WEBHOOK_KEY, payload};

/// When a failed series is run again (our choice; Xero documents none): soon at first, then
/// every minute, never giving up, so a receiver started after the sandbox is verified within
/// a minute of coming up.
pub const ITR_SCHEDULE: RetrySchedule = RetrySchedule {
    steps: &[10, 20, 30],
    then_every: 60,
    give_up_after: None,
};

/// Which probes of a series are correctly signed, in order.
pub const SERIES: [bool; 4] = [true, false, false, true];

/// The key the incorrectly signed probes are signed with.
const WRONG_KEY: &str = "not-the-webhook-key";

/// Where the handshake with the current URL stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Handshake {
    pub(super) passed: bool,
    pub(super) failures: u32,
    pub(super) due: DateTime<Utc>,
    pub(super) runs: u64,
}

impl Handshake {
    pub(super) fn new(now: DateTime<Utc>) -> Self {
        Self {
            passed: false,
            failures: 0,
            due: now,
            runs: 0,
        }
    }

    /// Records a series' outcome at `now`.
    pub(super) fn finished(&mut self, passed: bool, now: DateTime<Utc>) {
        self.runs += 1;
        if passed {
            self.passed = true;
            self.failures = 0;
        } else {
            self.failures += 1;
            self.due = now + ITR_SCHEDULE.delay(self.failures);
        }
    }
}

/// Runs one series against `url`; `Err` says which probe the receiver got wrong.
pub(super) async fn run_series(
    client: &reqwest::Client,
    url: &str,
    timeout: StdDuration,
) -> Result<(), String> {
    for (n, correctly_signed) in SERIES.into_iter().enumerate() {
        let body = payload::intent_to_receive();
        let key = if correctly_signed {
            WEBHOOK_KEY
        } else {
            WRONG_KEY
        };
        let signature = hooks::sign(key, &body);
        let answer = hooks::post(client, url, SIGNATURE_HEADER, &signature, body, timeout)
            .await
            .map_err(|e| format!("intent to receive probe {}: {e}", n + 1))?;
        let ok = if correctly_signed {
            answer.status == 200 && answer.body.is_empty()
        } else {
            answer.status == 401
        };
        if !ok {
            let expected = if correctly_signed {
                "200 with an empty body"
            } else {
                "401"
            };
            return Err(format!(
                "intent to receive probe {} ({} signed): answered {} ({} bytes), expected {expected}",
                n + 1,
                if correctly_signed {
                    "correctly"
                } else {
                    "incorrectly"
                },
                answer.status,
                answer.body.len()
            ));
        }
    }
    Ok(())
}
