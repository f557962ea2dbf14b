//! Channels: where alerts go. Each kind is a config struct ([`crate::ChannelConfig`]) plus an
//! implementation of [`Channel`]; [`AnyChannel`] builds the right one from the config.

mod email;
mod http;
mod slack;
mod webhook;

use std::future::Future;

use chrono::{DateTime, Utc};
use ledgerbridge_core::WallClock;

pub use email::EmailChannel;
pub use slack::SlackChannel;
pub use webhook::{SIGNATURE_HEADER, WebhookChannel, sign};

use crate::{ChannelConfig, ChannelError, ChannelKind, Message};

/// One alert as a channel sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    /// Its ledger id (`None` for `alerts test`): the webhook's `Idempotency-Key` and the
    /// email's `Message-ID`, so a receiver can drop a retry it already has.
    pub id: Option<i64>,
    /// The rule's `on`, `summary` or `test`.
    pub rule: String,
    /// The ServiceTitan tenant.
    pub tenant: Option<String>,
    /// One line (the email subject, Slack's notification text).
    pub subject: String,
    /// The content.
    pub message: Message,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl Alert {
    /// The alert stored in the ledger (a message that does not parse is sent as its subject).
    pub fn from_stored(stored: &ledgerbridge_ledger::Alert) -> Self {
        let message = serde_json::from_value(stored.message.clone())
            .unwrap_or_else(|_| Message::new(stored.subject.clone(), String::new()));
        Self {
            id: Some(stored.id),
            rule: stored.rule.clone(),
            tenant: stored.tenant.clone(),
            subject: stored.subject.clone(),
            message,
            created_at: stored.created_at,
        }
    }
}

/// What the remote answered when it took a message (`alerts test` prints it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivered {
    /// E.g. `HTTP 200 ok` or `250 2.0.0 queued as 1A2B`.
    pub answer: String,
}

/// A place alerts go.
pub trait Channel: Send + Sync {
    /// Sends one alert. Never logs the alert text or the channel's secret.
    fn send(&self, alert: &Alert) -> impl Future<Output = Result<Delivered, ChannelError>> + Send;
}

/// A configured channel of any kind.
#[derive(Clone, Debug)]
pub enum AnyChannel {
    /// Slack incoming webhook.
    Slack(SlackChannel),
    /// SMTP.
    Email(Box<EmailChannel>),
    /// Signed JSON POST.
    Webhook(WebhookChannel),
}

impl AnyChannel {
    /// Builds the channel `config` describes. `clock` stamps webhook signatures.
    pub fn build(config: &ChannelConfig, clock: &WallClock) -> Result<Self, ChannelError> {
        Ok(match &config.kind {
            ChannelKind::Slack { url } => Self::Slack(SlackChannel::new(url.clone())?),
            ChannelKind::Email { smtp, from, to } => {
                Self::Email(Box::new(EmailChannel::new(smtp, from, to)?))
            }
            ChannelKind::Webhook { url, secret } => Self::Webhook(WebhookChannel::new(
                url.clone(),
                secret.clone(),
                clock.clone(),
            )?),
        })
    }
}

impl Channel for AnyChannel {
    async fn send(&self, alert: &Alert) -> Result<Delivered, ChannelError> {
        match self {
            Self::Slack(c) => c.send(alert).await,
            Self::Email(c) => c.send(alert).await,
            Self::Webhook(c) => c.send(alert).await,
        }
    }
}
