//! `[alerts]`: channels and rules (CONTRACTS.md), read into `ledgerbridge_alerts`'s validated
//! [`AlertsConfig`]. Secrets stand inline or in a `*_file` (`url_file`, `smtp_url_file`,
//! `secret_file`) resolved against the config file's folder; every error names its key, e.g.
//! `alerts.rules[1].channels: unknown channel "x"`, and never repeats a secret.

use std::path::{Path, PathBuf};

use chrono::{NaiveTime, Offset as _};
use ledgerbridge_alerts::{
    AlertsConfig, ChannelConfig, ChannelKind, LinkBases, RuleConfig, RuleKind, SmtpSettings,
    parse_duration,
};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::ConfigError;

/// `[alerts]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertsSection {
    /// More per channel within an hour become one summary (default 30).
    pub(crate) max_per_hour: Option<u32>,
    #[serde(default)]
    pub(crate) channels: Vec<ChannelSection>,
    #[serde(default)]
    pub(crate) rules: Vec<RuleSection>,
}

/// One `[[alerts.channels]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChannelSection {
    pub(crate) name: String,
    pub(crate) kind: String,
    pub(crate) url: Option<SecretString>,
    pub(crate) url_file: Option<PathBuf>,
    pub(crate) smtp_url: Option<SecretString>,
    pub(crate) smtp_url_file: Option<PathBuf>,
    pub(crate) from: Option<String>,
    #[serde(default)]
    pub(crate) to: Vec<String>,
    pub(crate) secret: Option<SecretString>,
    pub(crate) secret_file: Option<PathBuf>,
}

/// One `[[alerts.rules]]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSection {
    pub(crate) on: String,
    pub(crate) channels: Vec<String>,
    pub(crate) tenants: Option<Vec<String>>,
    pub(crate) older_than: Option<String>,
    pub(crate) days: Option<u32>,
    pub(crate) min_balance: Option<String>,
    pub(crate) amount: Option<String>,
    pub(crate) at: Option<String>,
}

fn invalid(key: impl std::fmt::Display, message: impl std::fmt::Display) -> ConfigError {
    ConfigError::Invalid(format!("{key}: {message}"))
}

/// The secret inline or in its file (exactly one of them).
fn secret(
    key: &str,
    inline: Option<&SecretString>,
    file_key: &str,
    file: Option<&Path>,
) -> Result<Option<SecretString>, ConfigError> {
    match (inline, file) {
        (Some(_), Some(_)) => Err(invalid(key, format!("give {key} or {file_key}, not both"))),
        (Some(value), None) => Ok(Some(value.clone())),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| invalid(file_key, format!("{}: {e}", path.display())))?;
            let text = text.trim();
            if text.is_empty() {
                return Err(invalid(file_key, format!("{} is empty", path.display())));
            }
            Ok(Some(SecretString::from(text.to_owned())))
        }
        (None, None) => Ok(None),
    }
}

fn decimal(key: &str, text: &str) -> Result<Decimal, ConfigError> {
    let value: Decimal = text.trim().parse().map_err(|_| {
        invalid(
            key,
            format!("{text:?} is not a decimal amount (e.g. \"500.00\")"),
        )
    })?;
    if value.is_sign_negative() {
        return Err(invalid(key, "must not be negative"));
    }
    Ok(value)
}

impl AlertsSection {
    /// Makes every `*_file` absolute against the config file's folder.
    pub(crate) fn resolve_paths(&mut self, dir: &Path) {
        for channel in &mut self.channels {
            for file in [
                &mut channel.url_file,
                &mut channel.smtp_url_file,
                &mut channel.secret_file,
            ]
            .into_iter()
            .flatten()
            {
                if file.is_relative() {
                    *file = dir.join(&*file);
                }
            }
        }
    }

    /// The validated config (secret files read). `servicetitan_web` is
    /// `servicetitan.web_base`.
    pub(crate) fn build(
        &self,
        servicetitan_web: Option<&str>,
    ) -> Result<AlertsConfig, ConfigError> {
        let mut channels: Vec<ChannelConfig> = Vec::new();
        for (i, section) in self.channels.iter().enumerate() {
            let channel = section.build(&format!("alerts.channels[{i}]"))?;
            if channels.iter().any(|c| c.name == channel.name) {
                return Err(invalid(
                    format!("alerts.channels[{i}].name"),
                    format!("channel {:?} is defined twice", channel.name),
                ));
            }
            channels.push(channel);
        }
        let rules = self
            .rules
            .iter()
            .enumerate()
            .map(|(i, rule)| rule.build(&format!("alerts.rules[{i}]"), &channels))
            .collect::<Result<Vec<_>, _>>()?;
        let max_per_hour = self
            .max_per_hour
            .unwrap_or(AlertsConfig::DEFAULT_MAX_PER_HOUR);
        if max_per_hour == 0 {
            return Err(invalid("alerts.max_per_hour", "must be at least 1"));
        }
        let mut links = LinkBases::default();
        if let Some(web) = servicetitan_web {
            links.servicetitan_web = web.to_owned();
        }
        Ok(AlertsConfig {
            max_per_hour,
            channels,
            rules,
            links,
            local_offset: chrono::Local::now().offset().fix(),
        })
    }
}

impl ChannelSection {
    fn build(&self, at: &str) -> Result<ChannelConfig, ConfigError> {
        if self.name.trim().is_empty() {
            return Err(invalid(format!("{at}.name"), "is empty"));
        }
        let kind = match self.kind.as_str() {
            "slack" | "webhook" => self.http_kind(at)?,
            "email" => self.email_kind(at)?,
            other => {
                return Err(invalid(
                    format!("{at}.kind"),
                    format!("{other:?}: expected \"slack\", \"email\" or \"webhook\""),
                ));
            }
        };
        Ok(ChannelConfig {
            name: self.name.clone(),
            kind,
        })
    }

    /// The secret `field` (inline or in `field_file`), required.
    fn required_secret(
        &self,
        at: &str,
        field: &str,
        inline: Option<&SecretString>,
        file: Option<&Path>,
    ) -> Result<SecretString, ConfigError> {
        let (key, file_key) = (format!("{at}.{field}"), format!("{at}.{field}_file"));
        secret(&key, inline, &file_key, file)?
            .ok_or_else(|| invalid(&key, format!("missing (or give {file_key})")))
    }

    /// Refuses a key the channel's kind does not use.
    fn unused(&self, at: &str, present: bool, field: &str) -> Result<(), ConfigError> {
        if present {
            return Err(invalid(
                format!("{at}.{field}"),
                format!("not used by kind = {:?}", self.kind),
            ));
        }
        Ok(())
    }

    /// `slack` (a URL) or `webhook` (a URL and a signing secret).
    fn http_kind(&self, at: &str) -> Result<ChannelKind, ConfigError> {
        let smtp = self.smtp_url.is_some() || self.smtp_url_file.is_some();
        self.unused(at, smtp, "smtp_url")?;
        self.unused(at, self.from.is_some() || !self.to.is_empty(), "from")?;
        let url = self.required_secret(at, "url", self.url.as_ref(), self.url_file.as_deref())?;
        check_http_url(&format!("{at}.url"), url.expose_secret())?;
        let has_secret = self.secret.is_some() || self.secret_file.is_some();
        if self.kind == "slack" {
            self.unused(at, has_secret, "secret")?;
            return Ok(ChannelKind::Slack { url });
        }
        let secret = self.required_secret(
            at,
            "secret",
            self.secret.as_ref(),
            self.secret_file.as_deref(),
        )?;
        Ok(ChannelKind::Webhook { url, secret })
    }

    /// `email`: an SMTP URL, a sender and recipients.
    fn email_kind(&self, at: &str) -> Result<ChannelKind, ConfigError> {
        self.unused(at, self.url.is_some() || self.url_file.is_some(), "url")?;
        let has_secret = self.secret.is_some() || self.secret_file.is_some();
        self.unused(at, has_secret, "secret")?;
        let smtp = self.required_secret(
            at,
            "smtp_url",
            self.smtp_url.as_ref(),
            self.smtp_url_file.as_deref(),
        )?;
        let smtp = SmtpSettings::parse(smtp.expose_secret())
            .map_err(|e| invalid(format!("{at}.smtp_url"), e))?;
        let from = self
            .from
            .clone()
            .ok_or_else(|| invalid(format!("{at}.from"), "missing"))?;
        if self.to.is_empty() {
            return Err(invalid(format!("{at}.to"), "needs at least one address"));
        }
        // The channel checks the addresses; built once here so a typo is a config error.
        ledgerbridge_alerts::EmailChannel::new(&smtp, &from, &self.to)
            .map_err(|e| invalid(at, e))?;
        Ok(ChannelKind::Email {
            smtp,
            from,
            to: self.to.clone(),
        })
    }
}

/// An `http(s)://` URL; the message never repeats it (a Slack URL is a secret).
fn check_http_url(key: &str, text: &str) -> Result<(), ConfigError> {
    match url::Url::parse(text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(()),
        _ => Err(invalid(key, "is not an http(s) URL")),
    }
}

impl RuleSection {
    fn build(&self, at: &str, channels: &[ChannelConfig]) -> Result<RuleConfig, ConfigError> {
        let key = |field: &str| format!("{at}.{field}");
        let on = self.kind(at)?;
        if self.channels.is_empty() {
            return Err(invalid(key("channels"), "names no channel"));
        }
        if let Some(unknown) = self
            .channels
            .iter()
            .find(|c| !channels.iter().any(|d| &d.name == *c))
        {
            return Err(invalid(
                key("channels"),
                format!("unknown channel {unknown:?}"),
            ));
        }
        if self.tenants.as_ref().is_some_and(Vec::is_empty) {
            return Err(invalid(
                key("tenants"),
                "is empty (leave it out for every tenant)",
            ));
        }
        Ok(RuleConfig {
            on,
            channels: self.channels.clone(),
            tenants: self.tenants.clone(),
        })
    }

    /// `on` with its parameters; a parameter another rule kind takes is refused.
    fn kind(&self, at: &str) -> Result<RuleKind, ConfigError> {
        let key = |field: &str| format!("{at}.{field}");
        if !RuleKind::NAMES.contains(&self.on.as_str()) {
            let expected = RuleKind::NAMES.join(", ");
            let message = format!("unknown rule {:?} (expected one of: {expected})", self.on);
            return Err(invalid(key("on"), message));
        }
        let params = [
            (self.older_than.is_some(), "older_than", "blocked"),
            (self.days.is_some(), "days", "invoice_overdue"),
            (self.min_balance.is_some(), "min_balance", "invoice_overdue"),
            (self.amount.is_some(), "amount", "invoice_large"),
            (self.at.is_some(), "at", "digest"),
        ];
        for (present, field, on) in params {
            if present && self.on != on {
                return Err(invalid(
                    key(field),
                    format!("not used by on = {:?}", self.on),
                ));
            }
        }
        let required = |value: Option<&String>, field: &str| {
            value
                .cloned()
                .ok_or_else(|| invalid(key(field), format!("required by on = {:?}", self.on)))
        };
        Ok(match self.on.as_str() {
            "conflict" => RuleKind::Conflict,
            "run_failed" => RuleKind::RunFailed,
            "reconnect_needed" => RuleKind::ReconnectNeeded,
            "write_given_up" => RuleKind::WriteGivenUp,
            "blocked" => RuleKind::Blocked {
                older_than: match &self.older_than {
                    Some(text) => {
                        parse_duration(text).map_err(|e| invalid(key("older_than"), e))?
                    }
                    None => std::time::Duration::ZERO,
                },
            },
            "invoice_overdue" => RuleKind::InvoiceOverdue {
                days: self.days.unwrap_or(1),
                min_balance: self
                    .min_balance
                    .as_deref()
                    .map(|t| decimal(&key("min_balance"), t))
                    .transpose()?,
            },
            "invoice_large" => RuleKind::InvoiceLarge {
                amount: decimal(&key("amount"), &required(self.amount.as_ref(), "amount")?)?,
            },
            _ => RuleKind::Digest {
                at: NaiveTime::parse_from_str(&required(self.at.as_ref(), "at")?, "%H:%M")
                    .map_err(|_| {
                        invalid(key("at"), "expected a local time HH:MM, e.g. \"08:00\"")
                    })?,
            },
        })
    }
}

impl super::Settings {
    /// `[alerts]` validated, with `servicetitan.web_base` for the invoice links.
    pub(crate) fn alerts_config(&self) -> Result<AlertsConfig, ConfigError> {
        let web = self
            .servicetitan
            .as_ref()
            .and_then(|s| s.web_base.as_deref());
        self.alerts.build(web)
    }
}
