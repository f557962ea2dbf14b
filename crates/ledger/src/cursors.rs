//! Feed cursors: how far each feed of each tenant has been read.
//!
//! A cursor may only move together with the data read up to it, so advancing is deliberately
//! not offered on the pool: it exists only on a [`LedgerTx`] ([`LedgerTx::advance_cursor`]),
//! which the caller commits once the page's records and the cursor are both written. A crash
//! between the two is therefore impossible by construction, and a resumed sync starts exactly
//! after the last durable page.

use chrono::{DateTime, Utc};
use ledgerbridge_core::System;
use serde::Serialize;

use crate::db::{Db, parse_col, parse_ts, ts};
use crate::error::write_error;
use crate::{LedgerError, LedgerTx, RunId};

/// Which feed: (tenant, system, feed), e.g. `("123", servicetitan, "export/invoices")`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct CursorKey {
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// The system the feed belongs to.
    pub system: System,
    /// The feed's name, chosen by its connector (`export/invoices`, `cdc`, `Invoices`).
    pub feed: String,
}

impl CursorKey {
    /// A cursor key.
    pub fn new(tenant: impl Into<String>, system: System, feed: impl Into<String>) -> Self {
        Self {
            tenant: tenant.into(),
            system,
            feed: feed.into(),
        }
    }
}

/// A stored cursor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Cursor {
    /// Which feed.
    pub key: CursorKey,
    /// The feed's own position (a continuation token, a timestamp): opaque to the ledger.
    pub value: String,
    /// The run that last advanced it.
    pub run: Option<RunId>,
    /// When it last moved.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    tenant: String,
    system: String,
    feed: String,
    value: String,
    run_id: Option<i64>,
    updated_at: String,
}

impl TryFrom<Row> for Cursor {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            key: CursorKey {
                tenant: row.tenant,
                system: parse_col("cursor system", &row.system)?,
                feed: row.feed,
            },
            value: row.value,
            run: row.run_id.map(RunId),
            updated_at: parse_ts("cursor updated_at", &row.updated_at)?,
        })
    }
}

/// The cursors repository (reading and resetting; see [`LedgerTx::advance_cursor`]).
pub struct Cursors<'a> {
    db: Db<'a>,
}

impl<'a> Cursors<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// A feed's cursor; `None` means "never read": start with a full pass.
    pub async fn get(&mut self, key: &CursorKey) -> Result<Option<Cursor>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(
            "SELECT tenant, system, feed, value, run_id, updated_at FROM cursors \
             WHERE tenant = ? AND system = ? AND feed = ?",
        )
        .bind(&key.tenant)
        .bind(key.system.as_str())
        .bind(&key.feed)
        .fetch_optional(h.conn())
        .await?;
        row.map(Cursor::try_from).transpose()
    }

    /// Every cursor of a tenant (all tenants with `None`).
    pub async fn list(&mut self, tenant: Option<&str>) -> Result<Vec<Cursor>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT tenant, system, feed, value, run_id, updated_at FROM cursors \
             WHERE ?1 IS NULL OR tenant = ?1 ORDER BY tenant, system, feed",
        )
        .bind(tenant)
        .fetch_all(h.conn())
        .await?;
        rows.into_iter().map(Cursor::try_from).collect()
    }

    /// Forgets a cursor, forcing a full pass of that feed next time (e.g. when the cursor is
    /// older than the remote keeps changes). Returns whether it existed.
    pub async fn reset(&mut self, key: &CursorKey) -> Result<bool, LedgerError> {
        let mut h = self.db.conn().await?;
        let done = sqlx::query("DELETE FROM cursors WHERE tenant = ? AND system = ? AND feed = ?")
            .bind(&key.tenant)
            .bind(key.system.as_str())
            .bind(&key.feed)
            .execute(h.conn())
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

impl LedgerTx {
    /// Moves a feed's cursor to `value`, inside this transaction: it becomes durable only when
    /// the transaction that also stores the page's records commits.
    pub async fn advance_cursor(
        &mut self,
        key: &CursorKey,
        value: &str,
        run: Option<RunId>,
    ) -> Result<(), LedgerError> {
        let mut db = self.db();
        let now = ts(db.now());
        let mut h = db.conn().await?;
        sqlx::query(
            "INSERT INTO cursors (tenant, system, feed, value, run_id, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, system, feed) DO UPDATE SET \
             value = excluded.value, run_id = excluded.run_id, updated_at = excluded.updated_at",
        )
        .bind(&key.tenant)
        .bind(key.system.as_str())
        .bind(&key.feed)
        .bind(value)
        .bind(run.map(|r| r.0))
        .bind(&now)
        .execute(h.conn())
        .await
        .map_err(write_error("cursor"))?;
        Ok(())
    }
}
