//! Parked records: ServiceTitan records read from a feed that could not be written yet
//! (blocked by a mapping, a review, a closed period, a customer not synced yet).
//!
//! The feed cursor moves past them, so they must be kept somewhere durable or they would be
//! lost until ServiceTitan changes them again. They are kept beside the cursor, as a cursor
//! row of their own (`reconcile/parked/<entity>`), written in the same transaction as the feed
//! cursor: the cursor never moves without the records it skipped being parked. Each run
//! retries the parked records first; a newer version from the feed replaces the parked one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{CursorKey, Ledger, LedgerError, LedgerTx, RunId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A record kept for the next run, with the identity and version of its [`SourceRecord`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParkedRecord<T> {
    /// When ServiceTitan last changed it.
    pub modified_on: DateTime<Utc>,
    /// ServiceTitan's `exportId`.
    pub export_id: Option<String>,
    /// ServiceTitan's `syncStatus`.
    pub remote_status: Option<String>,
    /// Why it was parked (for `mappings unmapped` and the report).
    pub reason: String,
    /// When it was first parked for this `reason` (`ledgerbridge blocked`); kept across
    /// retries while the reason stays the same. Absent in records parked by older builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<DateTime<Utc>>,
    /// The canonical record.
    pub record: T,
}

impl<T: Clone> ParkedRecord<T> {
    /// Parks `source` with `reason`.
    pub fn of(source: &SourceRecord<T>, reason: &str) -> Self {
        Self {
            modified_on: source.modified_on,
            export_id: source.export_id.clone(),
            remote_status: source.remote_status.clone(),
            reason: reason.to_owned(),
            since: None,
            record: source.record.clone(),
        }
    }

    /// Back to a source record with id `id`.
    pub fn to_source(&self, id: i64) -> SourceRecord<T> {
        SourceRecord {
            id,
            modified_on: self.modified_on,
            export_id: self.export_id.clone(),
            remote_status: self.remote_status.clone(),
            record: self.record.clone(),
        }
    }
}

/// The parked records of one entity of one tenant, by ServiceTitan id.
pub type Parked<T> = BTreeMap<i64, ParkedRecord<T>>;

fn key(tenant: &str, entity: EntityKind) -> CursorKey {
    CursorKey::new(
        tenant,
        System::ServiceTitan,
        format!("reconcile/parked/{entity}"),
    )
}

fn corrupt(e: &serde_json::Error) -> LedgerError {
    LedgerError::Corrupt {
        what: "parked records",
        detail: e.to_string(),
    }
}

/// The parked records of `entity` (empty when none were ever parked).
pub async fn load<T: DeserializeOwned>(
    ledger: &Ledger,
    tenant: &str,
    entity: EntityKind,
) -> Result<Parked<T>, LedgerError> {
    let Some(cursor) = ledger.cursors().get(&key(tenant, entity)).await? else {
        return Ok(Parked::new());
    };
    serde_json::from_str(&cursor.value).map_err(|e| corrupt(&e))
}

/// Notes the reason of each record of `parked` and since when it waits for it (records parked
/// by older builds, without a since, are left out), keyed by entity and id.
pub(crate) fn remember_since<R>(
    into: &mut std::collections::HashMap<(EntityKind, i64), (String, DateTime<Utc>)>,
    entity: EntityKind,
    parked: &Parked<R>,
) {
    for (id, p) in parked {
        if let Some(since) = p.since {
            into.insert((entity, *id), (p.reason.clone(), since));
        }
    }
}

/// Writes the parked records of `entity` inside `tx` (with the feed cursor they go with).
pub async fn save<T: Serialize>(
    tx: &mut LedgerTx,
    tenant: &str,
    entity: EntityKind,
    parked: &Parked<T>,
    run: Option<RunId>,
) -> Result<(), LedgerError> {
    let text = serde_json::to_string(parked).map_err(|e| corrupt(&e))?;
    tx.advance_cursor(&key(tenant, entity), &text, run).await
}

/// When the parked records of `entity` were last saved (by the latest run that read its
/// feed); `None` when none were ever parked.
pub async fn saved_at(
    ledger: &Ledger,
    tenant: &str,
    entity: EntityKind,
) -> Result<Option<DateTime<Utc>>, LedgerError> {
    let cursor = ledger.cursors().get(&key(tenant, entity)).await?;
    Ok(cursor.map(|c| c.updated_at))
}
