//! `ledgerbridge links list|set|unset|suggested`, as library functions.
//!
//! `list` is the ledger's own (`ledger.links().list(tenant, entity)`). Setting or removing a
//! link is a person's decision: it is audited (who, which ids) and it drops the base snapshot,
//! so the next sync adopts ServiceTitan's record as the new base instead of diffing against a
//! record of another twin.
//!
//! A suggested customer match is settled by a person either way: accepted, it becomes a link
//! ([`set_link`]); rejected ([`reject_suggestion`]), the pair is recorded in the audit log
//! (`customer.match.rejected`), drops off the review list, and the engine never proposes or
//! links that accounting customer for that ServiceTitan customer again, so the next sync
//! creates the customer anew (or suggests another candidate, if one matches).

use std::collections::{BTreeMap, BTreeSet};

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
    let rejected = rejected(ledger, tenant).await?;
    Ok(latest
        .into_values()
        .filter(|s| !linked.contains(&s.servicetitan_id))
        .filter(|s| !rejected.contains(&(s.servicetitan_id.clone(), s.target_id.clone())))
        .collect())
}

/// A person's "not the same customer": ServiceTitan customer `servicetitan_id` of `tenant`
/// is not the accounting customer `target_id`. Audited with who decided; the engine then
/// leaves that candidate out of the customer's matching.
pub async fn reject_suggestion(
    ledger: &Ledger,
    tenant: &str,
    servicetitan_id: &str,
    target_id: &str,
    by: &str,
) -> Result<(), LedgerError> {
    let event = NewEvent::new(REJECTED)
        .tenant(tenant)
        .record(EntityKind::Customer, servicetitan_id)
        .detail(serde_json::json!({ "target_id": target_id, "by": by }));
    ledger.events().append(&event).await.map(drop)
}

const REJECTED: &str = "customer.match.rejected";

/// Every rejected pair of `tenant`: (ServiceTitan customer id, accounting customer id).
pub async fn rejected(
    ledger: &Ledger,
    tenant: &str,
) -> Result<BTreeSet<(String, String)>, LedgerError> {
    let filter = EventFilter {
        kind: Some(REJECTED.into()),
        tenant: Some(tenant.to_owned()),
        limit: Some(100_000),
        ..EventFilter::default()
    };
    Ok(ledger
        .events()
        .list(&filter)
        .await?
        .into_iter()
        .filter_map(|e| {
            let target = e.detail["target_id"].as_str()?.to_owned();
            Some((e.record_id?, target))
        })
        .collect())
}
