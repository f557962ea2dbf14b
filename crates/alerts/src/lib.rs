//! Alerts of ledgerbridge: tell the right people when the books need them.
//!
//! * **Rules** ([`RuleConfig`]) look at the ledger's durable state — open conflicts, failed
//!   runs, broken connections, writes given up, invoice snapshots (due dates and exact open
//!   balances) — plus what a run blocked ([`RunFacts`]), at an injected `now`.
//! * **Alerts are rows in the ledger** (migration 0011): the same condition on the same record
//!   raises one alert per channel until it clears, and again if it comes back. A row is
//!   committed before it is sent, so a crash loses nothing; see [`deliver`](crate::deliver)
//!   module docs for the at-least-once edge.
//! * **Channels** ([`Channel`]): [`SlackChannel`] (incoming webhook, Block Kit with a
//!   plain-text fallback, 429 `Retry-After` honoured), [`EmailChannel`] (SMTP via `lettre`,
//!   STARTTLS / implicit TLS / AUTH), [`WebhookChannel`] (JSON POST signed with
//!   `X-Ledgerbridge-Signature`). Failed sends are retried with capped exponential backoff;
//!   more than `max_per_hour` on one channel within an hour become one summary.
//!
//! # For `sync` and `watch`
//!
//! ```no_run
//! # async fn demo(ledger: ledgerbridge_ledger::Ledger, config: ledgerbridge_alerts::AlertsConfig)
//! # -> Result<(), ledgerbridge_alerts::AlertError> {
//! use ledgerbridge_alerts::{RunFacts, after_run, tick};
//! // After each run, once its data is committed (blocked records from the run's report):
//! let outcome = after_run(&ledger, &config, chrono::Utc::now(), &RunFacts::default()).await?;
//! println!("{} alert(s) raised, {} sent", outcome.raised, outcome.delivery.sent);
//! // Between runs (e.g. every minute in `watch`): the daily digest and due retries.
//! tick(&ledger, &config, chrono::Utc::now()).await?;
//! # Ok(()) }
//! ```
//!
//! Alert text names the customer and the invoice (that is its point); it is stored in the
//! ledger and sent, but never logged: logs carry alert ids only.

mod channel;
mod config;
mod deliver;
mod error;
mod message;
mod rules;

use chrono::{DateTime, Utc};
use ledgerbridge_core::WallClock;
use ledgerbridge_ledger::{Ledger, NewAlert};

pub use channel::{
    Alert, AnyChannel, Channel, Delivered, EmailChannel, SlackChannel, WebhookChannel, sign,
};
pub use config::{
    AlertsConfig, ChannelConfig, ChannelKind, LinkBases, RuleConfig, RuleKind, SmtpSettings,
    SmtpTls, is_loopback, parse_duration,
};
pub use deliver::{Delivery, MAX_ATTEMPTS, retry_at};
pub use error::{AlertError, ChannelError};
pub use message::Message;
pub use rules::{BlockedRecord, Condition, RunFacts};

pub use channel::SIGNATURE_HEADER;

/// What [`after_run`] or [`tick`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertsOutcome {
    /// New alerts recorded (one per condition and channel).
    pub raised: u32,
    /// What the delivery pass did.
    pub delivery: Delivery,
}

/// Evaluates every rule after a run (whose data must already be committed) and sends what is
/// due. Call it after each `sync` run and after each run inside `watch`.
pub async fn after_run(
    ledger: &Ledger,
    config: &AlertsConfig,
    now: DateTime<Utc>,
    run: &RunFacts,
) -> Result<AlertsOutcome, AlertError> {
    pass(ledger, config, now, Some(run)).await
}

/// Evaluates the rules that need no run (the daily digest, overdue invoices crossing their
/// day, connections) and sends what is due, retries included. `watch` calls it on its timer;
/// it is cheap when nothing changed.
pub async fn tick(
    ledger: &Ledger,
    config: &AlertsConfig,
    now: DateTime<Utc>,
) -> Result<AlertsOutcome, AlertError> {
    pass(ledger, config, now, None).await
}

/// Whether a `digest` rule's time has come today without its digest recorded yet: `watch`
/// may call [`tick`] only when this or a retry is due.
pub async fn digest_due(
    ledger: &Ledger,
    config: &AlertsConfig,
    now: DateTime<Utc>,
) -> Result<bool, AlertError> {
    let local = now.with_timezone(&config.local_offset);
    for rule in &config.rules {
        if let RuleKind::Digest { at } = rule.on
            && local.time() >= at
        {
            let key = format!("digest:{}", local.date_naive());
            let recorded = ledger.alerts().list(500).await?;
            if !recorded
                .iter()
                .any(|a| a.rule_key == rule.key() && a.condition_key == key)
            {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

async fn pass(
    ledger: &Ledger,
    config: &AlertsConfig,
    now: DateTime<Utc>,
    run: Option<&RunFacts>,
) -> Result<AlertsOutcome, AlertError> {
    let raised = evaluate(ledger, config, now, run).await?;
    let channels = build_channels(config, now);
    let delivery = deliver::deliver(ledger, &channels, config.max_per_hour, now).await?;
    Ok(AlertsOutcome { raised, delivery })
}

/// Records an alert for each new condition of each rule on each of its channels, and clears
/// the alerts whose condition no longer holds. Returns how many it recorded.
pub async fn evaluate(
    ledger: &Ledger,
    config: &AlertsConfig,
    now: DateTime<Utc>,
    run: Option<&RunFacts>,
) -> Result<u32, AlertError> {
    let mut raised = 0;
    for rule in &config.rules {
        let Some(found) = rules::conditions(ledger, config, rule, now, run).await? else {
            continue;
        };
        let rule_key = rule.key();
        let mut keys: Vec<String> = found.alerting.iter().map(|c| c.key.clone()).collect();
        keys.extend(found.unjudged);
        ledger.alerts().clear_absent(&rule_key, &keys).await?;
        for condition in &found.alerting {
            let message = serde_json::to_value(&condition.message).unwrap_or_default();
            for channel in &rule.channels {
                let new = NewAlert {
                    rule: rule.on.name().to_owned(),
                    rule_key: rule_key.clone(),
                    condition_key: condition.key.clone(),
                    channel: channel.clone(),
                    tenant: condition.tenant.clone(),
                    subject: condition.subject.clone(),
                    message: message.clone(),
                };
                if let Some(alert) = ledger.alerts().raise(&new).await? {
                    tracing::info!(alert = alert.id, rule = %alert.rule, channel = %alert.channel, "alert recorded");
                    raised += 1;
                }
            }
        }
    }
    Ok(raised)
}

/// Each configured channel, built (a channel that cannot be built fails its alerts).
fn build_channels(
    config: &AlertsConfig,
    now: DateTime<Utc>,
) -> Vec<(String, Result<AnyChannel, ChannelError>)> {
    let clock = WallClock::new(move || now);
    config
        .channels
        .iter()
        .map(|c| (c.name.clone(), AnyChannel::build(c, &clock)))
        .collect()
}

/// `alerts test [--channel NAME]`: sends a test message to one channel (or each) and returns
/// what each remote answered. Records nothing.
pub async fn send_test(
    config: &AlertsConfig,
    only: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Result<Delivered, ChannelError>)>, AlertError> {
    if let Some(name) = only
        && !config.channels.iter().any(|c| c.name == name)
    {
        return Err(AlertError::UnknownChannel(name.to_owned()));
    }
    let alert = Alert {
        id: None,
        rule: "test".to_owned(),
        tenant: None,
        subject: "ledgerbridge test alert".to_owned(),
        message: Message::new(
            "ledgerbridge test alert",
            "If you can read this, alerts reach this channel.",
        )
        .command("ledgerbridge alerts list"),
        created_at: now,
    };
    let mut answers = Vec::new();
    for (name, channel) in build_channels(config, now) {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let answer = match channel {
            Ok(channel) => channel.send(&alert).await,
            Err(error) => Err(error),
        };
        answers.push((name, answer));
    }
    Ok(answers)
}
