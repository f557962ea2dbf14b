//! Rules over records that wait for a person: conflicts, failed runs, broken connections,
//! blocked records and writes given up.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerbridge_ledger::{
    ConflictFilter, ConflictStatus, ConnectionStatus, Ledger, OperationFilter, OperationState,
    RunStatus,
};

use crate::rules::{BlockedRecord, Condition, RunFacts};
use crate::{AlertError, AlertsConfig, Message, RuleConfig};

fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "(empty)".to_owned(),
        other => other.to_string(),
    }
}

/// One condition per open conflict: the fields, both values, and how to resolve it.
pub(crate) async fn conflicts(
    ledger: &Ledger,
    config: &AlertsConfig,
) -> Result<Vec<Condition>, AlertError> {
    let filter = ConflictFilter {
        status: Some(ConflictStatus::Open),
        limit: Some(10_000),
        ..ConflictFilter::default()
    };
    let open = ledger.conflicts().list(&filter).await?;
    Ok(open
        .into_iter()
        .map(|c| {
            let mut message = Message::new(
                format!("Conflict on {} {}", c.entity, c.servicetitan_id),
                format!(
                    "ServiceTitan and {} both changed {} {} since the last sync; the bridge \
                     will not pick a side for you.",
                    c.target_system, c.entity, c.servicetitan_id
                ),
            )
            .field("Tenant", c.tenant.clone())
            .field("Books", format!("{} {}", c.target_system, c.target_id));
            for f in &c.fields {
                message = message.field(
                    f.path.clone(),
                    format!(
                        "ServiceTitan: {} · books: {} (was {})",
                        value_text(&f.servicetitan),
                        value_text(&f.accounting),
                        value_text(&f.base)
                    ),
                );
            }
            message = message.command(format!(
                "ledgerbridge conflicts resolve {} --take servicetitan|accounting",
                c.id
            ));
            if let Some(ui) = &config.links.review_ui {
                let ui = ui.trim_end_matches('/');
                message = message.link(
                    "Resolve in the review UI",
                    format!("{ui}/conflicts/{}", c.id),
                );
            }
            Condition {
                key: format!("conflict:{}", c.id),
                tenant: Some(c.tenant.clone()),
                subject: format!(
                    "Conflict #{}: {} {} ({} field(s))",
                    c.id,
                    c.entity,
                    c.servicetitan_id,
                    c.fields.len()
                ),
                message,
            }
        })
        .collect())
}

/// The latest finished real run failed (one condition until a run succeeds), and each tenant
/// whose sync stopped early in it.
pub(crate) async fn run_failed(ledger: &Ledger) -> Result<Vec<Condition>, AlertError> {
    let runs = ledger.runs().list(50).await?;
    let Some(run) = runs
        .into_iter()
        .find(|r| !r.dry_run && r.status != RunStatus::Running)
    else {
        return Ok(Vec::new());
    };
    let mut found = Vec::new();
    if run.status == RunStatus::Failed {
        found.push(Condition {
            key: "run_failed".to_owned(),
            tenant: None,
            subject: format!("Sync run {} failed", run.id),
            message: Message::new(
                format!("Sync run {} failed", run.id),
                "The sync stopped with an error. Nothing was lost: the next run resumes from \
                 the outbox.",
            )
            .command(format!("ledgerbridge runs show {}", run.id)),
        });
    }
    let targets = run.counts["targets"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for target in targets {
        let (Some(tenant), Some(stopped)) = (target["tenant"].as_str(), target["stopped"].as_str())
        else {
            continue;
        };
        found.push(Condition {
            key: format!("run_failed:{tenant}"),
            tenant: Some(tenant.to_owned()),
            subject: format!("Sync of tenant {tenant} stopped early (run {})", run.id),
            message: Message::new(
                format!("Sync of tenant {tenant} stopped early"),
                stopped.to_owned(),
            )
            .field("Run", run.id.to_string())
            .command(format!("ledgerbridge runs show {}", run.id)),
        });
    }
    Ok(found)
}

/// Each broken connection.
pub(crate) async fn reconnect_needed(ledger: &Ledger) -> Result<Vec<Condition>, AlertError> {
    let connections = ledger.connections().list().await?;
    Ok(connections
        .into_iter()
        .filter(|c| c.status == ConnectionStatus::Broken)
        .map(|c| Condition {
            key: format!("reconnect:{}", c.id),
            tenant: Some(c.tenant.clone()),
            subject: format!("Reconnect {} for tenant {}", c.system, c.tenant),
            message: Message::new(
                format!("{} needs to be reconnected", c.system),
                format!(
                    "The {} connection of tenant {} was refused ({}); syncs of this tenant \
                     stop until someone reconnects it.",
                    c.system,
                    c.tenant,
                    c.status_reason
                        .as_deref()
                        .unwrap_or("tokens expired or revoked")
                ),
            )
            .field("Company", c.company.clone())
            .command(format!(
                "ledgerbridge connect {} --tenant {}",
                c.system, c.tenant
            )),
        })
        .collect())
}

/// Each write the remote refused for good.
pub(crate) async fn given_up(ledger: &Ledger) -> Result<Vec<Condition>, AlertError> {
    let filter = OperationFilter {
        state: Some(OperationState::Dead),
        limit: Some(10_000),
        ..OperationFilter::default()
    };
    let dead = ledger.outbox().list(&filter).await?;
    Ok(dead
        .into_iter()
        .map(|op| {
            let record = op
                .servicetitan_id
                .clone()
                .or(op.target_id.clone())
                .unwrap_or_default();
            Condition {
                key: format!("given_up:{}", op.id),
                tenant: Some(op.tenant.clone()),
                subject: format!(
                    "A {} {} of {} {record} was given up",
                    op.target_system, op.action, op.entity
                ),
                message: Message::new(
                    format!("Write given up: {} {record}", op.entity),
                    format!(
                        "{} refused the {} of {} {record} for good after {} attempt(s): {}",
                        op.target_system,
                        op.action,
                        op.entity,
                        op.attempts,
                        op.last_error.as_deref().unwrap_or("no error recorded")
                    ),
                )
                .field("Operation", op.id.to_string())
                .command(format!("ledgerbridge audit --record {record}")),
            }
        })
        .collect())
}

/// Blocked records grouped by tenant and reason (one unmapped value blocking 73 invoices is
/// one alert), once a group has been seen for `older_than`. Also returns the groups of tenants
/// the run did not sync, which stay as they were.
pub(crate) async fn blocked(
    ledger: &Ledger,
    rule: &RuleConfig,
    older_than: Duration,
    now: DateTime<Utc>,
    run: &RunFacts,
) -> Result<(Vec<Condition>, Vec<String>), AlertError> {
    let mut groups: BTreeMap<(String, String), Vec<&BlockedRecord>> = BTreeMap::new();
    for record in &run.blocked {
        let key = (record.tenant.clone(), record.reason.clone());
        groups.entry(key).or_default().push(record);
    }
    let key_of = |tenant: &str, reason: &str| format!("blocked:{tenant}:{reason}");
    let synced = |key: &str| {
        let tenant = key.strip_prefix("blocked:").and_then(|k| k.split_once(':'));
        run.tenants.is_empty() || tenant.is_some_and(|(t, _)| run.tenants.iter().any(|s| s == t))
    };
    let others: Vec<String> = ledger
        .alerts()
        .conditions(&rule.key())
        .await?
        .into_iter()
        .map(|(key, _)| key)
        .filter(|key| !synced(key))
        .collect();
    let mut keys: Vec<String> = groups.keys().map(|(t, r)| key_of(t, r)).collect();
    keys.extend(others.iter().cloned());
    let seen: BTreeMap<String, DateTime<Utc>> = ledger
        .alerts()
        .observe(&rule.key(), &keys)
        .await?
        .into_iter()
        .collect();
    let older_than = chrono::Duration::from_std(older_than).unwrap_or(chrono::Duration::MAX);
    let mut found = Vec::new();
    for ((tenant, reason), group) in groups {
        let key = key_of(&tenant, &reason);
        let Some(since) = seen.get(&key).copied() else {
            continue;
        };
        if now.signed_duration_since(since) < older_than {
            continue;
        }
        let ids: Vec<String> = group
            .iter()
            .take(20)
            .map(|r| format!("{} {}", r.entity, r.servicetitan_id))
            .collect();
        found.push(Condition {
            key,
            tenant: Some(tenant.clone()),
            subject: format!(
                "{} record(s) blocked since {}: {reason}",
                group.len(),
                since.format("%Y-%m-%d %H:%M UTC")
            ),
            message: Message::new(
                format!("{} record(s) of tenant {tenant} blocked", group.len()),
                reason.clone(),
            )
            .field(
                "Blocked since",
                since.format("%Y-%m-%d %H:%M UTC").to_string(),
            )
            .field("Records", ids.join(", "))
            .command(format!("ledgerbridge blocked --tenant {tenant}")),
        });
    }
    Ok((found, others))
}
