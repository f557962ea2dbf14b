//! The outbox: one operation per record write, committed before any request carries it.
//!
//! An operation is a state machine:
//!
//! ```text
//! pending ──> sent ──> confirmed
//!    ^          │
//!    │          v
//!    └────── failed ──> dead
//! ```
//!
//! `sent` means "handed to a request whose outcome this ledger owns" (see [`crate::requests`]):
//! after a crash, an operation still `sent` is finished by replaying its request with the same
//! idempotency key, never by writing it afresh. Every move is checked here (a typed
//! [`LedgerError::IllegalTransition`]) and again by a trigger in the schema, so no code path and
//! no hand-written UPDATE can skip a step.
//!
//! Every outcome (`confirmed`, `failed`, `dead`) appends its audit event in the same
//! transaction (see [`audit`]), whichever method moved it.

use ledgerbridge_core::{EntityKind, System};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use crate::db::{Db, parse_col, to_json, ts};
use crate::error::write_error;
use crate::events::append_event;
use crate::ids::check_target;
use crate::{LedgerError, OperationId, RecordKey};

#[macro_use]
mod model;
mod audit;

use model::{COLUMNS, Row};
pub use model::{NewOperation, Operation, OperationAction, OperationFilter, OperationState, Side};

/// Moves one operation, checking the state machine first, and appends the audit event of an
/// outcome in the same transaction. Shared with the requests repository, which moves a
/// batch's members to `sent` in the transaction that records the request.
pub(crate) async fn move_operation(
    conn: &mut SqliteConnection,
    now: &str,
    id: OperationId,
    to: OperationState,
    error: Option<&str>,
    remote_id: Option<&str>,
) -> Result<Operation, LedgerError> {
    let current: Option<String> = sqlx::query_scalar("SELECT state FROM operations WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    let current: OperationState = match current {
        Some(state) => parse_col("operation state", &state)?,
        None => return Err(LedgerError::not_found("operation", id)),
    };
    if !current.can_move_to(to) {
        return Err(LedgerError::IllegalTransition {
            what: "operation",
            id: id.to_string(),
            from: current.to_string(),
            to: to.to_string(),
        });
    }
    let mut q = QueryBuilder::<Sqlite>::new("UPDATE operations SET state = ");
    q.push_bind(to.as_str())
        .push(", updated_at = ")
        .push_bind(now.to_owned());
    if to == OperationState::Sent {
        q.push(", attempts = attempts + 1");
    }
    if let Some(error) = error {
        q.push(", last_error = ").push_bind(error.to_owned());
    }
    if let Some(remote_id) = remote_id {
        q.push(", remote_id = ").push_bind(remote_id.to_owned());
    }
    q.push(" WHERE id = ").push_bind(id.to_string());
    q.push(" AND state = ").push_bind(current.as_str());
    q.push(" RETURNING ").push(COLUMNS);
    let row: Row = q
        .build_query_as()
        .fetch_one(&mut *conn)
        .await
        .map_err(write_error("operation"))?;
    let op: Operation = row.try_into()?;
    if let Some(event) = audit::outcome_event(&op, error) {
        append_event(conn, now, &event).await?;
    }
    Ok(op)
}

/// The outbox repository.
pub struct Outbox<'a> {
    db: Db<'a>,
}

impl<'a> Outbox<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// Enqueues one operation as `pending`.
    pub async fn enqueue(&mut self, op: &NewOperation) -> Result<Operation, LedgerError> {
        Ok(self.enqueue_all(std::slice::from_ref(op)).await?.remove(0))
    }

    /// Enqueues several operations in one transaction: all or none.
    pub async fn enqueue_all(
        &mut self,
        ops: &[NewOperation],
    ) -> Result<Vec<Operation>, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let mut stored = Vec::with_capacity(ops.len());
        for op in ops {
            check_target(op.target_system)?;
            let row: Row = sqlx::query_as(concat!(
                "INSERT INTO operations (id, run_id, tenant, entity, side, action, servicetitan_id, \
                 target_system, target_company, target_id, payload, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12) RETURNING ",
                columns!()
            ))
            .bind(OperationId::new().to_string())
            .bind(op.run.map(|r| r.0))
            .bind(&op.tenant)
            .bind(op.entity.as_str())
            .bind(op.side.as_str())
            .bind(op.action.as_str())
            .bind(&op.servicetitan_id)
            .bind(op.target_system.as_str())
            .bind(&op.target_company)
            .bind(&op.target_id)
            .bind(to_json("operation payload", &op.payload)?)
            .bind(&now)
            .fetch_one(h.conn())
            .await
            .map_err(write_error("operation"))?;
            stored.push(row.try_into()?);
        }
        h.finish().await?;
        Ok(stored)
    }

    /// One operation.
    pub async fn get(&mut self, id: OperationId) -> Result<Option<Operation>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM operations WHERE id = ?"
        ))
        .bind(id.to_string())
        .fetch_optional(h.conn())
        .await?;
        row.map(Operation::try_from).transpose()
    }

    /// Operations matching `filter`, oldest first.
    pub async fn list(&mut self, filter: &OperationFilter) -> Result<Vec<Operation>, LedgerError> {
        let mut q = QueryBuilder::<Sqlite>::new("SELECT ");
        q.push(COLUMNS).push(" FROM operations WHERE 1 = 1");
        if let Some(state) = filter.state {
            q.push(" AND state = ").push_bind(state.as_str());
        }
        if let Some(tenant) = &filter.tenant {
            q.push(" AND tenant = ").push_bind(tenant.clone());
        }
        if let Some(run) = filter.run {
            q.push(" AND run_id = ").push_bind(run.0);
        }
        q.push(" ORDER BY id LIMIT ")
            .push_bind(i64::from(filter.limit.unwrap_or(500)));
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = q.build_query_as().fetch_all(h.conn()).await?;
        rows.into_iter().map(Operation::try_from).collect()
    }

    /// Moves an operation to `to`; refuses moves the state machine does not allow. Prefer the
    /// named moves below, which record what goes with each.
    pub async fn transition(
        &mut self,
        id: OperationId,
        to: OperationState,
    ) -> Result<Operation, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let op = move_operation(h.conn(), &now, id, to, None, None).await?;
        h.finish().await?;
        Ok(op)
    }

    /// `sent -> confirmed`, recording the id the remote gave the record.
    pub async fn confirm(
        &mut self,
        id: OperationId,
        remote_id: Option<&str>,
    ) -> Result<Operation, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let op = move_operation(
            h.conn(),
            &now,
            id,
            OperationState::Confirmed,
            None,
            remote_id,
        )
        .await?;
        h.finish().await?;
        Ok(op)
    }

    /// `sent -> failed`, recording why (an error kind and remote code, never customer data).
    pub async fn fail(&mut self, id: OperationId, error: &str) -> Result<Operation, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let op = move_operation(
            h.conn(),
            &now,
            id,
            OperationState::Failed,
            Some(error),
            None,
        )
        .await?;
        h.finish().await?;
        Ok(op)
    }

    /// `failed -> pending`: try again in a new request.
    pub async fn retry(&mut self, id: OperationId) -> Result<Operation, LedgerError> {
        self.transition(id, OperationState::Pending).await
    }

    /// `failed -> dead`: give up, and say so in the audit trail.
    pub async fn give_up(
        &mut self,
        id: OperationId,
        reason: &str,
    ) -> Result<Operation, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let op =
            move_operation(h.conn(), &now, id, OperationState::Dead, Some(reason), None).await?;
        h.finish().await?;
        Ok(op)
    }

    /// The last confirmed create of `key` on `side`, with the id the remote gave it: what
    /// the bridge wrote for a record, even if a crash left the record unlinked.
    pub async fn confirmed_create(
        &mut self,
        key: &RecordKey,
        side: Side,
    ) -> Result<Option<Operation>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM operations WHERE tenant = ? AND entity = ? AND servicetitan_id = ? \
             AND target_system = ? AND target_company = ? AND side = ? AND action = ? \
             AND state = ? AND remote_id IS NOT NULL ORDER BY id DESC LIMIT 1"
        ))
        .bind(&key.tenant)
        .bind(key.entity.as_str())
        .bind(&key.servicetitan_id)
        .bind(key.target_system.as_str())
        .bind(&key.target_company)
        .bind(side.as_str())
        .bind(OperationAction::Create.as_str())
        .bind(OperationState::Confirmed.as_str())
        .fetch_optional(h.conn())
        .await?;
        row.map(Operation::try_from).transpose()
    }

    /// The confirmed create on `side` that wrote the remote record `remote_id` of `entity` in
    /// `system`/`company`: tells the bridge's own writes from a person's.
    pub async fn confirmed_create_of_remote(
        &mut self,
        tenant: &str,
        entity: EntityKind,
        side: Side,
        (system, company): (System, &str),
        remote_id: &str,
    ) -> Result<Option<Operation>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM operations WHERE tenant = ? AND entity = ? AND remote_id = ? \
             AND target_system = ? AND target_company = ? AND side = ? AND action = ? \
             AND state = ? ORDER BY id DESC LIMIT 1"
        ))
        .bind(tenant)
        .bind(entity.as_str())
        .bind(remote_id)
        .bind(system.as_str())
        .bind(company)
        .bind(side.as_str())
        .bind(OperationAction::Create.as_str())
        .bind(OperationState::Confirmed.as_str())
        .fetch_optional(h.conn())
        .await?;
        row.map(Operation::try_from).transpose()
    }

    /// How many operations are in each state (for `runs show` and the report).
    pub async fn count_by_state(
        &mut self,
        tenant: Option<&str>,
    ) -> Result<Vec<(OperationState, i64)>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT state, COUNT(*) FROM operations WHERE ?1 IS NULL OR tenant = ?1 \
             GROUP BY state ORDER BY state",
        )
        .bind(tenant)
        .fetch_all(h.conn())
        .await?;
        rows.into_iter()
            .map(|(state, n)| Ok((parse_col("operation state", &state)?, n)))
            .collect()
    }
}
