//! `[service]` (how `watch` paces itself and where it listens) and the webhook secrets of
//! `[quickbooks]` / `[xero]` (CONTRACTS.md "Service mode").

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveTime;
use ledgerbridge_service::{LocalZone, ServiceSettings, WebhookSecrets};
use secrecy::SecretString;
use serde::Deserialize;

use super::{ConfigError, Settings, resolve};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct ServiceSection {
    /// Where `watch` serves webhooks, health and metrics.
    pub(crate) addr: SocketAddr,
    /// ServiceTitan's export feeds are read this often.
    pub(crate) poll_seconds: u64,
    /// The books' changes are read this often without a webhook.
    pub(crate) books_poll_seconds: u64,
    /// The daily full pass, local `HH:MM`.
    pub(crate) full_pass_at: String,
    /// Runs at once in this process.
    pub(crate) concurrency: usize,
    /// How long a stop waits for runs in flight.
    pub(crate) stop_seconds: u64,
    /// A tenant without a successful sync for this long makes `/readyz` say `stale`.
    pub(crate) stale_after_seconds: u64,
    /// The bearer token `/readyz` and `/metrics` require from anywhere; without one they
    /// answer loopback clients only.
    pub(crate) metrics_token: Option<SecretString>,
    pub(crate) metrics_token_file: Option<PathBuf>,
}

impl Default for ServiceSection {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8090)),
            poll_seconds: 60,
            books_poll_seconds: 900,
            full_pass_at: "03:00".to_owned(),
            concurrency: 4,
            stop_seconds: 20,
            stale_after_seconds: 3600,
            metrics_token: None,
            metrics_token_file: None,
        }
    }
}

fn invalid(message: String) -> ConfigError {
    ConfigError::Invalid(message)
}

/// A secret given inline or in a file (the file's text without its final newline). Both is
/// an error naming both keys.
pub(crate) fn secret(
    inline: Option<&SecretString>,
    file: Option<&Path>,
    key: &str,
) -> Result<Option<SecretString>, ConfigError> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(invalid(format!(
            "{key} and {key}_file are both set; keep one"
        ))),
        (Some(secret), None) => non_empty(secret.clone(), key).map(Some),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| invalid(format!("{key}_file {}: {e}", path.display())))?;
            let secret = SecretString::from(text.trim_end_matches(['\r', '\n']).to_owned());
            non_empty(secret, &format!("{key}_file {}", path.display())).map(Some)
        }
        (None, None) => Ok(None),
    }
}

/// An empty secret is refused: an HMAC under an empty key, or an empty bearer token, is one
/// anybody can produce (an unset variable in an environment file gives exactly that).
fn non_empty(secret: SecretString, key: &str) -> Result<SecretString, ConfigError> {
    use secrecy::ExposeSecret as _;
    if secret.expose_secret().trim().is_empty() {
        return Err(invalid(format!("{key} is empty")));
    }
    Ok(secret)
}

impl ServiceSection {
    pub(crate) fn resolve_paths(&mut self, dir: &Path) {
        if let Some(file) = self.metrics_token_file.as_mut() {
            resolve(dir, file);
        }
    }

    /// Checks what serde cannot: the time's format and the bounds.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        self.full_pass_time()?;
        for (key, value) in [
            ("service.poll_seconds", self.poll_seconds),
            ("service.books_poll_seconds", self.books_poll_seconds),
            ("service.stale_after_seconds", self.stale_after_seconds),
        ] {
            if value == 0 {
                return Err(invalid(format!("{key} = 0: expected at least 1")));
            }
        }
        if self.concurrency == 0 {
            return Err(invalid(
                "service.concurrency = 0: expected at least 1".to_owned(),
            ));
        }
        Ok(())
    }

    fn full_pass_time(&self) -> Result<NaiveTime, ConfigError> {
        NaiveTime::parse_from_str(&self.full_pass_at, "%H:%M").map_err(|_| {
            invalid(format!(
                "service.full_pass_at = {:?}: expected a local time as HH:MM (e.g. \"03:00\")",
                self.full_pass_at
            ))
        })
    }
}

impl Settings {
    /// What `watch` is told; reads the secret files.
    pub(crate) fn service_settings(&self) -> Result<ServiceSettings, ConfigError> {
        let s = &self.service;
        let quickbooks = self.quickbooks.as_ref();
        let xero = self.xero.as_ref();
        Ok(ServiceSettings {
            poll: Duration::from_secs(s.poll_seconds),
            books_poll: Duration::from_secs(s.books_poll_seconds),
            full_pass_at: s.full_pass_time()?,
            zone: LocalZone::System,
            concurrency: s.concurrency,
            stop: Duration::from_secs(s.stop_seconds),
            stale_after: Duration::from_secs(s.stale_after_seconds),
            metrics_token: secret(
                s.metrics_token.as_ref(),
                s.metrics_token_file.as_deref(),
                "service.metrics_token",
            )?,
            webhooks: WebhookSecrets {
                quickbooks_verifier_token: secret(
                    quickbooks.and_then(|q| q.webhook_verifier_token.as_ref()),
                    quickbooks.and_then(|q| q.webhook_verifier_token_file.as_deref()),
                    "quickbooks.webhook_verifier_token",
                )?,
                xero_webhook_key: secret(
                    xero.and_then(|x| x.webhook_key.as_ref()),
                    xero.and_then(|x| x.webhook_key_file.as_deref()),
                    "xero.webhook_key",
                )?,
            },
            ..ServiceSettings::default()
        })
    }

    /// Whether the settings hold a secret inline (so the config file's mode matters): an app's
    /// client or webhook secret, the metrics token, or an alert channel's URL or secret (a
    /// Slack webhook URL is a secret; an SMTP URL may carry a password). A value that came from
    /// an environment variable counts too: the warning errs on the side of saying it.
    pub(crate) fn holds_inline_secret(&self) -> bool {
        let apps = [self.quickbooks.as_ref(), self.xero.as_ref()];
        let channels = self
            .alerts
            .channels
            .iter()
            .any(|c| c.url.is_some() || c.smtp_url.is_some() || c.secret.is_some());
        channels
            || self.service.metrics_token.is_some()
            || apps.into_iter().flatten().any(|a| {
                a.client_secret.is_some()
                    || a.webhook_verifier_token.is_some()
                    || a.webhook_key.is_some()
            })
    }

    /// The webhook secret of the other system is refused by name (one struct holds both
    /// apps' keys).
    pub(crate) fn validate_webhook_keys(&self) -> Result<(), ConfigError> {
        if let Some(q) = &self.quickbooks
            && (q.webhook_key.is_some() || q.webhook_key_file.is_some())
        {
            return Err(invalid(
                "quickbooks.webhook_key: QuickBooks signs with a verifier token; use \
                 quickbooks.webhook_verifier_token"
                    .to_owned(),
            ));
        }
        if let Some(x) = &self.xero
            && (x.webhook_verifier_token.is_some() || x.webhook_verifier_token_file.is_some())
        {
            return Err(invalid(
                "xero.webhook_verifier_token: Xero signs with a webhook key; use xero.webhook_key"
                    .to_owned(),
            ));
        }
        Ok(())
    }
}
