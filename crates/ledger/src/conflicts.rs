//! Conflicts: records changed on both sides in ways a policy could not settle.
//!
//! There is at most one open conflict per record (a partial unique index in the schema);
//! detecting the record again refreshes the open conflict's fields instead of piling up
//! duplicates. Resolving or dismissing is one-way (`open -> resolved | dismissed`) and is
//! recorded in the audit trail with the field paths only, never their values (which may be
//! customer data).

mod reopen;

use chrono::{DateTime, Utc};
use ledgerbridge_core::{EntityKind, System};
use serde::{Deserialize, Serialize};
use sqlx::{QueryBuilder, Sqlite};

use crate::db::{Db, parse_col, parse_json, parse_opt_ts, parse_ts, text_enum, to_json, ts};
use crate::error::write_error;
use crate::events::{NewEvent, append_event};
use crate::{ConflictId, LedgerError, RecordKey, RunId};

text_enum! {
    /// Where a conflict is in review.
    pub enum ConflictStatus ("conflict status") {
        /// Awaiting a person (or a policy change).
        Open => "open",
        /// Settled with a resolution.
        Resolved => "resolved",
        /// Closed without changing anything.
        Dismissed => "dismissed",
    }
}

/// One conflicting field: its path (`lines[st:4521].quantity`) and the three values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictField {
    /// The field path (docs/conflicts.md).
    pub path: String,
    /// The value both sides last agreed on (`null` when absent).
    pub base: serde_json::Value,
    /// ServiceTitan's value now.
    pub servicetitan: serde_json::Value,
    /// The accounting system's value now.
    pub accounting: serde_json::Value,
}

/// A conflict to raise.
#[derive(Clone, Debug, PartialEq)]
pub struct NewConflict {
    /// The record.
    pub key: RecordKey,
    /// The accounting record's id.
    pub target_id: String,
    /// The run that detected it.
    pub run: Option<RunId>,
    /// The conflicting fields (at least one).
    pub fields: Vec<ConflictField>,
}

/// How a person settled a conflict.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolution {
    /// The decision, e.g. `{"invoice.memo": "servicetitan", "invoice.due_date": {"value": ...}}`.
    pub choice: serde_json::Value,
    /// Who decided (a user name or `policy:<name>`).
    pub by: String,
    /// Why.
    pub note: Option<String>,
}

/// A stored conflict. Serializes with the keys of `conflicts list --format json`
/// (CONTRACTS.md), plus the resolution fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Conflict {
    /// Its number.
    pub id: ConflictId,
    /// Where it is in review.
    pub status: ConflictStatus,
    /// The kind of record.
    pub entity: EntityKind,
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// The record's ServiceTitan id.
    pub servicetitan_id: String,
    /// QuickBooks or Xero.
    #[serde(rename = "target")]
    pub target_system: System,
    /// The accounting company.
    pub target_company: String,
    /// The accounting record's id.
    pub target_id: String,
    /// When it was first detected.
    pub detected_at: DateTime<Utc>,
    /// The conflicting fields.
    pub fields: Vec<ConflictField>,
    /// The run that last detected it.
    pub run: Option<RunId>,
    /// The decision, once resolved.
    pub resolution: Option<serde_json::Value>,
    /// Who resolved or dismissed it.
    pub resolved_by: Option<String>,
    /// When.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Why.
    pub note: Option<String>,
}

impl Conflict {
    /// The record the conflict is about.
    pub fn key(&self) -> RecordKey {
        RecordKey {
            tenant: self.tenant.clone(),
            entity: self.entity,
            servicetitan_id: self.servicetitan_id.clone(),
            target_system: self.target_system,
            target_company: self.target_company.clone(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    tenant: String,
    entity: String,
    servicetitan_id: String,
    target_system: String,
    target_company: String,
    target_id: String,
    run_id: Option<i64>,
    status: String,
    fields: String,
    detected_at: String,
    resolution: Option<String>,
    resolved_by: Option<String>,
    resolved_at: Option<String>,
    note: Option<String>,
}

impl TryFrom<Row> for Conflict {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            id: ConflictId(row.id),
            status: parse_col("conflict status", &row.status)?,
            entity: parse_col("conflict entity", &row.entity)?,
            tenant: row.tenant,
            servicetitan_id: row.servicetitan_id,
            target_system: parse_col("conflict target_system", &row.target_system)?,
            target_company: row.target_company,
            target_id: row.target_id,
            detected_at: parse_ts("conflict detected_at", &row.detected_at)?,
            fields: serde_json::from_str(&row.fields)
                .map_err(|e| LedgerError::corrupt("conflict fields", e))?,
            run: row.run_id.map(RunId),
            resolution: row
                .resolution
                .as_deref()
                .map(|r| parse_json("conflict resolution", r))
                .transpose()?,
            resolved_by: row.resolved_by,
            resolved_at: parse_opt_ts("conflict resolved_at", row.resolved_at.as_deref())?,
            note: row.note,
        })
    }
}

macro_rules! columns {
    () => {
        "id, tenant, entity, servicetitan_id, target_system, target_company, target_id, run_id, \
         status, fields, detected_at, resolution, resolved_by, resolved_at, note"
    };
}

/// Which conflicts to list; every field narrows the result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConflictFilter {
    /// Only in this status.
    pub status: Option<ConflictStatus>,
    /// Only of this tenant.
    pub tenant: Option<String>,
    /// Only of this entity.
    pub entity: Option<EntityKind>,
    /// At most this many (default 500).
    pub limit: Option<u32>,
}

/// The conflicts repository.
pub struct Conflicts<'a> {
    db: Db<'a>,
}

impl<'a> Conflicts<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// Raises a conflict, or refreshes the record's open conflict (new fields, target id and
    /// run; the first detection time stays).
    pub async fn raise(&mut self, new: &NewConflict) -> Result<Conflict, LedgerError> {
        new.key.check()?;
        if new.fields.is_empty() {
            return Err(LedgerError::invalid(
                "conflict",
                "a conflict names at least one field",
            ));
        }
        let now = ts(self.db.now());
        let fields = to_json("conflict fields", &new.fields)?;
        let mut h = self.db.conn().await?;
        let row: Row = sqlx::query_as(concat!(
            "INSERT INTO conflicts (tenant, entity, servicetitan_id, target_system, target_company, \
             target_id, run_id, fields, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (tenant, entity, servicetitan_id, target_system, target_company) \
             WHERE status = 'open' DO UPDATE SET fields = excluded.fields, \
             target_id = excluded.target_id, run_id = excluded.run_id RETURNING ",
            columns!()
        ))
        .bind(&new.key.tenant)
        .bind(new.key.entity.as_str())
        .bind(&new.key.servicetitan_id)
        .bind(new.key.target_system.as_str())
        .bind(&new.key.target_company)
        .bind(&new.target_id)
        .bind(new.run.map(|r| r.0))
        .bind(&fields)
        .bind(&now)
        .fetch_one(h.conn())
        .await
        .map_err(write_error("conflict"))?;
        row.try_into()
    }

    /// One conflict.
    pub async fn get(&mut self, id: ConflictId) -> Result<Option<Conflict>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM conflicts WHERE id = ?"
        ))
        .bind(id.0)
        .fetch_optional(h.conn())
        .await?;
        row.map(Conflict::try_from).transpose()
    }

    /// The record's open conflict, if any (a record with one is not synced until it is settled).
    pub async fn open_for(&mut self, key: &RecordKey) -> Result<Option<Conflict>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM conflicts WHERE status = 'open' AND tenant = ? AND entity = ? \
             AND servicetitan_id = ? AND target_system = ? AND target_company = ?"
        ))
        .bind(&key.tenant)
        .bind(key.entity.as_str())
        .bind(&key.servicetitan_id)
        .bind(key.target_system.as_str())
        .bind(&key.target_company)
        .fetch_optional(h.conn())
        .await?;
        row.map(Conflict::try_from).transpose()
    }

    /// Conflicts matching `filter`, oldest first.
    pub async fn list(&mut self, filter: &ConflictFilter) -> Result<Vec<Conflict>, LedgerError> {
        let mut q = QueryBuilder::<Sqlite>::new(concat!(
            "SELECT ",
            columns!(),
            " FROM conflicts WHERE 1 = 1"
        ));
        if let Some(status) = filter.status {
            q.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(tenant) = &filter.tenant {
            q.push(" AND tenant = ").push_bind(tenant.clone());
        }
        if let Some(entity) = filter.entity {
            q.push(" AND entity = ").push_bind(entity.as_str());
        }
        q.push(" ORDER BY id LIMIT ")
            .push_bind(i64::from(filter.limit.unwrap_or(500)));
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = q.build_query_as().fetch_all(h.conn()).await?;
        rows.into_iter().map(Conflict::try_from).collect()
    }

    /// How many conflicts are open (exit code 3 when non-zero after a sync).
    pub async fn count_open(&mut self, tenant: Option<&str>) -> Result<i64, LedgerError> {
        let mut h = self.db.conn().await?;
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM conflicts WHERE status = 'open' AND (?1 IS NULL OR tenant = ?1)",
        )
        .bind(tenant)
        .fetch_one(h.conn())
        .await?)
    }

    /// Resolved conflicts of `tenant` whose resolution no sync has applied yet, oldest first
    /// (the next sync applies them before reading any feed).
    pub async fn resolved_unapplied(&mut self, tenant: &str) -> Result<Vec<Conflict>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM conflicts WHERE status = 'resolved' AND applied_at IS NULL AND tenant = ? \
             ORDER BY id"
        ))
        .bind(tenant)
        .fetch_all(h.conn())
        .await?;
        rows.into_iter().map(Conflict::try_from).collect()
    }

    /// When a resolved conflict was applied to both systems (`None`: not yet, or not resolved).
    pub async fn applied_at(
        &mut self,
        id: ConflictId,
    ) -> Result<Option<DateTime<Utc>>, LedgerError> {
        let mut h = self.db.conn().await?;
        let at: Option<Option<String>> =
            sqlx::query_scalar("SELECT applied_at FROM conflicts WHERE id = ?")
                .bind(id.0)
                .fetch_optional(h.conn())
                .await?;
        parse_opt_ts("conflict applied_at", at.flatten().as_deref())
    }

    /// Records that a resolved conflict's resolution was written to both systems; audited with
    /// `detail` (ids and field paths only). Applying twice is harmless: the first time stays.
    pub async fn mark_applied(
        &mut self,
        id: ConflictId,
        run: Option<RunId>,
        detail: serde_json::Value,
    ) -> Result<(), LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let row: Option<(String, String, String)> = sqlx::query_as(
            "UPDATE conflicts SET applied_at = ? WHERE id = ? AND status = 'resolved' \
             AND applied_at IS NULL RETURNING tenant, entity, servicetitan_id",
        )
        .bind(&now)
        .bind(id.0)
        .fetch_optional(h.conn())
        .await
        .map_err(write_error("conflict"))?;
        if let Some((tenant, entity, servicetitan_id)) = row {
            let entity: EntityKind = parse_col("conflict entity", &entity)?;
            let mut event = NewEvent::new("conflict.applied")
                .tenant(&tenant)
                .record(entity, &servicetitan_id)
                .detail(serde_json::json!({ "conflict": id.0, "applied": detail }));
            if let Some(run) = run {
                event = event.run(run);
            }
            append_event(h.conn(), &now, &event).await?;
        }
        h.finish().await?;
        Ok(())
    }

    /// `open -> resolved`, with the decision, who made it and why; audited.
    pub async fn resolve(
        &mut self,
        id: ConflictId,
        resolution: &Resolution,
    ) -> Result<Conflict, LedgerError> {
        self.close(
            id,
            ConflictStatus::Resolved,
            Some(&resolution.choice),
            &resolution.by,
            resolution.note.as_deref(),
        )
        .await
    }

    /// `open -> dismissed`: closed without changing anything; audited.
    pub async fn dismiss(
        &mut self,
        id: ConflictId,
        by: &str,
        note: Option<&str>,
    ) -> Result<Conflict, LedgerError> {
        self.close(id, ConflictStatus::Dismissed, None, by, note)
            .await
    }

    async fn close(
        &mut self,
        id: ConflictId,
        to: ConflictStatus,
        choice: Option<&serde_json::Value>,
        by: &str,
        note: Option<&str>,
    ) -> Result<Conflict, LedgerError> {
        let now = ts(self.db.now());
        let choice = choice
            .map(|c| to_json("conflict resolution", c))
            .transpose()?;
        let mut h = self.db.tx().await?;
        let row: Option<Row> = sqlx::query_as(concat!(
            "UPDATE conflicts SET status = ?, resolution = ?, resolved_by = ?, resolved_at = ?, note = ? \
             WHERE id = ? AND status = 'open' RETURNING ",
            columns!()
        ))
        .bind(to.as_str())
        .bind(&choice)
        .bind(by)
        .bind(&now)
        .bind(note)
        .bind(id.0)
        .fetch_optional(h.conn())
        .await
        .map_err(write_error("conflict"))?;
        let Some(row) = row else {
            let current: Option<String> =
                sqlx::query_scalar("SELECT status FROM conflicts WHERE id = ?")
                    .bind(id.0)
                    .fetch_optional(h.conn())
                    .await?;
            return Err(match current {
                None => LedgerError::not_found("conflict", id),
                Some(from) => LedgerError::IllegalTransition {
                    what: "conflict",
                    id: id.to_string(),
                    from,
                    to: to.to_string(),
                },
            });
        };
        let conflict = Conflict::try_from(row)?;
        let paths: Vec<&str> = conflict.fields.iter().map(|f| f.path.as_str()).collect();
        let event = NewEvent::new(format!("conflict.{to}"))
            .tenant(&conflict.tenant)
            .record(conflict.entity, &conflict.servicetitan_id)
            .detail(serde_json::json!({ "conflict": id.0, "by": by, "paths": paths }));
        append_event(h.conn(), &now, &event).await?;
        h.finish().await?;
        Ok(conflict)
    }
}
