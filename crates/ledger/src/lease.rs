//! Leases per tenant: one live sync per tenant, any number of tenants side by side.
//!
//! A row per tenant being synced (keyed by the ServiceTitan tenant id) records who holds it
//! (pid, host, run) and a heartbeat. A sync of a tenant another live sync holds gets
//! [`LeaseError::Busy`] naming the tenant, whose message the CLI prints with exit code 4. A
//! lease is taken over, and the takeover recorded in the audit trail in the same transaction,
//! when
//!
//! * its holder runs on *this* host and its pid is dead. Liveness is a capability the caller
//!   passes in (`&dyn Fn(u32) -> bool`), because a library crate does not probe `/proc` or send
//!   signals itself; a pid is only meaningful on its own host, so holders elsewhere are judged
//!   by their heartbeat alone; or
//! * its heartbeat is older than the caller's `stale_after` (a hung process, or a holder on
//!   another host). This compares clocks of different processes: keep `stale_after` well above
//!   any clock skew.
//!
//! One guard may hold several tenants (a sync of several tenants). They are taken in one
//! write transaction, in tenant order, all or none: two syncs claiming overlapping tenants
//! never deadlock and never half-hold; the second is refused (the first busy tenant in order)
//! and holds nothing.
//!
//! A taken-over run still marked `running` is marked `interrupted`. The guard's heartbeat and
//! release only touch the rows that still carry the guard's own random token, so a holder
//! that lost a lease cannot disturb its successor; it learns of the loss from
//! [`LeaseError::Lost`] at its next heartbeat and must stop writing.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use ledgerbridge_core::WallClock;
use serde::Serialize;
use sqlx::SqlitePool;

use crate::db::{parse_ts, stored_now, ts};
use crate::events::{NewEvent, append_event};
use crate::{Ledger, LedgerError, RunId};

/// Who wants leases, and how to judge their current holders.
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

/// The current holder of one tenant's lease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeaseInfo {
    /// The ServiceTitan tenant the lease is of.
    pub tenant: String,
    /// Its holder's process id.
    pub pid: u32,
    /// Its holder's host.
    pub host: String,
    /// Its holder's run.
    pub run: Option<RunId>,
    /// When it was acquired.
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
    /// The holder that was replaced (its `tenant` is the lease taken over).
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

/// Why a lease could not be acquired or kept.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// Another live sync holds the tenant's lease (exit code 4).
    #[error("tenant {tenant} is being synced ({}, pid {pid} on {host}, since {})", run_label(.run), when(.since))]
    Busy {
        /// The tenant.
        tenant: String,
        /// The holder's run.
        run: Option<RunId>,
        /// The holder's pid.
        pid: u32,
        /// The holder's host.
        host: String,
        /// When it acquired the lease.
        since: DateTime<Utc>,
    },
    /// A lease was taken over while this guard held it (its heartbeat went stale): stop
    /// writing.
    #[error("the lease of tenant {tenant} was taken over by another sync ({}); this sync must stop", .by.as_deref().unwrap_or("now free"))]
    Lost {
        /// The tenant whose lease was lost.
        tenant: String,
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
    tenant: String,
    pid: i64,
    host: String,
    run_id: Option<i64>,
    acquired_at: String,
    heartbeat_at: String,
}

macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT tenant, pid, host, run_id, acquired_at, heartbeat_at FROM tenant_leases ",
            $tail
        )
    };
}

impl TryFrom<Row> for LeaseInfo {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            tenant: row.tenant,
            pid: u32::try_from(row.pid).map_err(|e| LedgerError::corrupt("lease pid", e))?,
            host: row.host,
            run: row.run_id.map(RunId),
            acquired_at: parse_ts("lease acquired_at", &row.acquired_at)?,
            heartbeat_at: parse_ts("lease heartbeat_at", &row.heartbeat_at)?,
        })
    }
}

/// The tenants' leases of a ledger; see the module docs.
pub struct Leases<'a> {
    pool: &'a SqlitePool,
    clock: &'a WallClock,
}

impl Ledger {
    /// The ledger's tenant leases.
    pub fn leases(&self) -> Leases<'_> {
        Leases {
            pool: self.pool(),
            clock: self.clock(),
        }
    }
}

impl Leases<'_> {
    /// Who holds `tenant`'s lease now, if anyone.
    pub async fn current(&self, tenant: &str) -> Result<Option<LeaseInfo>, LedgerError> {
        let row: Option<Row> = sqlx::query_as(select!("WHERE tenant = ?"))
            .bind(tenant)
            .fetch_optional(self.pool)
            .await?;
        row.map(LeaseInfo::try_from).transpose()
    }

    /// Every lease held now (live or not), by tenant.
    pub async fn list(&self) -> Result<Vec<LeaseInfo>, LedgerError> {
        let rows: Vec<Row> = sqlx::query_as(select!("ORDER BY tenant"))
            .fetch_all(self.pool)
            .await?;
        rows.into_iter().map(LeaseInfo::try_from).collect()
    }

    /// Takes the leases of `tenants` (duplicates ignored), all or none, taking each over from
    /// a dead or stale holder (see the module docs), or refuses with [`LeaseError::Busy`]
    /// naming the first busy tenant in tenant order, holding nothing.
    pub async fn acquire<S: AsRef<str>>(
        &self,
        tenants: &[S],
        claim: &LeaseClaim<'_>,
    ) -> Result<LeaseGuard, LeaseError> {
        let mut tenants: Vec<String> = tenants.iter().map(|t| t.as_ref().to_owned()).collect();
        tenants.sort();
        tenants.dedup();
        if tenants.is_empty() {
            return Err(LedgerError::Invalid {
                what: "lease",
                detail: "no tenant to lease".into(),
            }
            .into());
        }
        let now = stored_now(self.clock);
        let holder = uuid::Uuid::new_v4().to_string();
        // The write lock up front: two acquirers serialise here instead of both reading "free",
        // and an early return rolls back every lease (and takeover) taken so far.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut takeovers = Vec::new();
        for tenant in &tenants {
            if let Some(takeover) = judge(&mut tx, tenant, now, claim).await? {
                takeovers.push(takeover);
            }
            take(&mut tx, tenant, &holder, now, claim).await?;
        }
        tx.commit().await?;
        let held = tenants
            .into_iter()
            .map(|tenant| LeaseInfo {
                tenant,
                pid: claim.pid,
                host: claim.host.to_owned(),
                run: claim.run,
                acquired_at: now,
                heartbeat_at: now,
            })
            .collect();
        Ok(LeaseGuard {
            pool: self.pool.clone(),
            clock: self.clock.clone(),
            holder,
            held,
            takeovers,
            released: false,
        })
    }
}

/// Judges `tenant`'s current holder: free (`None`), taken over (recorded), or busy.
async fn judge(
    tx: &mut sqlx::SqliteConnection,
    tenant: &str,
    now: DateTime<Utc>,
    claim: &LeaseClaim<'_>,
) -> Result<Option<Takeover>, LeaseError> {
    let row: Option<Row> = sqlx::query_as(select!("WHERE tenant = ?"))
        .bind(tenant)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let previous = LeaseInfo::try_from(row)?;
    let stale_after =
        chrono::Duration::from_std(claim.stale_after).unwrap_or(chrono::Duration::MAX);
    let reason = if previous.host == claim.host && !(claim.is_alive)(previous.pid) {
        TakeoverReason::PidDead
    } else if now.signed_duration_since(previous.heartbeat_at) > stale_after {
        TakeoverReason::HeartbeatStale
    } else {
        return Err(LeaseError::Busy {
            tenant: previous.tenant,
            run: previous.run,
            pid: previous.pid,
            host: previous.host,
            since: previous.acquired_at,
        });
    };
    record_takeover(tx, &ts(now), &previous, reason, claim).await?;
    Ok(Some(Takeover { previous, reason }))
}

async fn take(
    tx: &mut sqlx::SqliteConnection,
    tenant: &str,
    holder: &str,
    now: DateTime<Utc>,
    claim: &LeaseClaim<'_>,
) -> Result<(), LeaseError> {
    sqlx::query(
        "INSERT INTO tenant_leases (tenant, holder, pid, host, run_id, acquired_at, heartbeat_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (tenant) DO UPDATE SET \
         holder = excluded.holder, pid = excluded.pid, host = excluded.host, \
         run_id = excluded.run_id, acquired_at = excluded.acquired_at, \
         heartbeat_at = excluded.heartbeat_at",
    )
    .bind(tenant)
    .bind(holder)
    .bind(i64::from(claim.pid))
    .bind(claim.host)
    .bind(claim.run.map(|r| r.0))
    .bind(ts(now))
    .execute(&mut *tx)
    .await
    .map_err(crate::error::write_error("lease"))?;
    Ok(())
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
    let mut event = NewEvent::new("lease.takeover")
        .tenant(&previous.tenant)
        .detail(serde_json::json!({
            "reason": reason,
            "previous": previous,
            "by": { "pid": claim.pid, "host": claim.host, "run": claim.run },
        }));
    if let Some(run) = previous.run {
        event = event.run(run);
    }
    append_event(tx, now, &event).await?;
    tracing::warn!(
        tenant = %previous.tenant,
        previous_pid = previous.pid,
        previous_host = %previous.host,
        previous_run = ?previous.run.map(|r| r.0),
        ?reason,
        "took over a tenant's lease"
    );
    Ok(())
}

/// Holding the leases of one or more tenants. Call [`LeaseGuard::heartbeat`] regularly (well
/// within the `stale_after` others use) and [`LeaseGuard::release`] at the end; a guard
/// dropped without release frees its leases on a best-effort background task, and otherwise
/// the next sync of each tenant takes its lease over.
#[derive(Debug)]
pub struct LeaseGuard {
    pool: SqlitePool,
    clock: WallClock,
    holder: String,
    held: Vec<LeaseInfo>,
    takeovers: Vec<Takeover>,
    released: bool,
}

impl LeaseGuard {
    /// The leases this guard holds, in tenant order.
    pub fn held(&self) -> &[LeaseInfo] {
        &self.held
    }

    /// Whether this guard holds `tenant`'s lease.
    pub fn holds(&self, tenant: &str) -> bool {
        self.held.iter().any(|l| l.tenant == tenant)
    }

    /// The takeovers that happened when this guard acquired its leases.
    pub fn takeovers(&self) -> &[Takeover] {
        &self.takeovers
    }

    /// Proves this holder is alive. Fails with [`LeaseError::Lost`] if a lease was taken over
    /// (the others are still heartbeaten).
    pub async fn heartbeat(&mut self) -> Result<(), LeaseError> {
        let now = stored_now(&self.clock);
        let kept: Vec<String> = sqlx::query_scalar(
            "UPDATE tenant_leases SET heartbeat_at = ? WHERE holder = ? RETURNING tenant",
        )
        .bind(ts(now))
        .bind(&self.holder)
        .fetch_all(&self.pool)
        .await?;
        for lease in &mut self.held {
            lease.heartbeat_at = now;
        }
        self.ensure_held(&kept).await
    }

    /// Records the run this holder is syncing (shown in "tenant T is being synced (run N, ...)").
    pub async fn set_run(&mut self, run: RunId) -> Result<(), LeaseError> {
        let kept: Vec<String> = sqlx::query_scalar(
            "UPDATE tenant_leases SET run_id = ? WHERE holder = ? RETURNING tenant",
        )
        .bind(run.0)
        .bind(&self.holder)
        .fetch_all(&self.pool)
        .await
        .map_err(crate::error::write_error("lease"))?;
        for lease in &mut self.held {
            lease.run = Some(run);
        }
        self.ensure_held(&kept).await
    }

    /// Frees the leases. Fails with [`LeaseError::Lost`] if one had been taken over (the
    /// others are freed).
    pub async fn release(mut self) -> Result<(), LeaseError> {
        self.released = true;
        let kept: Vec<String> =
            sqlx::query_scalar("DELETE FROM tenant_leases WHERE holder = ? RETURNING tenant")
                .bind(&self.holder)
                .fetch_all(&self.pool)
                .await?;
        self.ensure_held(&kept).await
    }

    /// `kept`: the tenants a statement found still held by this guard.
    async fn ensure_held(&self, kept: &[String]) -> Result<(), LeaseError> {
        let Some(lost) = self.held.iter().find(|l| !kept.contains(&l.tenant)) else {
            return Ok(());
        };
        let current = Leases {
            pool: &self.pool,
            clock: &self.clock,
        }
        .current(&lost.tenant)
        .await?;
        Err(LeaseError::Lost {
            tenant: lost.tenant.clone(),
            by: current.map(|c| format!("pid {} on {}", c.pid, c.host)),
        })
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        // No async in Drop: free the rows on the runtime if there is one. If this never runs
        // (the process is exiting), the next sync of each tenant sees a dead pid and takes over.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let pool = self.pool.clone();
            let holder = std::mem::take(&mut self.holder);
            runtime.spawn(async move {
                let freed = sqlx::query("DELETE FROM tenant_leases WHERE holder = ?")
                    .bind(holder)
                    .execute(&pool)
                    .await;
                if let Err(error) = freed {
                    tracing::warn!(%error, "could not free the leases of a dropped guard");
                }
            });
        }
    }
}
