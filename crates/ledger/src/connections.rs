//! Connections: one authorised link from a ServiceTitan tenant to one remote company.
//!
//! A connection records the company and environment it was made with. [`Connections::register`]
//! refuses a later configuration that points the same tenant at another company, environment or
//! accounting system ([`LedgerError::TargetMismatch`]): sandbox data must never land in
//! production books, and a tenant syncs to exactly one accounting target.

use chrono::{DateTime, Utc};
use ledgerbridge_core::System;
use serde::Serialize;

use crate::db::{Db, parse_col, parse_opt_ts, parse_ts, text_enum, ts};
use crate::events::{NewEvent, append_event};
use ledgerbridge_core::Environment;

use crate::{ConnectionId, LedgerError};

text_enum! {
    /// Whether a connection can be used.
    pub enum ConnectionStatus ("connection status") {
        /// Usable.
        Ok => "ok",
        /// Tokens expired or revoked: the user must reconnect (exit code 5).
        Broken => "broken",
    }
}

/// What a new connection is made with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewConnection {
    /// ServiceTitan, QuickBooks or Xero.
    pub system: System,
    /// The ServiceTitan tenant it serves.
    pub tenant: String,
    /// ServiceTitan tenant id, QBO realm id or Xero tenant id.
    pub company: String,
    /// Sandbox, production or integration.
    pub environment: Environment,
}

/// A stored connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Connection {
    /// Its id (also the associated data of its encrypted credentials).
    pub id: ConnectionId,
    /// ServiceTitan, QuickBooks or Xero.
    pub system: System,
    /// The ServiceTitan tenant it serves.
    pub tenant: String,
    /// The remote company recorded when it was made.
    pub company: String,
    /// The environment recorded when it was made.
    pub environment: Environment,
    /// Ok or broken.
    pub status: ConnectionStatus,
    /// Why it is broken (an error kind, never a token).
    pub status_reason: Option<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When a call through it last succeeded.
    pub last_success_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    system: String,
    tenant: String,
    company: String,
    environment: String,
    status: String,
    status_reason: Option<String>,
    created_at: String,
    updated_at: String,
    last_success_at: Option<String>,
}

impl TryFrom<Row> for Connection {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            id: parse_col("connection id", &row.id)?,
            system: parse_col("connection system", &row.system)?,
            tenant: row.tenant,
            company: row.company,
            environment: parse_col("connection environment", &row.environment)?,
            status: parse_col("connection status", &row.status)?,
            status_reason: row.status_reason,
            created_at: parse_ts("connection created_at", &row.created_at)?,
            updated_at: parse_ts("connection updated_at", &row.updated_at)?,
            last_success_at: parse_opt_ts(
                "connection last_success_at",
                row.last_success_at.as_deref(),
            )?,
        })
    }
}

/// `SELECT <every column> FROM connections <tail>`, as a `&'static str` for `sqlx::query_as`.
macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT id, system, tenant, company, environment, status, status_reason, created_at, \
             updated_at, last_success_at FROM connections ",
            $tail
        )
    };
}

fn describe(system: System, company: &str, environment: Environment) -> String {
    format!("{system} company {company} ({environment})")
}

/// The connections repository.
pub struct Connections<'a> {
    db: Db<'a>,
}

impl<'a> Connections<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// Records a connection, or returns the existing one when the tenant is already connected
    /// to exactly this company and environment. Refuses ([`LedgerError::TargetMismatch`]) a
    /// tenant already connected elsewhere: another company, another environment, or (for the
    /// accounting side) another accounting system.
    pub async fn register(&mut self, new: &NewConnection) -> Result<Connection, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let existing: Vec<Row> = sqlx::query_as(select!("\
             WHERE tenant = ?1 AND (system = ?2 OR (?2 <> 'servicetitan' AND system <> 'servicetitan'))"))
        .bind(&new.tenant)
        .bind(new.system.as_str())
        .fetch_all(h.conn())
        .await?;
        if let Some(row) = existing.into_iter().next() {
            let found = Connection::try_from(row)?;
            if found.system == new.system
                && found.company == new.company
                && found.environment == new.environment
            {
                return Ok(found);
            }
            return Err(LedgerError::TargetMismatch {
                tenant: new.tenant.clone(),
                recorded: describe(found.system, &found.company, found.environment),
                configured: describe(new.system, &new.company, new.environment),
            });
        }
        let id = ConnectionId::new();
        sqlx::query(
            "INSERT INTO connections (id, system, tenant, company, environment, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(new.system.as_str())
        .bind(&new.tenant)
        .bind(&new.company)
        .bind(new.environment.as_str())
        .bind(&now)
        .bind(&now)
        .execute(h.conn())
        .await
        .map_err(crate::error::write_error("connection"))?;
        append_event(
            h.conn(),
            &now,
            &NewEvent::new("connection.registered")
                .tenant(&new.tenant)
                .detail(serde_json::json!({
                    "connection": id.to_string(),
                    "system": new.system.as_str(),
                    "company": new.company,
                    "environment": new.environment.as_str(),
                })),
        )
        .await?;
        let row: Row = sqlx::query_as(select!("WHERE id = ?"))
            .bind(id.to_string())
            .fetch_one(h.conn())
            .await?;
        h.finish().await?;
        row.try_into()
    }

    /// One connection by id.
    pub async fn get(&mut self, id: ConnectionId) -> Result<Option<Connection>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(select!("WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(h.conn())
            .await?;
        row.map(Connection::try_from).transpose()
    }

    /// The tenant's connection to `system`, if any.
    pub async fn find(
        &mut self,
        tenant: &str,
        system: System,
    ) -> Result<Option<Connection>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(select!("WHERE tenant = ? AND system = ?"))
            .bind(tenant)
            .bind(system.as_str())
            .fetch_optional(h.conn())
            .await?;
        row.map(Connection::try_from).transpose()
    }

    /// Every connection, by tenant then system.
    pub async fn list(&mut self) -> Result<Vec<Connection>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(select!("ORDER BY tenant, system"))
            .fetch_all(h.conn())
            .await?;
        rows.into_iter().map(Connection::try_from).collect()
    }

    /// Marks a connection unusable (tokens expired or revoked) and records why in the audit
    /// trail. `reason` is an error kind such as `invalid_grant`, never a token.
    pub async fn mark_broken(&mut self, id: ConnectionId, reason: &str) -> Result<(), LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let tenant: Option<String> = sqlx::query_scalar(
            "UPDATE connections SET status = 'broken', status_reason = ?, updated_at = ? \
             WHERE id = ? RETURNING tenant",
        )
        .bind(reason)
        .bind(&now)
        .bind(id.to_string())
        .fetch_optional(h.conn())
        .await
        .map_err(crate::error::write_error("connection"))?;
        let tenant = tenant.ok_or_else(|| LedgerError::not_found("connection", id))?;
        append_event(
            h.conn(),
            &now,
            &NewEvent::new("connection.broken")
                .tenant(&tenant)
                .detail(serde_json::json!({ "connection": id.to_string(), "reason": reason })),
        )
        .await?;
        h.finish().await
    }

    /// Records a successful call: the connection is usable again and `last_success_at` moves.
    pub async fn record_success(&mut self, id: ConnectionId) -> Result<(), LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.conn().await?;
        let done = sqlx::query(
            "UPDATE connections SET status = 'ok', status_reason = NULL, last_success_at = ?1, \
             updated_at = ?1 WHERE id = ?2",
        )
        .bind(&now)
        .bind(id.to_string())
        .execute(h.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Err(LedgerError::not_found("connection", id));
        }
        Ok(())
    }

    /// Deletes a connection and (by cascade) its credentials. Links stay: they are keyed by
    /// tenant and company, not by connection, so reconnecting the same company finds them.
    pub async fn remove(&mut self, id: ConnectionId) -> Result<bool, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let tenant: Option<String> =
            sqlx::query_scalar("DELETE FROM connections WHERE id = ? RETURNING tenant")
                .bind(id.to_string())
                .fetch_optional(h.conn())
                .await?;
        if let Some(tenant) = &tenant {
            append_event(
                h.conn(),
                &now,
                &NewEvent::new("connection.removed")
                    .tenant(tenant)
                    .detail(serde_json::json!({ "connection": id.to_string() })),
            )
            .await?;
        }
        h.finish().await?;
        Ok(tenant.is_some())
    }
}
