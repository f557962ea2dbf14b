//! Slack incoming webhooks: Block Kit with a plain-text `text` fallback (what notifications
//! and screen readers show); a 429's `Retry-After` is honoured by the delivery pass.

use secrecy::{ExposeSecret, SecretString};

use crate::ChannelError;
use crate::channel::{Alert, Channel, Delivered, http};

/// A Slack incoming webhook.
#[derive(Clone)]
pub struct SlackChannel {
    url: SecretString,
    http: reqwest::Client,
}

impl std::fmt::Debug for SlackChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SlackChannel { url: [secret] }")
    }
}

impl SlackChannel {
    /// A channel posting to `url` (`https://hooks.slack.com/services/...`).
    pub fn new(url: SecretString) -> Result<Self, ChannelError> {
        Ok(Self {
            url,
            http: http::client()?,
        })
    }

    /// The JSON body Slack receives.
    pub fn payload(alert: &Alert) -> serde_json::Value {
        serde_json::json!({
            "text": format!("{}\n{}", alert.subject, alert.message.plain_text()),
            "blocks": alert.message.slack_blocks(),
        })
    }
}

impl Channel for SlackChannel {
    async fn send(&self, alert: &Alert) -> Result<Delivered, ChannelError> {
        let response = self
            .http
            .post(self.url.expose_secret())
            .json(&Self::payload(alert))
            .send()
            .await
            .map_err(http::request_error)?;
        http::answer(response).await
    }
}
