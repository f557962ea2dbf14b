//! The audit trail: append-only, refused UPDATE and DELETE by triggers in the schema, so not
//! even a hand-written statement can rewrite history.
//!
//! The ledger appends its own events in the same transaction as the change they describe
//! (`lease.takeover`, `conflict.resolved`, `connection.broken`, `mappings.changed`, ...);
//! callers append theirs with [`Events::append`]. Details carry ids, field paths and counts,
//! never customer names, emails, addresses or secrets.
//!
//! Every remote write is in the trail exactly once per outcome, appended by the outbox in the
//! transaction that records it (see `crate::outbox`): no caller can forget it. Such an event
//! names the operation, the ServiceTitan record (`record_id`) and the accounting record
//! (`target_system`, `target_company`, `target_id`).

use chrono::{DateTime, Utc};
use ledgerbridge_core::{EntityKind, System};
use serde::Serialize;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::db::{Db, parse_col, parse_json, parse_ts, to_json, ts};
use crate::{EventId, LedgerError, OperationId, RunId};

/// An event to append.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// Dotted kind, e.g. `sync.started`, `lease.takeover`.
    pub kind: String,
    /// The run it happened in.
    pub run: Option<RunId>,
    /// The ServiceTitan tenant concerned.
    pub tenant: Option<String>,
    /// The kind of record concerned.
    pub entity: Option<EntityKind>,
    /// The record's id (ServiceTitan or remote).
    pub record_id: Option<String>,
    /// The accounting system of the record written (remote writes).
    pub target_system: Option<System>,
    /// Its company (QBO realm id, Xero tenant id).
    pub target_company: Option<String>,
    /// The record's id in the accounting system.
    pub target_id: Option<String>,
    /// The outbox operation that carried the write.
    pub operation: Option<OperationId>,
    /// Ids, paths and counts; never PII or secrets.
    pub detail: serde_json::Value,
}

impl NewEvent {
    /// An event of `kind` with an empty detail object.
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            run: None,
            tenant: None,
            entity: None,
            record_id: None,
            target_system: None,
            target_company: None,
            target_id: None,
            operation: None,
            detail: serde_json::json!({}),
        }
    }

    /// Sets the run.
    pub fn run(mut self, run: RunId) -> Self {
        self.run = Some(run);
        self
    }

    /// Sets the tenant.
    pub fn tenant(mut self, tenant: &str) -> Self {
        self.tenant = Some(tenant.to_owned());
        self
    }

    /// Sets the record.
    pub fn record(mut self, entity: EntityKind, id: &str) -> Self {
        self.entity = Some(entity);
        self.record_id = Some(id.to_owned());
        self
    }

    /// Sets the accounting record: system, company and (when known) its id there.
    pub fn target(mut self, system: System, company: &str, id: Option<&str>) -> Self {
        self.target_system = Some(system);
        self.target_company = Some(company.to_owned());
        self.target_id = id.map(str::to_owned);
        self
    }

    /// Sets the outbox operation.
    pub fn operation(mut self, id: OperationId) -> Self {
        self.operation = Some(id);
        self
    }

    /// Sets the detail.
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// A stored event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// Its id (append order).
    pub id: EventId,
    /// When it was appended.
    pub at: DateTime<Utc>,
    /// Dotted kind.
    pub kind: String,
    /// The run it happened in.
    pub run: Option<RunId>,
    /// The tenant concerned.
    pub tenant: Option<String>,
    /// The kind of record concerned.
    pub entity: Option<EntityKind>,
    /// The record's id.
    pub record_id: Option<String>,
    /// The accounting system of the record written.
    pub target_system: Option<System>,
    /// Its company.
    pub target_company: Option<String>,
    /// The record's id in the accounting system.
    pub target_id: Option<String>,
    /// The outbox operation that carried the write.
    pub operation: Option<OperationId>,
    /// Ids, paths and counts.
    pub detail: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: String,
    kind: String,
    run_id: Option<i64>,
    tenant: Option<String>,
    entity: Option<String>,
    record_id: Option<String>,
    target_system: Option<String>,
    target_company: Option<String>,
    target_id: Option<String>,
    operation_id: Option<String>,
    detail: String,
}

impl TryFrom<Row> for Event {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            id: EventId(row.id),
            at: parse_ts("event at", &row.at)?,
            kind: row.kind,
            run: row.run_id.map(RunId),
            tenant: row.tenant,
            entity: row
                .entity
                .as_deref()
                .map(|e| parse_col("event entity", e))
                .transpose()?,
            record_id: row.record_id,
            target_system: row
                .target_system
                .as_deref()
                .map(|s| parse_col("event target_system", s))
                .transpose()?,
            target_company: row.target_company,
            target_id: row.target_id,
            operation: row
                .operation_id
                .as_deref()
                .map(|o| parse_col("event operation_id", o))
                .transpose()?,
            detail: parse_json("event detail", &row.detail)?,
        })
    }
}

/// Which events to list; every field narrows the result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this run.
    pub run: Option<RunId>,
    /// Only this tenant.
    pub tenant: Option<String>,
    /// Only events of this ServiceTitan record id (any entity).
    pub record: Option<String>,
    /// Only events of this accounting record: (system, id there).
    pub target: Option<(System, String)>,
    /// Only events appended at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only events after this id (for following the trail).
    pub after: Option<EventId>,
    /// At most this many (default 100).
    pub limit: Option<u32>,
}

pub(crate) async fn append_event(
    conn: &mut SqliteConnection,
    at: &str,
    event: &NewEvent,
) -> Result<EventId, LedgerError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO events (at, kind, run_id, tenant, entity, record_id, target_system, \
         target_company, target_id, operation_id, detail) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(at)
    .bind(&event.kind)
    .bind(event.run.map(|r| r.0))
    .bind(&event.tenant)
    .bind(event.entity.map(EntityKind::as_str))
    .bind(&event.record_id)
    .bind(event.target_system.map(System::as_str))
    .bind(&event.target_company)
    .bind(&event.target_id)
    .bind(event.operation.map(|o| o.to_string()))
    .bind(to_json("event detail", &event.detail)?)
    .fetch_one(conn)
    .await
    .map_err(crate::error::write_error("event"))?;
    Ok(EventId(id))
}

/// The events repository.
pub struct Events<'a> {
    db: Db<'a>,
}

impl<'a> Events<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// Appends an event.
    pub async fn append(&mut self, event: &NewEvent) -> Result<EventId, LedgerError> {
        let at = ts(self.db.now());
        let mut h = self.db.conn().await?;
        append_event(h.conn(), &at, event).await
    }

    /// Events matching `filter`, oldest first.
    pub async fn list(&mut self, filter: &EventFilter) -> Result<Vec<Event>, LedgerError> {
        let mut q = QueryBuilder::<Sqlite>::new(
            "SELECT id, at, kind, run_id, tenant, entity, record_id, target_system, \
             target_company, target_id, operation_id, detail FROM events WHERE 1 = 1",
        );
        if let Some(kind) = &filter.kind {
            q.push(" AND kind = ").push_bind(kind.clone());
        }
        if let Some(run) = filter.run {
            q.push(" AND run_id = ").push_bind(run.0);
        }
        if let Some(tenant) = &filter.tenant {
            q.push(" AND tenant = ").push_bind(tenant.clone());
        }
        if let Some(record) = &filter.record {
            q.push(" AND record_id = ").push_bind(record.clone());
        }
        if let Some((system, id)) = &filter.target {
            // Decisions (`link.set`, `customer.matched`, ...) name the books id in their
            // detail only; their system is the one the tenant is connected to (a tenant syncs
            // to exactly one).
            q.push(" AND (target_id = ")
                .push_bind(id.clone())
                .push(" AND target_system = ")
                .push_bind(system.as_str())
                .push(" OR target_system IS NULL AND json_extract(detail, '$.target_id') = ")
                .push_bind(id.clone())
                .push(
                    " AND EXISTS (SELECT 1 FROM connections c WHERE c.tenant = events.tenant \
                     AND c.system = ",
                )
                .push_bind(system.as_str())
                .push("))");
        }
        if let Some(since) = filter.since {
            q.push(" AND at >= ").push_bind(ts(since));
        }
        if let Some(after) = filter.after {
            q.push(" AND id > ").push_bind(after.0);
        }
        q.push(" ORDER BY id LIMIT ")
            .push_bind(i64::from(filter.limit.unwrap_or(100)));
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = q.build_query_as().fetch_all(h.conn()).await?;
        rows.into_iter().map(Event::try_from).collect()
    }
}
