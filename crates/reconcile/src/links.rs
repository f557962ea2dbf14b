//! `ledgerbridge links list|set|unset|suggested`, as library functions.
//!
//! `list` is the ledger's own (`ledger.links().list(tenant, entity)`). Setting or removing a
//! link is a person's decision: it is audited (who, which ids) and it drops the base snapshot,
//! so the next sync adopts ServiceTitan's record as the new base instead of diffing against a
//! record of another twin.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ledgerbridge_core::EntityKind;
use ledgerbridge_ledger::{EventFilter, Ledger, LedgerError, NewEvent, RecordKey};
use serde::Serialize;

/// Links `key` to the accounting record `target_id`, replacing any link it had.
pub async fn set_link(
    ledger: &Ledger,
    key: &RecordKey,
    target_id: &str,
    by: &str,
) -> Result<(), LedgerError> {
    ledger
        .transaction(async |tx| {
            let previous = tx.links().get(key).await?.map(|l| l.target_id);
            tx.links().remove(key).await?;
            tx.links().insert(key, target_id).await?;
            let event = NewEvent::new("link.set")
                .tenant(&key.tenant)
                .record(key.entity, &key.servicetitan_id)
                .detail(serde_json::json!({
                    "target_id": target_id, "previous": previous, "by": by,
                }));
            tx.events().append(&event).await.map(drop)
        })
        .await
}

/// Removes the link of `key` (the next sync matches the record afresh). Returns whether it
/// existed.
pub async fn unset_link(ledger: &Ledger, key: &RecordKey, by: &str) -> Result<bool, LedgerError> {
    ledger
        .transaction(async |tx| {
            let previous = tx.links().get(key).await?.map(|l| l.target_id);
            let removed = tx.links().remove(key).await?;
            if removed {
                let event = NewEvent::new("link.unset")
                    .tenant(&key.tenant)
                    .record(key.entity, &key.servicetitan_id)
                    .detail(serde_json::json!({ "previous": previous, "by": by }));
                tx.events().append(&event).await?;
            }
            Ok(removed)
        })
        .await
}

/// A possible customer match awaiting a person's decision.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    /// The ServiceTitan customer.
    pub servicetitan_id: String,
    /// The accounting customer it may be.
    pub target_id: String,
    /// How sure, in percent.
    pub confidence: u64,
    /// Which fields agreed or contradicted (names only).
    pub evidence: serde_json::Value,
    /// When it was suggested (latest).
    pub at: DateTime<Utc>,
}

/// `links suggested`: the latest suggestion per ServiceTitan customer not linked since.
pub async fn suggested(ledger: &Ledger, tenant: &str) -> Result<Vec<Suggestion>, LedgerError> {
    let filter = EventFilter {
        kind: Some("customer.match.suggested".into()),
        tenant: Some(tenant.to_owned()),
        limit: Some(100_000),
        ..EventFilter::default()
    };
    let mut latest: BTreeMap<String, Suggestion> = BTreeMap::new();
    for event in ledger.events().list(&filter).await? {
        let Some(id) = event.record_id.clone() else {
            continue;
        };
        let detail = &event.detail;
        latest.insert(
            id.clone(),
            Suggestion {
                servicetitan_id: id,
                target_id: detail["target_id"].as_str().unwrap_or_default().to_owned(),
                confidence: detail["confidence"].as_u64().unwrap_or(0),
                evidence: detail["evidence"].clone(),
                at: event.at,
            },
        );
    }
    let linked: Vec<String> = ledger
        .links()
        .list(tenant, Some(EntityKind::Customer))
        .await?
        .into_iter()
        .map(|l| l.key.servicetitan_id)
        .collect();
    Ok(latest
        .into_values()
        .filter(|s| !linked.contains(&s.servicetitan_id))
        .collect())
}
