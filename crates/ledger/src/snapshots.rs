//! Base snapshots: the canonical record both sides agreed on after the last successful sync,
//! with the remote versions that came with it.
//!
//! The three-way merge diffs each side against this base; the remote versions (ServiceTitan
//! `modifiedOn`, QBO `SyncToken`, Xero `UpdatedDateUTC`) let the next pull recognise the
//! bridge's own writes coming back. The record itself is stored as JSON so this crate does not
//! depend on the shape of the canonical model; its totals are also stored as INTEGER minor
//! units so that per-period sums in SQL are exact ([`Snapshots::totals`]).
//!
//! Beside ServiceTitan's totals, a snapshot keeps the accounting system's own total and tax as
//! it answered when the bridge wrote or verified the document (`target_total`, `target_tax`):
//! QuickBooks and Xero may recalculate tax, and the reconciliation report shows that from
//! the ledger alone. They are in the snapshot's currency and need its totals.

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_core::{Currency, EntityKind, Money, System};
use serde::Serialize;

use crate::db::{Db, parse_col, parse_json, parse_ts, to_json, ts};
use crate::error::write_error;
use crate::{LedgerError, RecordKey, RunId};

/// Amounts of a synced document, all in one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SnapshotTotals {
    /// Total including tax.
    pub total: Money,
    /// Tax.
    pub tax: Money,
    /// Open balance.
    pub balance: Money,
}

/// What to store as the new base of a linked record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSnapshot {
    /// The canonical record, as JSON.
    pub base: serde_json::Value,
    /// ServiceTitan's version of the record (`modifiedOn`).
    pub servicetitan_version: Option<String>,
    /// The accounting system's version (QBO `SyncToken`, Xero `UpdatedDateUTC`).
    pub target_version: Option<String>,
    /// The document's amounts (invoices, payments, credit notes).
    pub totals: Option<SnapshotTotals>,
    /// The accounting system's own total, as it answered the write or verification (`None`
    /// when it did not say). Same currency as `totals`, which it needs.
    pub target_total: Option<Money>,
    /// The accounting system's own tax, likewise.
    pub target_tax: Option<Money>,
    /// The document date, which places it in a reporting period.
    pub document_date: Option<NaiveDate>,
    /// The run that stored it.
    pub run: Option<RunId>,
}

/// A stored base snapshot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Snapshot {
    /// The linked record.
    pub key: RecordKey,
    /// The canonical record, as JSON.
    pub base: serde_json::Value,
    /// ServiceTitan's version.
    pub servicetitan_version: Option<String>,
    /// The accounting system's version.
    pub target_version: Option<String>,
    /// The document's amounts.
    pub totals: Option<SnapshotTotals>,
    /// The accounting system's own total when it was last written or verified.
    pub target_total: Option<Money>,
    /// The accounting system's own tax when it was last written or verified.
    pub target_tax: Option<Money>,
    /// The document date.
    pub document_date: Option<NaiveDate>,
    /// The run that stored it.
    pub run: Option<RunId>,
    /// When it was stored.
    pub updated_at: DateTime<Utc>,
}

/// Sums of synced documents in one currency, from [`Snapshots::totals`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodTotals {
    /// QuickBooks or Xero.
    pub target_system: System,
    /// How many documents.
    pub count: i64,
    /// Sum of totals.
    pub total: Money,
    /// Sum of tax.
    pub tax: Money,
    /// Sum of open balances.
    pub balance: Money,
}

#[derive(sqlx::FromRow)]
struct Row {
    tenant: String,
    entity: String,
    servicetitan_id: String,
    target_system: String,
    target_company: String,
    base: String,
    servicetitan_version: Option<String>,
    target_version: Option<String>,
    currency: Option<String>,
    total_minor: Option<i64>,
    tax_minor: Option<i64>,
    balance_minor: Option<i64>,
    target_total_minor: Option<i64>,
    target_tax_minor: Option<i64>,
    document_date: Option<String>,
    run_id: Option<i64>,
    updated_at: String,
}

impl TryFrom<Row> for Snapshot {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        let currency: Option<Currency> = row
            .currency
            .as_deref()
            .map(|c| parse_col("snapshot currency", c))
            .transpose()?;
        let books = |minor: Option<i64>| Some(Money::from_minor(minor?, currency?));
        let (target_total, target_tax) =
            (books(row.target_total_minor), books(row.target_tax_minor));
        let totals = match (currency, row.total_minor, row.tax_minor, row.balance_minor) {
            (Some(currency), Some(total), Some(tax), Some(balance)) => Some(SnapshotTotals {
                total: Money::from_minor(total, currency),
                tax: Money::from_minor(tax, currency),
                balance: Money::from_minor(balance, currency),
            }),
            _ => None,
        };
        Ok(Self {
            key: RecordKey {
                tenant: row.tenant,
                entity: parse_col("snapshot entity", &row.entity)?,
                servicetitan_id: row.servicetitan_id,
                target_system: parse_col("snapshot target_system", &row.target_system)?,
                target_company: row.target_company,
            },
            base: parse_json("snapshot base", &row.base)?,
            servicetitan_version: row.servicetitan_version,
            target_version: row.target_version,
            totals,
            target_total,
            target_tax,
            document_date: row
                .document_date
                .as_deref()
                .map(|d| parse_col("snapshot document_date", d))
                .transpose()?,
            run: row.run_id.map(RunId),
            updated_at: parse_ts("snapshot updated_at", &row.updated_at)?,
        })
    }
}

/// The snapshots repository.
pub struct Snapshots<'a> {
    db: Db<'a>,
}

impl<'a> Snapshots<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// Stores (or replaces) the base of a linked record. Refuses
    /// ([`LedgerError::MissingReference`]) a record that is not linked, and
    /// ([`LedgerError::Invalid`]) totals in mixed currencies.
    pub async fn save(
        &mut self,
        key: &RecordKey,
        snapshot: &NewSnapshot,
    ) -> Result<(), LedgerError> {
        key.check()?;
        let totals = snapshot.totals.as_ref();
        if let Some(t) = totals {
            let currency = t.total.currency();
            if t.tax.currency() != currency || t.balance.currency() != currency {
                return Err(LedgerError::invalid(
                    "snapshot totals",
                    "amounts in mixed currencies",
                ));
            }
        }
        let books = [snapshot.target_total, snapshot.target_tax];
        for amount in books.iter().flatten() {
            if totals.is_none_or(|t| t.total.currency() != amount.currency()) {
                return Err(LedgerError::invalid(
                    "snapshot target totals",
                    "the accounting system's figures need the snapshot's totals, in their currency",
                ));
            }
        }
        let now = ts(self.db.now());
        let mut h = self.db.conn().await?;
        sqlx::query(
            "INSERT INTO snapshots (tenant, entity, servicetitan_id, target_system, target_company, \
             base, servicetitan_version, target_version, currency, total_minor, tax_minor, \
             balance_minor, target_total_minor, target_tax_minor, document_date, run_id, \
             updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (tenant, entity, servicetitan_id, target_system, target_company) DO UPDATE SET \
             base = excluded.base, servicetitan_version = excluded.servicetitan_version, \
             target_version = excluded.target_version, currency = excluded.currency, \
             total_minor = excluded.total_minor, tax_minor = excluded.tax_minor, \
             balance_minor = excluded.balance_minor, \
             target_total_minor = excluded.target_total_minor, \
             target_tax_minor = excluded.target_tax_minor, document_date = excluded.document_date, \
             run_id = excluded.run_id, updated_at = excluded.updated_at",
        )
        .bind(&key.tenant)
        .bind(key.entity.as_str())
        .bind(&key.servicetitan_id)
        .bind(key.target_system.as_str())
        .bind(&key.target_company)
        .bind(to_json("snapshot base", &snapshot.base)?)
        .bind(&snapshot.servicetitan_version)
        .bind(&snapshot.target_version)
        .bind(totals.map(|t| t.total.currency().code().to_owned()))
        .bind(totals.map(|t| t.total.to_minor()))
        .bind(totals.map(|t| t.tax.to_minor()))
        .bind(totals.map(|t| t.balance.to_minor()))
        .bind(snapshot.target_total.map(|m| m.to_minor()))
        .bind(snapshot.target_tax.map(|m| m.to_minor()))
        .bind(snapshot.document_date.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(snapshot.run.map(|r| r.0))
        .bind(&now)
        .execute(h.conn())
        .await
        .map_err(write_error("snapshot"))?;
        Ok(())
    }

    /// The base of a linked record, if one was stored.
    pub async fn get(&mut self, key: &RecordKey) -> Result<Option<Snapshot>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(
            "SELECT tenant, entity, servicetitan_id, target_system, target_company, base, \
             servicetitan_version, target_version, currency, total_minor, tax_minor, balance_minor, \
             target_total_minor, target_tax_minor, document_date, run_id, updated_at \
             FROM snapshots WHERE tenant = ? AND entity = ? \
             AND servicetitan_id = ? AND target_system = ? AND target_company = ?",
        )
        .bind(&key.tenant)
        .bind(key.entity.as_str())
        .bind(&key.servicetitan_id)
        .bind(key.target_system.as_str())
        .bind(&key.target_company)
        .fetch_optional(h.conn())
        .await?;
        row.map(Snapshot::try_from).transpose()
    }

    /// The bases of a tenant's documents of `entity` dated in `from..=to` (either bound
    /// optional), by ServiceTitan id: one query for a reporting period (the report's per-record
    /// view; [`Snapshots::totals`] is its exact sum).
    pub async fn in_period(
        &mut self,
        tenant: &str,
        entity: EntityKind,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<Snapshot>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT tenant, entity, servicetitan_id, target_system, target_company, base, \
             servicetitan_version, target_version, currency, total_minor, tax_minor, balance_minor, \
             target_total_minor, target_tax_minor, document_date, run_id, updated_at \
             FROM snapshots WHERE tenant = ?1 AND entity = ?2 \
             AND (?3 IS NULL OR document_date >= ?3) AND (?4 IS NULL OR document_date <= ?4) \
             ORDER BY servicetitan_id",
        )
        .bind(tenant)
        .bind(entity.as_str())
        .bind(from.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(to.map(|d| d.format("%Y-%m-%d").to_string()))
        .fetch_all(h.conn())
        .await?;
        rows.into_iter().map(Snapshot::try_from).collect()
    }

    /// Every tenant's documents of `entity` with an open balance (above zero), by tenant and
    /// ServiceTitan id: what the overdue-invoice alert looks at.
    pub async fn with_open_balance(
        &mut self,
        entity: EntityKind,
    ) -> Result<Vec<Snapshot>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT tenant, entity, servicetitan_id, target_system, target_company, base, \
             servicetitan_version, target_version, currency, total_minor, tax_minor, balance_minor, \
             target_total_minor, target_tax_minor, document_date, run_id, updated_at \
             FROM snapshots WHERE entity = ? AND balance_minor > 0 \
             ORDER BY tenant, servicetitan_id",
        )
        .bind(entity.as_str())
        .fetch_all(h.conn())
        .await?;
        rows.into_iter().map(Snapshot::try_from).collect()
    }

    /// Sums the synced totals of a tenant's documents of `entity` dated in `from..=to` (either
    /// bound optional), per accounting system and currency. The sums are SQL `SUM`s over
    /// integer minor units, so they are exact (SQLite refuses an overflow rather than
    /// rounding).
    pub async fn totals(
        &mut self,
        tenant: &str,
        entity: EntityKind,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<PeriodTotals>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<(String, String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT target_system, currency, COUNT(*), SUM(total_minor), SUM(tax_minor), \
             SUM(balance_minor) FROM snapshots \
             WHERE tenant = ?1 AND entity = ?2 AND currency IS NOT NULL \
             AND (?3 IS NULL OR document_date >= ?3) AND (?4 IS NULL OR document_date <= ?4) \
             GROUP BY target_system, currency ORDER BY target_system, currency",
        )
        .bind(tenant)
        .bind(entity.as_str())
        .bind(from.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(to.map(|d| d.format("%Y-%m-%d").to_string()))
        .fetch_all(h.conn())
        .await?;
        rows.into_iter()
            .map(|(system, currency, count, total, tax, balance)| {
                let currency: Currency = parse_col("snapshot currency", &currency)?;
                Ok(PeriodTotals {
                    target_system: parse_col("snapshot target_system", &system)?,
                    count,
                    total: Money::from_minor(total, currency),
                    tax: Money::from_minor(tax, currency),
                    balance: Money::from_minor(balance, currency),
                })
            })
            .collect()
    }
}
