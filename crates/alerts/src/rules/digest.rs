//! The daily digest: once a day per channel, at a local time, what synced and what waits.

use chrono::{DateTime, NaiveTime, Utc};
use ledgerbridge_ledger::{Ledger, RunStatus};

use crate::rules::Condition;
use crate::{AlertError, AlertsConfig, Message};

/// Today's digest once the local time has passed `at` (the condition of today replaces
/// yesterday's, so each day alerts once).
pub(crate) async fn due(
    ledger: &Ledger,
    config: &AlertsConfig,
    now: DateTime<Utc>,
    at: NaiveTime,
) -> Result<Vec<Condition>, AlertError> {
    let local = now.with_timezone(&config.local_offset);
    if local.time() < at {
        return Ok(Vec::new());
    }
    let since = now - chrono::Duration::days(1);
    let runs = ledger.runs().list(500).await?;
    let recent: Vec<_> = runs
        .iter()
        .filter(|r| !r.dry_run && r.started_at >= since)
        .collect();
    let count = |status: RunStatus| recent.iter().filter(|r| r.status == status).count();
    let sum = |key: &str| {
        recent
            .iter()
            .map(|r| r.counts["totals"][key].as_i64().unwrap_or(0))
            .sum::<i64>()
    };
    let open_conflicts = ledger.conflicts().count_open(None).await?;
    let date = local.date_naive();
    let message = Message::new(
        format!("ledgerbridge daily digest {date}"),
        "What synced in the last 24 hours and what waits for a person.",
    )
    .field("Runs", recent.len().to_string())
    .field("Runs failed", count(RunStatus::Failed).to_string())
    .field("Created", sum("created").to_string())
    .field("Updated", sum("updated").to_string())
    .field("Blocked (last runs)", sum("blocked").to_string())
    .field("Open conflicts", open_conflicts.to_string())
    .command("ledgerbridge conflicts list");
    Ok(vec![Condition {
        key: format!("digest:{date}"),
        tenant: None,
        subject: format!("ledgerbridge daily digest {date}"),
        message,
    }])
}
