//! Quarantine: records a remote sent that could not be parsed.
//!
//! Instead of failing the whole page (and stalling its cursor forever) or silently skipping the
//! record, the connector stores exactly what arrived with the reason, and the page moves on.
//! The report lists open entries so nothing disappears unseen. The raw payload may contain
//! customer data: it is stored, never logged, and not serialized with the entry.

use chrono::{DateTime, Utc};
use ledgerbridge_core::{EntityKind, System};
use serde::Serialize;

use crate::db::{Db, parse_col, parse_opt_ts, parse_ts, ts};
use crate::error::write_error;
use crate::{LedgerError, QuarantineId, RunId};

/// A record to quarantine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewQuarantine {
    /// The run that read it.
    pub run: Option<RunId>,
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// The system that sent it.
    pub system: System,
    /// The kind of record the feed carries.
    pub entity: EntityKind,
    /// The record's remote id, when it could be read at all.
    pub remote_id: Option<String>,
    /// Why it could not be parsed (a parser message; no values).
    pub reason: String,
    /// Exactly what the remote sent.
    pub raw: Vec<u8>,
}

/// A quarantined record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QuarantineEntry {
    /// Its id.
    pub id: QuarantineId,
    /// The run that read it.
    pub run: Option<RunId>,
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// The system that sent it.
    pub system: System,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record's remote id.
    pub remote_id: Option<String>,
    /// Why it could not be parsed.
    pub reason: String,
    /// What the remote sent. Not serialized: it may hold customer data.
    #[serde(skip)]
    pub raw: Vec<u8>,
    /// When it arrived.
    pub received_at: DateTime<Utc>,
    /// When a person (or a fixed parser) released it.
    pub released_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    run_id: Option<i64>,
    tenant: String,
    system: String,
    entity: String,
    remote_id: Option<String>,
    reason: String,
    raw: Vec<u8>,
    received_at: String,
    released_at: Option<String>,
}

impl TryFrom<Row> for QuarantineEntry {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            id: QuarantineId(row.id),
            run: row.run_id.map(RunId),
            tenant: row.tenant,
            system: parse_col("quarantine system", &row.system)?,
            entity: parse_col("quarantine entity", &row.entity)?,
            remote_id: row.remote_id,
            reason: row.reason,
            raw: row.raw,
            received_at: parse_ts("quarantine received_at", &row.received_at)?,
            released_at: parse_opt_ts("quarantine released_at", row.released_at.as_deref())?,
        })
    }
}

macro_rules! columns {
    () => {
        "id, run_id, tenant, system, entity, remote_id, reason, raw, received_at, released_at"
    };
}

/// The quarantine repository.
pub struct Quarantine<'a> {
    db: Db<'a>,
}

impl<'a> Quarantine<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// Quarantines a record.
    pub async fn add(&mut self, new: &NewQuarantine) -> Result<QuarantineEntry, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.conn().await?;
        let row: Row = sqlx::query_as(concat!(
            "INSERT INTO quarantine (run_id, tenant, system, entity, remote_id, reason, raw, received_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ",
            columns!()
        ))
        .bind(new.run.map(|r| r.0))
        .bind(&new.tenant)
        .bind(new.system.as_str())
        .bind(new.entity.as_str())
        .bind(&new.remote_id)
        .bind(&new.reason)
        .bind(&new.raw)
        .bind(&now)
        .fetch_one(h.conn())
        .await
        .map_err(write_error("quarantine entry"))?;
        row.try_into()
    }

    /// One entry.
    pub async fn get(&mut self, id: QuarantineId) -> Result<Option<QuarantineEntry>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM quarantine WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(h.conn())
        .await?;
        row.map(QuarantineEntry::try_from).transpose()
    }

    /// Entries of a tenant (all with `None`), oldest first; released ones only if asked.
    pub async fn list(
        &mut self,
        tenant: Option<&str>,
        include_released: bool,
    ) -> Result<Vec<QuarantineEntry>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM quarantine WHERE (?1 IS NULL OR tenant = ?1) AND (?2 OR released_at IS NULL) ORDER BY id"
        ))
        .bind(tenant)
        .bind(include_released)
        .fetch_all(h.conn())
        .await?;
        rows.into_iter().map(QuarantineEntry::try_from).collect()
    }

    /// Marks an entry dealt with. Refuses one already released.
    pub async fn release(&mut self, id: QuarantineId) -> Result<QuarantineEntry, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let row: Option<Row> = sqlx::query_as(concat!(
            "UPDATE quarantine SET released_at = ? WHERE id = ? AND released_at IS NULL RETURNING ",
            columns!()
        ))
        .bind(&now)
        .bind(id.0)
        .fetch_optional(h.conn())
        .await?;
        let entry = match row {
            Some(row) => QuarantineEntry::try_from(row)?,
            None => {
                let exists: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM quarantine WHERE id = ?")
                        .bind(id.0)
                        .fetch_optional(h.conn())
                        .await?;
                return Err(match exists {
                    None => LedgerError::not_found("quarantine entry", id),
                    Some(_) => LedgerError::IllegalTransition {
                        what: "quarantine entry",
                        id: id.to_string(),
                        from: "released".into(),
                        to: "released".into(),
                    },
                });
            }
        };
        h.finish().await?;
        Ok(entry)
    }
}
