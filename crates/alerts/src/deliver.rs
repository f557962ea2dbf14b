//! Delivery: each channel's due alerts, oldest first, with capped backoff and storm summaries.
//!
//! The alert row is the outbox: it is committed before the send, claimed by the pass that sends
//! it (so two processes never send it both), and marked sent after. A crash after the remote
//! took the message and before the row was marked sends it again once the claim expires:
//! delivery is at least once. Webhooks carry `Idempotency-Key` and emails a stable
//! `Message-ID` so a receiver can drop the repeat; a Slack incoming webhook has no such key, so
//! in that narrow window Slack may show a message twice.

use chrono::{DateTime, Utc};
use ledgerbridge_ledger::{Alert as StoredAlert, Ledger, NewAlert};

use crate::channel::{Alert, AnyChannel, Channel};
use crate::{AlertError, ChannelError, Message};

/// After this many failed attempts an alert is given up (it stays `failed` in `alerts list`).
pub const MAX_ATTEMPTS: i64 = 12;
/// The first retry waits this long; each further one twice as long, up to an hour.
const FIRST_BACKOFF_SECS: i64 = 60;
/// The cap of the backoff.
const MAX_BACKOFF_SECS: i64 = 3600;
/// How long a delivery pass holds the alerts it claimed; a pass that dies leaves them to be
/// claimed again after this (and sent again if the remote had taken them: at least once).
const CLAIM_SECS: i64 = 300;

/// What one delivery pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Messages the channels took (a storm summary counts once).
    pub sent: u32,
    /// Attempts that failed (retried later unless given up).
    pub failed: u32,
    /// Alerts folded into storm summaries.
    pub summarized: u32,
}

/// When an alert that failed `attempts` times is tried again (`None`: given up).
pub fn retry_at(now: DateTime<Utc>, attempts: i64, error: &ChannelError) -> Option<DateTime<Utc>> {
    if !error.is_retryable() || attempts >= MAX_ATTEMPTS {
        return None;
    }
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 16)).unwrap_or(16);
    let backoff = FIRST_BACKOFF_SECS
        .saturating_mul(1_i64 << exponent)
        .min(MAX_BACKOFF_SECS);
    let wait = match error {
        ChannelError::RateLimited { retry_after } => {
            i64::try_from(retry_after.as_secs()).unwrap_or(MAX_BACKOFF_SECS)
        }
        _ => backoff,
    };
    Some(now + chrono::Duration::seconds(wait))
}

/// Sends what is due on every channel.
pub(crate) async fn deliver(
    ledger: &Ledger,
    channels: &[(String, Result<AnyChannel, ChannelError>)],
    max_per_hour: u32,
    now: DateTime<Utc>,
) -> Result<Delivery, AlertError> {
    let mut delivery = Delivery::default();
    let hold_until = now + chrono::Duration::seconds(CLAIM_SECS);
    for (name, channel) in channels {
        let due = ledger.alerts().claim(name, now, hold_until).await?;
        if due.is_empty() {
            continue;
        }
        let hour_ago = now - chrono::Duration::hours(1);
        let sent = ledger.alerts().sent_since(name, hour_ago).await?;
        let budget = usize::try_from(i64::from(max_per_hour) - sent).unwrap_or(0);
        let batch = if due.len() <= budget {
            due
        } else if budget == 0 {
            // The hour's budget is spent: they wait, and a later pass summarises them.
            let ids: Vec<i64> = due.iter().map(|a| a.id).collect();
            ledger.alerts().release(&ids).await?;
            continue;
        } else {
            let (keep, rest) = due.split_at(budget - 1);
            let summary = summarize(ledger, name, rest, hold_until).await?;
            delivery.summarized += u32::try_from(rest.len()).unwrap_or(u32::MAX);
            keep.iter().cloned().chain([summary]).collect()
        };
        let channel = match channel {
            Ok(channel) => channel,
            Err(error) => {
                for alert in &batch {
                    ledger
                        .alerts()
                        .mark_failed(alert.id, &error.to_string(), None)
                        .await?;
                    delivery.failed += 1;
                }
                continue;
            }
        };
        send_batch(ledger, channel, &batch, now, &mut delivery).await?;
    }
    Ok(delivery)
}

async fn send_batch(
    ledger: &Ledger,
    channel: &AnyChannel,
    batch: &[StoredAlert],
    now: DateTime<Utc>,
    delivery: &mut Delivery,
) -> Result<(), AlertError> {
    for (i, stored) in batch.iter().enumerate() {
        match channel.send(&Alert::from_stored(stored)).await {
            Ok(_) => {
                ledger.alerts().mark_sent(stored.id).await?;
                delivery.sent += 1;
            }
            Err(error) => {
                let retry = retry_at(now, stored.attempts + 1, &error);
                ledger
                    .alerts()
                    .mark_failed(stored.id, &error.to_string(), retry)
                    .await?;
                delivery.failed += 1;
                // The error may name a recipient (an SMTP refusal): it is on the alert's row
                // (`alerts list`), not in the log.
                tracing::warn!(
                    alert = stored.id,
                    retryable = error.is_retryable(),
                    "alert not delivered"
                );
                // A channel that is down or throttling is not hammered with the rest; they
                // stay due for the next pass.
                if error.is_retryable() {
                    let rest: Vec<i64> = batch[i + 1..].iter().map(|a| a.id).collect();
                    ledger.alerts().release(&rest).await?;
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Folds `rest` into one summary alert on `channel`.
async fn summarize(
    ledger: &Ledger,
    channel: &str,
    rest: &[StoredAlert],
    hold_until: DateTime<Utc>,
) -> Result<StoredAlert, AlertError> {
    let subject = format!("{} more alerts (more than the hourly limit)", rest.len());
    let mut message = Message::new(
        subject.clone(),
        "Too many alerts at once for this channel; here they are in one message. \
         `ledgerbridge alerts list` shows each.",
    );
    for alert in rest.iter().take(25) {
        message = message.field(
            format!("#{} {}", alert.id, alert.rule),
            alert.subject.clone(),
        );
    }
    let first = rest.first().map_or(0, |a| a.id);
    let last = rest.last().map_or(0, |a| a.id);
    let summary = NewAlert {
        rule: "summary".to_owned(),
        rule_key: "summary".to_owned(),
        condition_key: format!("summary:{first}-{last}"),
        channel: channel.to_owned(),
        tenant: None,
        subject,
        message: serde_json::to_value(&message).unwrap_or_default(),
    };
    let ids: Vec<i64> = rest.iter().map(|a| a.id).collect();
    Ok(ledger
        .alerts()
        .summarize(&summary, &ids, hold_until)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_gives_up() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let transient = ChannelError::Transient("HTTP 500".into());
        let wait = |attempts| retry_at(now, attempts, &transient).map(|t| (t - now).num_seconds());
        assert_eq!(wait(1), Some(60));
        assert_eq!(wait(2), Some(120));
        assert_eq!(wait(8), Some(3600));
        assert_eq!(wait(MAX_ATTEMPTS), None);
        let permanent = ChannelError::Permanent("HTTP 404 no_service".into());
        assert_eq!(retry_at(now, 1, &permanent), None);
        let limited = ChannelError::RateLimited {
            retry_after: std::time::Duration::from_secs(7),
        };
        assert_eq!(
            retry_at(now, 1, &limited).map(|t| (t - now).num_seconds()),
            Some(7)
        );
    }
}
