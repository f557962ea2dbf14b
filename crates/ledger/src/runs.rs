//! Sync runs: when, dry or not, how it ended, and the counts the report prints.
//!
//! A run is `running` until [`Runs::finish`] records its outcome; a run whose process died is
//! marked `interrupted` when the next sync takes over one of its tenants' leases (see
//! [`crate::lease`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::{Db, parse_col, parse_json, parse_opt_ts, parse_ts, text_enum, to_json, ts};
use crate::{LedgerError, RunId};

text_enum! {
    /// How a run ended (or that it has not).
    pub enum RunStatus ("run status") {
        /// Still going (or its process died and nobody took over yet).
        Running => "running",
        /// Finished, nothing pending.
        Ok => "ok",
        /// Finished with conflicts awaiting review (exit code 3).
        Conflicts => "conflicts",
        /// Stopped by an error.
        Failed => "failed",
        /// Its process died (or its lease went stale); a later sync took a lease of it over.
        Interrupted => "interrupted",
    }
}

/// A stored run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Run {
    /// Its number.
    pub id: RunId,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Whether it only planned (changed nothing remote).
    pub dry_run: bool,
    /// How it ended.
    pub status: RunStatus,
    /// Counts as the sync report shapes them (`created`, `updated`, `by_entity`, ...).
    pub counts: serde_json::Value,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    started_at: String,
    finished_at: Option<String>,
    dry_run: bool,
    status: String,
    counts: String,
}

impl TryFrom<Row> for Run {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            id: RunId(row.id),
            started_at: parse_ts("run started_at", &row.started_at)?,
            finished_at: parse_opt_ts("run finished_at", row.finished_at.as_deref())?,
            dry_run: row.dry_run,
            status: parse_col("run status", &row.status)?,
            counts: parse_json("run counts", &row.counts)?,
        })
    }
}

macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT id, started_at, finished_at, dry_run, status, counts FROM runs ",
            $tail
        )
    };
}

/// The runs repository.
pub struct Runs<'a> {
    db: Db<'a>,
}

impl<'a> Runs<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// Starts a run.
    pub async fn start(&mut self, dry_run: bool) -> Result<Run, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.conn().await?;
        let row: Row = sqlx::query_as(
            "INSERT INTO runs (started_at, dry_run) VALUES (?, ?) \
             RETURNING id, started_at, finished_at, dry_run, status, counts",
        )
        .bind(&now)
        .bind(dry_run)
        .fetch_one(h.conn())
        .await
        .map_err(crate::error::write_error("run"))?;
        row.try_into()
    }

    /// Records how a running run ended. `counts` must be a JSON object. Refuses
    /// ([`LedgerError::IllegalTransition`]) a run that already ended, and `status` `running`.
    pub async fn finish(
        &mut self,
        id: RunId,
        status: RunStatus,
        counts: &serde_json::Value,
    ) -> Result<Run, LedgerError> {
        if !counts.is_object() {
            return Err(LedgerError::invalid("run counts", "expected a JSON object"));
        }
        let now = ts(self.db.now());
        let counts = to_json("run counts", counts)?;
        let mut h = self.db.tx().await?;
        let current: Option<String> = sqlx::query_scalar("SELECT status FROM runs WHERE id = ?")
            .bind(id.0)
            .fetch_optional(h.conn())
            .await?;
        let current = current.ok_or_else(|| LedgerError::not_found("run", id))?;
        if current != RunStatus::Running.as_str() || status == RunStatus::Running {
            return Err(LedgerError::IllegalTransition {
                what: "run",
                id: id.to_string(),
                from: current,
                to: status.to_string(),
            });
        }
        let row: Row = sqlx::query_as(
            "UPDATE runs SET status = ?, finished_at = ?, counts = ? WHERE id = ? \
             RETURNING id, started_at, finished_at, dry_run, status, counts",
        )
        .bind(status.as_str())
        .bind(&now)
        .bind(&counts)
        .bind(id.0)
        .fetch_one(h.conn())
        .await
        .map_err(crate::error::write_error("run"))?;
        h.finish().await?;
        row.try_into()
    }

    /// One run.
    pub async fn get(&mut self, id: RunId) -> Result<Option<Run>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(select!("WHERE id = ?"))
            .bind(id.0)
            .fetch_optional(h.conn())
            .await?;
        row.map(Run::try_from).transpose()
    }

    /// The newest `limit` runs, newest first.
    pub async fn list(&mut self, limit: u32) -> Result<Vec<Run>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(select!("ORDER BY id DESC LIMIT ?"))
            .bind(i64::from(limit))
            .fetch_all(h.conn())
            .await?;
        rows.into_iter().map(Run::try_from).collect()
    }

    /// The newest run, if any.
    pub async fn latest(&mut self) -> Result<Option<Run>, LedgerError> {
        Ok(self.list(1).await?.into_iter().next())
    }
}
