//! Signed webhooks: a JSON POST carrying `X-Ledgerbridge-Signature: t=<unix seconds>,v1=<hex
//! HMAC-SHA256 of "<t>.<raw body>">` (CONTRACTS.md), so a receiver can check who sent it and
//! refuse a replay by its age, and `Idempotency-Key: ledgerbridge-alert-<id>`, so it can drop
//! a retry it already took.

use hmac::{KeyInit, Mac};
use ledgerbridge_core::WallClock;
use secrecy::{ExposeSecret, SecretString};

use crate::ChannelError;
use crate::channel::{Alert, Channel, Delivered, http};

/// The signature header.
pub const SIGNATURE_HEADER: &str = "X-Ledgerbridge-Signature";

/// The signature header's value for `body` sent at unix time `t`.
pub fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// A signed JSON webhook.
#[derive(Clone)]
pub struct WebhookChannel {
    url: SecretString,
    secret: SecretString,
    clock: WallClock,
    http: reqwest::Client,
}

impl std::fmt::Debug for WebhookChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookChannel { url: [secret], secret: [secret] }")
    }
}

impl WebhookChannel {
    /// A channel posting to `url`, signing with `secret` at `clock`'s time.
    pub fn new(
        url: SecretString,
        secret: SecretString,
        clock: WallClock,
    ) -> Result<Self, ChannelError> {
        Ok(Self {
            url,
            secret,
            clock,
            http: http::client()?,
        })
    }

    /// The JSON body the receiver gets.
    pub fn payload(alert: &Alert) -> serde_json::Value {
        let pairs = |list: &[(String, String)], k: &str, v: &str| {
            list.iter()
                .map(|(a, b)| serde_json::json!({ k: a, v: b }))
                .collect::<Vec<_>>()
        };
        serde_json::json!({
            "id": alert.id,
            "rule": alert.rule,
            "tenant": alert.tenant,
            "subject": alert.subject,
            "created_at": alert.created_at,
            "title": alert.message.title,
            "text": alert.message.text,
            "fields": pairs(&alert.message.fields, "label", "value"),
            "links": pairs(&alert.message.links, "label", "url"),
            "command": alert.message.command,
        })
    }
}

impl Channel for WebhookChannel {
    async fn send(&self, alert: &Alert) -> Result<Delivered, ChannelError> {
        let body = serde_json::to_vec(&Self::payload(alert))
            .map_err(|e| ChannelError::Permanent(format!("alert JSON: {e}")))?;
        let t = self.clock.now().timestamp();
        let signature = sign(self.secret.expose_secret().as_bytes(), t, &body);
        let mut request = self
            .http
            .post(self.url.expose_secret())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature);
        if let Some(id) = alert.id {
            request = request.header("Idempotency-Key", format!("ledgerbridge-alert-{id}"));
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(http::request_error)?;
        http::answer(response).await
    }
}
