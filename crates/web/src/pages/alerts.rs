//! Recent alerts on the dashboard: what was sent to Slack, email or webhooks, and what failed
//! (`ledgerbridge alerts list` shows them all).

use ledgerbridge_ledger::{Alert, AlertStatus, Ledger, LedgerError};

use crate::render::{when, when_opt};

/// How many recent alerts the dashboard shows.
const SHOWN: u32 = 10;

pub(crate) struct AlertRow {
    pub(crate) id: i64,
    pub(crate) rule: String,
    pub(crate) channel: String,
    pub(crate) tenant: String,
    pub(crate) subject: String,
    pub(crate) status: &'static str,
    pub(crate) failed: bool,
    pub(crate) attempts: i64,
    pub(crate) created: String,
    pub(crate) sent: String,
    pub(crate) error: String,
}

impl AlertRow {
    fn new(a: &Alert) -> Self {
        Self {
            id: a.id,
            rule: a.rule.clone(),
            channel: a.channel.clone(),
            tenant: a.tenant.clone().unwrap_or_default(),
            subject: a.subject.clone(),
            status: a.status.as_str(),
            failed: a.status == AlertStatus::Failed,
            attempts: a.attempts,
            created: when(&a.created_at),
            sent: when_opt(a.sent_at.as_ref()),
            error: a.error.clone().unwrap_or_default(),
        }
    }
}

/// The newest alerts, newest first.
pub(crate) async fn recent(ledger: &Ledger) -> Result<Vec<AlertRow>, LedgerError> {
    let alerts = ledger.alerts().list(SHOWN).await?;
    Ok(alerts.iter().map(AlertRow::new).collect())
}
