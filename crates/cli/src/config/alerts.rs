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
        let key = |field: &str| format!("{at}.{field}");
        if self.name.trim().is_empty() {
            return Err(invalid(key("name"), "is empty"));
        }
        let url = secret(
            &key("url"),
            self.url.as_ref(),
            &key("url_file"),
            self.url_file.as_deref(),
        )?;
        let needs = |what: Option<SecretString>, field: &str, file: &str| {
            what.ok_or_else(|| invalid(key(field), format!("missing (or give {})", key(file))))
        };
        let unused = |present: bool, field: &str| {
            if present {
                Err(invalid(
                    key(field),
                    format!("not used by kind = {:?}", self.kind),
                ))
            } else {
                Ok(())
            }
        };
        let kind = match self.kind.as_str() {
            "slack" | "webhook" => {
                unused(
                    self.smtp_url.is_some() || self.smtp_url_file.is_some(),
                    "smtp_url",
                )?;
                unused(self.from.is_some() || !self.to.is_empty(), "from")?;
                let url = needs(url, "url", "url_file")?;
                check_http_url(&key("url"), url.expose_secret())?;
                if self.kind == "slack" {
                    unused(
                        self.secret.is_some() || self.secret_file.is_some(),
                        "secret",
                    )?;
                    ChannelKind::Slack { url }
                } else {
                    let s = secret(
                        &key("secret"),
                        self.secret.as_ref(),
                        &key("secret_file"),
                        self.secret_file.as_deref(),
                    )?;
                    ChannelKind::Webhook {
                        url,
                        secret: needs(s, "secret", "secret_file")?,
                    }
                }
            }
            "email" => {
                unused(url.is_some(), "url")?;
                unused(
                    self.secret.is_some() || self.secret_file.is_some(),
                    "secret",
                )?;
                let smtp = secret(
                    &key("smtp_url"),
                    self.smtp_url.as_ref(),
                    &key("smtp_url_file"),
                    self.smtp_url_file.as_deref(),
                )?;
                let smtp = needs(smtp, "smtp_url", "smtp_url_file")?;
                let smtp = SmtpSettings::parse(smtp.expose_secret())
                    .map_err(|e| invalid(key("smtp_url"), e))?;
                let from = self
                    .from
                    .clone()
                    .ok_or_else(|| invalid(key("from"), "missing"))?;
                if self.to.is_empty() {
                    return Err(invalid(key("to"), "needs at least one address"));
                }
                // The channel checks the addresses; built once here so a typo is a config error.
                ledgerbridge_alerts::EmailChannel::new(&smtp, &from, &self.to)
                    .map_err(|e| invalid(at, e))?;
                ChannelKind::Email {
                    smtp,
                    from,
                    to: self.to.clone(),
                }
            }
            other => {
                return Err(invalid(
                    key("kind"),
                    format!("{other:?}: expected \"slack\", \"email\" or \"webhook\""),
                ));
            }
        };
        Ok(ChannelConfig {
            name: self.name.clone(),
            kind,
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
        let param = |present: bool, field: &str, on: &[&str]| {
            if present && !on.contains(&self.on.as_str()) {
                Err(invalid(
                    key(field),
                    format!("not used by on = {:?}", self.on),
                ))
            } else {
                Ok(())
            }
        };
        if !RuleKind::NAMES.contains(&self.on.as_str()) {
            return Err(invalid(
                key("on"),
                format!(
                    "unknown rule {:?} (expected one of: {})",
                    self.on,
                    RuleKind::NAMES.join(", ")
                ),
            ));
        }
        param(self.older_than.is_some(), "older_than", &["blocked"])?;
        param(self.days.is_some(), "days", &["invoice_overdue"])?;
        param(
            self.min_balance.is_some(),
            "min_balance",
            &["invoice_overdue"],
        )?;
        param(self.amount.is_some(), "amount", &["invoice_large"])?;
        param(self.at.is_some(), "at", &["digest"])?;
        let required = |value: Option<&String>, field: &str| {
            value
                .cloned()
                .ok_or_else(|| invalid(key(field), format!("required by on = {:?}", self.on)))
        };
        let on = match self.on.as_str() {
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
            "digest" => RuleKind::Digest {
                at: NaiveTime::parse_from_str(&required(self.at.as_ref(), "at")?, "%H:%M")
                    .map_err(|_| {
                        invalid(key("at"), "expected a local time HH:MM, e.g. \"08:00\"")
                    })?,
            },
            other => unreachable!("checked above: {other}"),
        };
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
