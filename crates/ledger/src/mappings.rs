//! Value mappings: which accounting item, GL account, class/tracking category, tax code or
//! payment account a ServiceTitan value becomes (and, for payment types, the way back).
//!
//! A mapping is unique per (tenant, target system, kind, source). Imports go through
//! [`Mappings::upsert_all`] in one transaction, so a CSV with one bad row changes nothing. The
//! CSV format itself is the CLI's business; this module offers the row type.

use ledgerbridge_core::System;
use serde::{Deserialize, Serialize};

use crate::LedgerError;
use crate::db::{Db, parse_col, text_enum, ts};
use crate::error::write_error;
use crate::events::{NewEvent, append_event};
use crate::ids::check_target;

text_enum! {
    /// What a mapping maps.
    pub enum MappingKind ("mapping kind") {
        /// ServiceTitan sku/item -> accounting item (QBO Item, Xero item code).
        Item => "item",
        /// ServiceTitan GL account -> accounting account.
        GlAccount => "gl_account",
        /// ServiceTitan business unit -> QBO class / Xero tracking option.
        BusinessUnit => "business_unit",
        /// ServiceTitan tax zone -> accounting tax code / rate.
        TaxZone => "tax_zone",
        /// ServiceTitan payment type -> accounting payment method / deposit account.
        PaymentType => "payment_type",
        /// Accounting payment method -> ServiceTitan payment type (payments flowing back).
        PaymentTypeReverse => "payment_type_reverse",
    }
}

/// One mapping row, as listed, set and imported.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mapping {
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// QuickBooks or Xero.
    pub target_system: System,
    /// What is mapped.
    pub kind: MappingKind,
    /// The value on the source side.
    pub source: String,
    /// The value it becomes.
    pub target: String,
    /// A readable name of the target, for listings.
    pub target_label: Option<String>,
}

/// What an upsert did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UpsertSummary {
    /// New rows.
    pub inserted: u64,
    /// Rows whose target or label changed.
    pub updated: u64,
    /// Rows already exactly so.
    pub unchanged: u64,
}

#[derive(sqlx::FromRow)]
struct Row {
    tenant: String,
    target_system: String,
    kind: String,
    source: String,
    target: String,
    target_label: Option<String>,
}

impl TryFrom<Row> for Mapping {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            tenant: row.tenant,
            target_system: parse_col("mapping target_system", &row.target_system)?,
            kind: parse_col("mapping kind", &row.kind)?,
            source: row.source,
            target: row.target,
            target_label: row.target_label,
        })
    }
}

/// The mappings repository.
pub struct Mappings<'a> {
    db: Db<'a>,
}

impl<'a> Mappings<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// Every mapping of a tenant (all tenants with `None`), by tenant, system, kind, source.
    pub async fn list(&mut self, tenant: Option<&str>) -> Result<Vec<Mapping>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT tenant, target_system, kind, source, target, target_label FROM mappings \
             WHERE ?1 IS NULL OR tenant = ?1 ORDER BY tenant, target_system, kind, source",
        )
        .bind(tenant)
        .fetch_all(h.conn())
        .await?;
        rows.into_iter().map(Mapping::try_from).collect()
    }

    /// The mapping of one source value, if any.
    pub async fn get(
        &mut self,
        tenant: &str,
        target_system: System,
        kind: MappingKind,
        source: &str,
    ) -> Result<Option<Mapping>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(
            "SELECT tenant, target_system, kind, source, target, target_label FROM mappings \
             WHERE tenant = ? AND target_system = ? AND kind = ? AND source = ?",
        )
        .bind(tenant)
        .bind(target_system.as_str())
        .bind(kind.as_str())
        .bind(source)
        .fetch_optional(h.conn())
        .await?;
        row.map(Mapping::try_from).transpose()
    }

    /// Inserts or replaces one mapping.
    pub async fn set(&mut self, mapping: &Mapping) -> Result<UpsertSummary, LedgerError> {
        self.upsert_all(std::slice::from_ref(mapping)).await
    }

    /// Inserts or replaces every mapping in one transaction (a bad row changes nothing), and
    /// audits the counts.
    pub async fn upsert_all(&mut self, mappings: &[Mapping]) -> Result<UpsertSummary, LedgerError> {
        let now = ts(self.db.now());
        let mut summary = UpsertSummary::default();
        // Per tenant, so each tenant's audit trail shows its own changes.
        let mut per_tenant = std::collections::BTreeMap::<&str, UpsertSummary>::new();
        let mut h = self.db.tx().await?;
        for m in mappings {
            check_target(m.target_system)?;
            let before: Option<(String, Option<String>)> = sqlx::query_as(
                "SELECT target, target_label FROM mappings \
                 WHERE tenant = ? AND target_system = ? AND kind = ? AND source = ?",
            )
            .bind(&m.tenant)
            .bind(m.target_system.as_str())
            .bind(m.kind.as_str())
            .bind(&m.source)
            .fetch_optional(h.conn())
            .await?;
            let tenant = per_tenant.entry(m.tenant.as_str()).or_default();
            match &before {
                Some((target, label)) if *target == m.target && *label == m.target_label => {
                    summary.unchanged += 1;
                    tenant.unchanged += 1;
                    continue;
                }
                Some(_) => {
                    summary.updated += 1;
                    tenant.updated += 1;
                }
                None => {
                    summary.inserted += 1;
                    tenant.inserted += 1;
                }
            }
            sqlx::query(
                "INSERT INTO mappings (tenant, target_system, kind, source, target, target_label, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, target_system, kind, source) \
                 DO UPDATE SET target = excluded.target, target_label = excluded.target_label, \
                 updated_at = excluded.updated_at",
            )
            .bind(&m.tenant)
            .bind(m.target_system.as_str())
            .bind(m.kind.as_str())
            .bind(&m.source)
            .bind(&m.target)
            .bind(&m.target_label)
            .bind(&now)
            .execute(h.conn())
            .await
            .map_err(write_error("mapping"))?;
        }
        for (tenant, counts) in per_tenant {
            if counts.inserted + counts.updated == 0 {
                continue;
            }
            append_event(
                h.conn(),
                &now,
                &NewEvent::new("mappings.changed")
                    .tenant(tenant)
                    .detail(serde_json::json!({
                        "inserted": counts.inserted,
                        "updated": counts.updated,
                    })),
            )
            .await?;
        }
        h.finish().await?;
        Ok(summary)
    }

    /// Removes one mapping; returns whether it existed.
    pub async fn remove(
        &mut self,
        tenant: &str,
        target_system: System,
        kind: MappingKind,
        source: &str,
    ) -> Result<bool, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let done = sqlx::query(
            "DELETE FROM mappings WHERE tenant = ? AND target_system = ? AND kind = ? AND source = ?",
        )
        .bind(tenant)
        .bind(target_system.as_str())
        .bind(kind.as_str())
        .bind(source)
        .execute(h.conn())
        .await?;
        let removed = done.rows_affected() > 0;
        if removed {
            append_event(
                h.conn(),
                &now,
                &NewEvent::new("mappings.changed")
                    .tenant(tenant)
                    .detail(serde_json::json!({ "removed": 1, "kind": kind.as_str() })),
            )
            .await?;
        }
        h.finish().await?;
        Ok(removed)
    }
}
