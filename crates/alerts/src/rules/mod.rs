//! Rules: what in the ledger's durable state deserves an alert. Each rule turns the state into
//! [`Condition`]s, keyed so that the same condition on the same record alerts once until it
//! clears (see [`crate::evaluate`]).

mod digest;
mod invoices;
mod records;

use chrono::{DateTime, Utc};
use ledgerbridge_ledger::Ledger;

use crate::{AlertError, AlertsConfig, Message, RuleConfig, RuleKind};

/// What the caller knows about the run that just ended and the ledger does not keep: the
/// records it blocked, with their reasons (the run row stores counts only, since reasons may
/// name values).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunFacts {
    /// Whether the run was a dry run (a dry run raises no alerts about its plan).
    pub dry_run: bool,
    /// The tenants the run synced: blocked records of other tenants are left as they were
    /// (empty: the run covered every tenant).
    pub tenants: Vec<String>,
    /// Each record the run blocked.
    pub blocked: Vec<BlockedRecord>,
}

/// A record the run could not write, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockedRecord {
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// `customer`, `invoice`, `payment`, `credit_note`.
    pub entity: String,
    /// Its ServiceTitan id.
    pub servicetitan_id: String,
    /// What to do about it.
    pub reason: String,
}

/// One thing a rule found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// What it is about, stable while it holds (`conflict:12`).
    pub key: String,
    /// The ServiceTitan tenant.
    pub tenant: Option<String>,
    /// One line.
    pub subject: String,
    /// The content.
    pub message: Message,
}

/// What a rule found: the conditions that alert now, and the keys of conditions it could not
/// judge this time (another tenant's blocked records) whose alerts must not clear.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub(crate) alerting: Vec<Condition>,
    pub(crate) unjudged: Vec<String>,
}

/// The conditions `rule` finds now: `Ok(None)` when the rule cannot tell this time (a blocked
/// rule without a run's facts), so its earlier alerts stay as they are.
pub(crate) async fn conditions(
    ledger: &Ledger,
    config: &AlertsConfig,
    rule: &RuleConfig,
    now: DateTime<Utc>,
    run: Option<&RunFacts>,
) -> Result<Option<Found>, AlertError> {
    let mut unjudged = Vec::new();
    let found = match &rule.on {
        RuleKind::Conflict => records::conflicts(ledger, config).await?,
        RuleKind::RunFailed => records::run_failed(ledger).await?,
        RuleKind::ReconnectNeeded => records::reconnect_needed(ledger).await?,
        RuleKind::WriteGivenUp => records::given_up(ledger).await?,
        RuleKind::Blocked { older_than } => match run {
            Some(run) if !run.dry_run => {
                let (found, others) = records::blocked(ledger, rule, *older_than, now, run).await?;
                unjudged = others;
                found
            }
            _ => return Ok(None),
        },
        RuleKind::InvoiceOverdue { days, min_balance } => {
            invoices::overdue(ledger, config, now, *days, *min_balance).await?
        }
        RuleKind::InvoiceLarge { amount } => invoices::large(ledger, config, *amount).await?,
        RuleKind::Digest { at } => digest::due(ledger, config, now, *at).await?,
    };
    Ok(Some(Found {
        alerting: found
            .into_iter()
            .filter(|c| rule.covers(c.tenant.as_deref()))
            .collect(),
        unjudged,
    }))
}
