//! Shared fixtures: a ledger on a hand-moved clock, receivers on ephemeral ports, configs.

use std::sync::{Arc, Mutex};

use axum::Router;
use chrono::{DateTime, FixedOffset, Utc};
use ledgerbridge_alerts::{
    AlertsConfig, ChannelConfig, ChannelKind, LinkBases, RuleConfig, RuleKind, SmtpSettings,
};
use ledgerbridge_core::WallClock;
use ledgerbridge_ledger::{Ledger, LedgerLocation, LedgerOptions};
use ledgerbridge_sandbox::{AlertSinks, SLACK_WEBHOOK_PATH, SmtpSink};
use secrecy::SecretString;

/// A clock tests set by hand.
#[derive(Clone)]
pub(crate) struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    pub(crate) fn at(start: &str) -> Self {
        Self(Arc::new(Mutex::new(start.parse().expect("RFC 3339"))))
    }
    pub(crate) fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
    pub(crate) fn advance(&self, by: chrono::Duration) {
        *self.0.lock().unwrap() += by;
    }
    pub(crate) fn wall(&self) -> WallClock {
        let me = self.clone();
        WallClock::new(move || me.now())
    }
}

pub(crate) async fn ledger(clock: &TestClock) -> Ledger {
    Ledger::open(
        LedgerLocation::InMemory,
        LedgerOptions::default().clock(clock.wall()),
    )
    .await
    .expect("ledger opens")
}

/// Serves `router` on an ephemeral loopback port; returns its base URL.
pub(crate) async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

/// The sandbox's Slack receiver and SMTP sink, running.
pub(crate) struct Sinks {
    pub(crate) sinks: AlertSinks,
    pub(crate) base: String,
    pub(crate) smtp: SmtpSink,
}

impl Sinks {
    pub(crate) async fn start() -> Self {
        let smtp = SmtpSink::start("127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let sinks = AlertSinks::new(smtp.mailbox.clone());
        let base = serve(sinks.router()).await;
        Self { sinks, base, smtp }
    }

    pub(crate) fn slack_url(&self) -> String {
        format!("{}{SLACK_WEBHOOK_PATH}", self.base)
    }

    pub(crate) fn slack(&self, name: &str) -> ChannelConfig {
        ChannelConfig {
            name: name.into(),
            kind: ChannelKind::Slack {
                url: SecretString::from(self.slack_url()),
            },
        }
    }

    pub(crate) fn email(&self, name: &str) -> ChannelConfig {
        ChannelConfig {
            name: name.into(),
            kind: ChannelKind::Email {
                smtp: SmtpSettings::parse(&self.smtp.url()).unwrap(),
                from: "bridge@example.com".into(),
                to: vec!["books@example.com".into()],
            },
        }
    }
}

pub(crate) fn rule(on: RuleKind, channels: &[&str]) -> RuleConfig {
    RuleConfig {
        on,
        channels: channels.iter().map(|c| (*c).to_owned()).collect(),
        tenants: None,
    }
}

pub(crate) fn config(channels: Vec<ChannelConfig>, rules: Vec<RuleConfig>) -> AlertsConfig {
    AlertsConfig {
        max_per_hour: 30,
        channels,
        rules,
        links: LinkBases::default(),
        local_offset: FixedOffset::east_opt(0).unwrap(),
    }
}
