//! The alerts configuration, already validated: what `[alerts]` of `ledgerbridge.toml` means
//! once the CLI has read it (secrets resolved from their files, keys checked).

use std::time::Duration;

use chrono::{FixedOffset, NaiveTime};
use rust_decimal::Decimal;
use secrecy::SecretString;

/// `[alerts]`.
#[derive(Clone, Debug)]
pub struct AlertsConfig {
    /// More alerts than this per channel within an hour become one summary.
    pub max_per_hour: u32,
    /// `[[alerts.channels]]`.
    pub channels: Vec<ChannelConfig>,
    /// `[[alerts.rules]]`.
    pub rules: Vec<RuleConfig>,
    /// Where links in alert text point.
    pub links: LinkBases,
    /// The offset `digest` times (`at = "08:00"`) and overdue days are counted in.
    pub local_offset: FixedOffset,
}

impl AlertsConfig {
    /// The default storm threshold.
    pub const DEFAULT_MAX_PER_HOUR: u32 = 30;

    /// No channels, no rules: nothing is ever sent.
    pub fn disabled() -> Self {
        Self {
            max_per_hour: Self::DEFAULT_MAX_PER_HOUR,
            channels: Vec::new(),
            rules: Vec::new(),
            links: LinkBases::default(),
            local_offset: FixedOffset::east_opt(0).expect("zero offset"),
        }
    }

    /// Whether any rule could send anything.
    pub fn is_enabled(&self) -> bool {
        !self.channels.is_empty() && !self.rules.is_empty()
    }
}

/// Bases of the links alerts carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkBases {
    /// The ServiceTitan web app (`servicetitan.web_base`), e.g. `https://go.servicetitan.com`.
    pub servicetitan_web: String,
    /// The review UI (`ledgerbridge serve`), when one is known.
    pub review_ui: Option<String>,
}

impl Default for LinkBases {
    fn default() -> Self {
        Self {
            servicetitan_web: "https://go.servicetitan.com".to_owned(),
            review_ui: None,
        }
    }
}

/// One `[[alerts.channels]]`.
#[derive(Clone, Debug)]
pub struct ChannelConfig {
    /// Its `name`, which rules refer to.
    pub name: String,
    /// Its kind and settings.
    pub kind: ChannelKind,
}

/// What a channel is.
#[derive(Clone, Debug)]
pub enum ChannelKind {
    /// A Slack incoming webhook. The URL is a secret.
    Slack {
        /// The incoming-webhook URL.
        url: SecretString,
    },
    /// Email over SMTP.
    Email {
        /// Server, TLS mode and credentials.
        smtp: SmtpSettings,
        /// The sender address.
        from: String,
        /// The recipients.
        to: Vec<String>,
    },
    /// A signed JSON POST.
    Webhook {
        /// Where to POST.
        url: SecretString,
        /// The HMAC-SHA256 key of `X-Ledgerbridge-Signature`.
        secret: SecretString,
    },
}

/// How to reach an SMTP server (parsed from `smtp_url`).
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// How the connection is protected.
    pub tls: SmtpTls,
    /// `AUTH` user and password, when the URL has them.
    pub credentials: Option<(String, SecretString)>,
}

/// How an SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpTls {
    /// `smtp://…` (default `?tls=starttls`): plain connection upgraded with STARTTLS, which
    /// must succeed.
    StartTls,
    /// `smtps://…`: TLS from the first byte (implicit TLS, port 465).
    Implicit,
    /// `?tls=none`: no TLS; refused unless the host is loopback (the sandbox's SMTP sink).
    None,
}

impl SmtpSettings {
    /// Parses `smtp://user:pass@host:587?tls=starttls`, `smtps://host:465` or
    /// `smtp://127.0.0.1:8725?tls=none`. The error never repeats the URL (it may hold a
    /// password).
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = url::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
        let implicit = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => return Err(format!("scheme {other:?} (expected smtp or smtps)")),
        };
        let host = url.host_str().ok_or("no host")?.to_owned();
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let mut tls = if implicit {
            SmtpTls::Implicit
        } else {
            SmtpTls::StartTls
        };
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref(), implicit) {
                ("tls", "starttls", false) => tls = SmtpTls::StartTls,
                ("tls", "none", false) => tls = SmtpTls::None,
                ("tls", other, false) => {
                    return Err(format!("tls={other:?} (expected starttls or none)"));
                }
                ("tls", _, true) => return Err("smtps:// is always TLS; drop ?tls=".into()),
                (other, _, _) => return Err(format!("unknown parameter {other:?}")),
            }
        }
        if tls == SmtpTls::None && !is_loopback(&host) {
            return Err(format!(
                "tls=none is allowed on a loopback host only, not {host:?} (use starttls or smtps://)"
            ));
        }
        let port = url.port().unwrap_or(if implicit { 465 } else { 587 });
        let credentials = if url.username().is_empty() {
            None
        } else {
            let password = percent_decode(url.password().unwrap_or(""));
            Some((percent_decode(url.username()), SecretString::from(password)))
        };
        Ok(Self {
            host,
            port,
            tls,
            credentials,
        })
    }
}

/// Decodes `%XX` escapes (user names and passwords in a URL).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `host` names this machine.
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One `[[alerts.rules]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleConfig {
    /// What it watches, with its parameters.
    pub on: RuleKind,
    /// The channels it sends to (by name).
    pub channels: Vec<String>,
    /// Only these ServiceTitan tenants (`None`: all).
    pub tenants: Option<Vec<String>>,
}

/// What a rule watches (`on`), with its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// An open conflict.
    Conflict,
    /// The latest run failed, or a tenant's sync stopped early.
    RunFailed,
    /// A connection's tokens are expired or revoked.
    ReconnectNeeded,
    /// Records blocked (by reason) for longer than `older_than`.
    Blocked {
        /// How long a reason must have blocked records.
        older_than: Duration,
    },
    /// A write the remote refused for good.
    WriteGivenUp,
    /// An open invoice `days` or more past its due date (and at least `min_balance` open).
    InvoiceOverdue {
        /// Days past the due date.
        days: u32,
        /// The smallest open balance that alerts.
        min_balance: Option<Decimal>,
    },
    /// An open invoice whose total is at least `amount`.
    InvoiceLarge {
        /// The smallest total that alerts.
        amount: Decimal,
    },
    /// One summary per day at a local time.
    Digest {
        /// The local time.
        at: NaiveTime,
    },
}

impl RuleKind {
    /// The `on` text.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Conflict => "conflict",
            Self::RunFailed => "run_failed",
            Self::ReconnectNeeded => "reconnect_needed",
            Self::Blocked { .. } => "blocked",
            Self::WriteGivenUp => "write_given_up",
            Self::InvoiceOverdue { .. } => "invoice_overdue",
            Self::InvoiceLarge { .. } => "invoice_large",
            Self::Digest { .. } => "digest",
        }
    }

    /// Every `on` text.
    pub const NAMES: &'static [&'static str] = &[
        "conflict",
        "run_failed",
        "reconnect_needed",
        "blocked",
        "write_given_up",
        "invoice_overdue",
        "invoice_large",
        "digest",
    ];
}

impl RuleConfig {
    /// The rule with its parameters and tenant filter: the key its conditions and alerts are
    /// stored under, so two rules of one kind keep their own.
    pub fn key(&self) -> String {
        let mut key = self.on.name().to_owned();
        match &self.on {
            RuleKind::Blocked { older_than } => {
                key.push_str(&format!(":{}s", older_than.as_secs()))
            }
            RuleKind::InvoiceOverdue { days, min_balance } => {
                key.push_str(&format!(
                    ":{days}:{}",
                    min_balance.unwrap_or_default().normalize()
                ));
            }
            RuleKind::InvoiceLarge { amount } => key.push_str(&format!(":{}", amount.normalize())),
            RuleKind::Digest { at } => key.push_str(&format!(":{}", at.format("%H:%M"))),
            _ => {}
        }
        if let Some(tenants) = &self.tenants {
            key.push_str(&format!(":{}", tenants.join(",")));
        }
        key
    }

    /// Whether the rule covers `tenant` (an alert about no tenant is always covered).
    pub fn covers(&self, tenant: Option<&str>) -> bool {
        match (&self.tenants, tenant) {
            (Some(tenants), Some(tenant)) => tenants.iter().any(|t| t == tenant),
            _ => true,
        }
    }
}

/// Parses `older_than`: a whole number with `s`, `m`, `h` or `d` (`"24h"`, `"90m"`, `"2d"`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.len().saturating_sub(1);
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (e.g. \"24h\", \"90m\", \"2d\")"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?}: unit must be s, m, h or d")),
    };
    Ok(Duration::from_secs(n * seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_parse_with_their_tls_mode() {
        let s =
            SmtpSettings::parse("smtp://user:p%40ss@mail.example.com:587?tls=starttls").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.tls),
            ("mail.example.com", 587, SmtpTls::StartTls)
        );
        use secrecy::ExposeSecret;
        let (user, pass) = s.credentials.unwrap();
        assert_eq!((user.as_str(), pass.expose_secret()), ("user", "p@ss"));
        let s = SmtpSettings::parse("smtps://mail.example.com").unwrap();
        assert_eq!((s.port, s.tls), (465, SmtpTls::Implicit));
        let s = SmtpSettings::parse("smtp://127.0.0.1:8725?tls=none").unwrap();
        assert_eq!(s.tls, SmtpTls::None);
        let refused = SmtpSettings::parse("smtp://u:secret@mail.example.com?tls=none").unwrap_err();
        assert!(
            refused.contains("loopback") && !refused.contains("secret"),
            "{refused}"
        );
    }

    #[test]
    fn durations_and_rule_keys() {
        assert_eq!(parse_duration("24h").unwrap(), Duration::from_secs(86_400));
        assert!(parse_duration("24x").is_err());
        let rule = RuleConfig {
            on: RuleKind::InvoiceOverdue {
                days: 30,
                min_balance: Some(Decimal::new(50000, 2)),
            },
            channels: vec!["a".into()],
            tenants: Some(vec!["1017823".into()]),
        };
        assert_eq!(rule.key(), "invoice_overdue:30:500:1017823");
        assert!(rule.covers(Some("1017823")) && !rule.covers(Some("2")) && rule.covers(None));
    }
}
