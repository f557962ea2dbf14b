//! The lease: one live sync per ledger.
//!
//! A single row records who holds the ledger (pid, host, run) and a heartbeat. A second sync
//! gets [`LeaseError::Busy`], whose message the CLI prints with exit code 4. A lease is taken
//! over, and the takeover recorded in the audit trail in the same transaction, when
//!
//! * its holder runs on *this* host and its pid is dead. Liveness is a capability the caller
//!   passes in (`&dyn Fn(u32) -> bool`), because a library crate does not probe `/proc` or send
//!   signals itself; a pid is only meaningful on its own host, so holders elsewhere are judged
//!   by their heartbeat alone; or
//! * its heartbeat is older than the caller's `stale_after` (a hung process, or a holder on
//!   another host). This compares clocks of different processes: keep `stale_after` well above
//!   any clock skew.
//!
//! A taken-over run still marked `running` is marked `interrupted`. The guard's heartbeat and
//! release only touch the row while it still carries the guard's own random token, so a holder
//! that lost its lease cannot disturb its successor; it learns of the loss from
//! [`LeaseError::Lost`] at its next heartbeat and must stop writing.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sqlx::SqlitePool;

use crate::db::{Clock, parse_ts, ts};
use crate::events::{NewEvent, append_event};
use crate::{Ledger, LedgerError, RunId};

/// Who wants the lease, and how to judge the current holder.
pub struct LeaseClaim<'a> {
    /// This process's id.
    pub pid: u32,
    /// This host's name.
    pub host: &'a str,
    /// The run this sync records, if already started (see [`LeaseGuard::set_run`]).
    pub run: Option<RunId>,
    /// A heartbeat older than this is stale and its lease may be taken over.
    pub stale_after: Duration,
    /// Whether a pid is alive on this host.
    pub is_alive: &'a (dyn Fn(u32) -> bool + Sync),
}

/// The current holder of the lease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeaseInfo {
    /// Its process id.
    pub pid: u32,
    /// Its host.
    pub host: String,
    /// Its run.
    pub run: Option<RunId>,
    /// When it acquired the lease.
    pub acquired_at: DateTime<Utc>,
    /// Its last heartbeat.
    pub heartbeat_at: DateTime<Utc>,
}

/// Why a lease was taken over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TakeoverReason {
    /// The holder's pid is not alive on this host.
    PidDead,
    /// The holder's heartbeat was stale.
    HeartbeatStale,
}

/// A takeover that happened on acquisition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Takeover {
    /// The holder that was replaced.
    pub previous: LeaseInfo,
    /// Why.
    pub reason: TakeoverReason,
}

fn run_label(run: &Option<RunId>) -> String {
    match run {
        Some(run) => format!("run {run}"),
        None => "no run yet".to_owned(),
    }
}

fn when(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Why the lease could not be acquired or kept.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// Another live sync holds the ledger (exit code 4).
    #[error("ledger busy ({}, pid {pid} on {host}, since {})", run_label(.run), when(.since))]
    Busy {
        /// The holder's run.
        run: Option<RunId>,
        /// The holder's pid.
        pid: u32,
        /// The holder's host.
        host: String,
        /// When it acquired the lease.
        since: DateTime<Utc>,
    },
    /// The lease was taken over while this guard held it (its heartbeat went stale): stop
    /// writing.
    #[error("the ledger lease was taken over by another sync ({}); this sync must stop", .by.as_deref().unwrap_or("now free"))]
    Lost {
        /// `pid P on H` of the new holder, if any.
        by: Option<String>,
    },
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl From<sqlx::Error> for LeaseError {
    fn from(error: sqlx::Error) -> Self {
        Self::Ledger(LedgerError::Storage(error))
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    pid: i64,
    host: String,
    run_id: Option<i64>,
    acquired_at: String,
    heartbeat_at: String,
}

impl TryFrom<Row> for LeaseInfo {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            pid: u32::try_from(row.pid).map_err(|e| LedgerError::corrupt("lease pid", e))?,
            host: row.host,
            run: row.run_id.map(RunId),
            acquired_at: parse_ts("lease acquired_at", &row.acquired_at)?,
            heartbeat_at: parse_ts("lease heartbeat_at", &row.heartbeat_at)?,
        })
    }
}

/// The lease of a ledger; see the module docs.
pub struct Lease<'a> {
    pool: &'a SqlitePool,
    clock: &'a Clock,
}

impl Ledger {
    /// The ledger's lease.
    pub fn lease(&self) -> Lease<'_> {
        Lease {
            pool: self.pool(),
            clock: self.clock(),
        }
    }
}

impl Lease<'_> {
    /// Who holds the lease now, if anyone.
    pub async fn current(&self) -> Result<Option<LeaseInfo>, LedgerError> {
        let row: Option<Row> = sqlx::query_as(
            "SELECT pid, host, run_id, acquired_at, heartbeat_at FROM lease WHERE id = 1",
        )
        .fetch_optional(self.pool)
        .await?;
        row.map(LeaseInfo::try_from).transpose()
    }

    /// Takes the lease, taking it over from a dead or stale holder (see the module docs), or
    /// refuses with [`LeaseError::Busy`].
    pub async fn acquire(&self, claim: &LeaseClaim<'_>) -> Result<LeaseGuard, LeaseError> {
        let now = self.clock.now();
        let now_text = ts(now);
        let holder = uuid::Uuid::new_v4().to_string();
        // The write lock up front: two acquirers serialise here instead of both reading "free".
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let row: Option<Row> = sqlx::query_as(
            "SELECT pid, host, run_id, acquired_at, heartbeat_at FROM lease WHERE id = 1",
        )
        .fetch_optional(&mut *tx)
        .await?;
        let mut takeover = None;
        if let Some(row) = row {
            let previous = LeaseInfo::try_from(row)?;
            let stale_after =
                chrono::Duration::from_std(claim.stale_after).unwrap_or(chrono::Duration::MAX);
            let reason = if previous.host == claim.host && !(claim.is_alive)(previous.pid) {
                TakeoverReason::PidDead
            } else if now.signed_duration_since(previous.heartbeat_at) > stale_after {
                TakeoverReason::HeartbeatStale
            } else {
                return Err(LeaseError::Busy {
                    run: previous.run,
                    pid: previous.pid,
                    host: previous.host,
                    since: previous.acquired_at,
                });
            };
            record_takeover(&mut tx, &now_text, &previous, reason, claim).await?;
            takeover = Some(Takeover { previous, reason });
        }
        sqlx::query(
            "INSERT INTO lease (id, holder, pid, host, run_id, acquired_at, heartbeat_at) \
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, \
             pid = excluded.pid, host = excluded.host, run_id = excluded.run_id, \
             acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at",
        )
        .bind(&holder)
        .bind(i64::from(claim.pid))
        .bind(claim.host)
        .bind(claim.run.map(|r| r.0))
        .bind(&now_text)
        .execute(&mut *tx)
        .await
        .map_err(crate::error::write_error("lease"))?;
        tx.commit().await?;
        Ok(LeaseGuard {
            pool: self.pool.clone(),
            clock: self.clock.clone(),
            holder,
            info: LeaseInfo {
                pid: claim.pid,
                host: claim.host.to_owned(),
                run: claim.run,
                acquired_at: now,
                heartbeat_at: now,
            },
            takeover,
            released: false,
        })
    }
}

async fn record_takeover(
    tx: &mut sqlx::SqliteConnection,
    now: &str,
    previous: &LeaseInfo,
    reason: TakeoverReason,
    claim: &LeaseClaim<'_>,
) -> Result<(), LedgerError> {
    if let Some(run) = previous.run {
        sqlx::query("UPDATE runs SET status = 'interrupted', finished_at = ? WHERE id = ? AND status = 'running'")
            .bind(now)
            .bind(run.0)
            .execute(&mut *tx)
            .await?;
    }
    let mut event = NewEvent::new("lease.takeover").detail(serde_json::json!({
        "reason": reason,
        "previous": previous,
        "by": { "pid": claim.pid, "host": claim.host, "run": claim.run },
    }));
    if let Some(run) = previous.run {
        event = event.run(run);
    }
    append_event(tx, now, &event).await?;
    tracing::warn!(
        previous_pid = previous.pid,
        previous_host = %previous.host,
        previous_run = ?previous.run.map(|r| r.0),
        ?reason,
        "took over the ledger lease"
    );
    Ok(())
}

/// Holding the lease. Call [`LeaseGuard::heartbeat`] regularly (well within the `stale_after`
/// others use) and [`LeaseGuard::release`] at the end; a guard dropped without release frees
/// the lease on a best-effort background task, and otherwise the next sync takes it over.
#[derive(Debug)]
pub struct LeaseGuard {
    pool: SqlitePool,
    clock: Clock,
    holder: String,
    info: LeaseInfo,
    takeover: Option<Takeover>,
    released: bool,
}

impl LeaseGuard {
    /// What this guard holds.
    pub fn info(&self) -> &LeaseInfo {
        &self.info
    }

    /// The takeover that happened when this guard acquired the lease, if any.
    pub fn takeover(&self) -> Option<&Takeover> {
        self.takeover.as_ref()
    }

    /// Proves this holder is alive. Fails with [`LeaseError::Lost`] if the lease was taken over.
    pub async fn heartbeat(&mut self) -> Result<(), LeaseError> {
        let now = self.clock.now();
        let done = sqlx::query("UPDATE lease SET heartbeat_at = ? WHERE id = 1 AND holder = ?")
            .bind(ts(now))
            .bind(&self.holder)
            .execute(&self.pool)
            .await?;
        self.ensure_held(done.rows_affected()).await?;
        self.info.heartbeat_at = now;
        Ok(())
    }

    /// Records the run this holder is syncing (shown in "ledger busy (run N, ...)").
    pub async fn set_run(&mut self, run: RunId) -> Result<(), LeaseError> {
        let done = sqlx::query("UPDATE lease SET run_id = ? WHERE id = 1 AND holder = ?")
            .bind(run.0)
            .bind(&self.holder)
            .execute(&self.pool)
            .await
            .map_err(crate::error::write_error("lease"))?;
        self.ensure_held(done.rows_affected()).await?;
        self.info.run = Some(run);
        Ok(())
    }

    /// Frees the lease. Fails with [`LeaseError::Lost`] if it had been taken over.
    pub async fn release(mut self) -> Result<(), LeaseError> {
        self.released = true;
        let done = sqlx::query("DELETE FROM lease WHERE id = 1 AND holder = ?")
            .bind(&self.holder)
            .execute(&self.pool)
            .await?;
        self.ensure_held(done.rows_affected()).await
    }

    async fn ensure_held(&self, rows_affected: u64) -> Result<(), LeaseError> {
        if rows_affected > 0 {
            return Ok(());
        }
        let current = Lease {
            pool: &self.pool,
            clock: &self.clock,
        }
        .current()
        .await?;
        Err(LeaseError::Lost {
            by: current.map(|c| format!("pid {} on {}", c.pid, c.host)),
        })
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        // No async in Drop: free the row on the runtime if there is one. If this never runs
        // (the process is exiting), the next sync sees a dead pid and takes over.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let pool = self.pool.clone();
            let holder = std::mem::take(&mut self.holder);
            runtime.spawn(async move {
                let freed = sqlx::query("DELETE FROM lease WHERE id = 1 AND holder = ?")
                    .bind(holder)
                    .execute(&pool)
                    .await;
                if let Err(error) = freed {
                    tracing::warn!(%error, "could not free the ledger lease of a dropped guard");
                }
            });
        }
    }
}
