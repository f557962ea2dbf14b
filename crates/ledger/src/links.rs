//! Links: which accounting record is the twin of which ServiceTitan record.
//!
//! Uniqueness holds both ways, in the schema: a ServiceTitan record has at most one twin per
//! accounting company, and an accounting record is the twin of at most one ServiceTitan record
//! (whichever tenant claims it). The same holds line by line: each ServiceTitan item id of a
//! linked invoice maps to one target line id (QBO `Line.Id`, Xero `LineItemID`) and back.

use chrono::{DateTime, Utc};
use ledgerbridge_core::{EntityKind, System};
use serde::Serialize;

use crate::db::{Db, parse_col, parse_ts, ts};
use crate::error::write_error;
use crate::ids::check_target;
use crate::{LedgerError, LinkId, RecordKey};

/// A stored link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Link {
    /// Its id.
    pub id: LinkId,
    /// The ServiceTitan record and the accounting company.
    pub key: RecordKey,
    /// The accounting record's id (QBO `Id`, Xero `InvoiceID`/`ContactID`/...).
    pub target_id: String,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When its lines last changed.
    pub updated_at: DateTime<Utc>,
}

/// One line of a linked record: the ServiceTitan item id beside the target's line id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct LineLink {
    /// The ServiceTitan invoice item id (the `st:4521` of `lines[st:4521].quantity`).
    pub servicetitan_item_id: String,
    /// QBO `Line.Id` or Xero `LineItemID`.
    pub target_line_id: String,
}

impl LineLink {
    /// A line link.
    pub fn new(servicetitan_item_id: impl Into<String>, target_line_id: impl Into<String>) -> Self {
        Self {
            servicetitan_item_id: servicetitan_item_id.into(),
            target_line_id: target_line_id.into(),
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
    created_at: String,
    updated_at: String,
}

impl TryFrom<Row> for Link {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            id: LinkId(row.id),
            key: RecordKey {
                tenant: row.tenant,
                entity: parse_col("link entity", &row.entity)?,
                servicetitan_id: row.servicetitan_id,
                target_system: parse_col("link target_system", &row.target_system)?,
                target_company: row.target_company,
            },
            target_id: row.target_id,
            created_at: parse_ts("link created_at", &row.created_at)?,
            updated_at: parse_ts("link updated_at", &row.updated_at)?,
        })
    }
}

macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT id, tenant, entity, servicetitan_id, target_system, target_company, target_id, \
             created_at, updated_at FROM links ",
            $tail
        )
    };
}

/// The links repository.
pub struct Links<'a> {
    db: Db<'a>,
}

impl<'a> Links<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// Links `key` to the accounting record `target_id`. Refuses ([`LedgerError::Duplicate`])
    /// a ServiceTitan record that is already linked, and an accounting record that is already
    /// the twin of another ServiceTitan record.
    pub async fn insert(&mut self, key: &RecordKey, target_id: &str) -> Result<Link, LedgerError> {
        key.check()?;
        let now = ts(self.db.now());
        let mut h = self.db.conn().await?;
        let row: Row = sqlx::query_as(
            "INSERT INTO links (tenant, entity, servicetitan_id, target_system, target_company, \
             target_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7) \
             RETURNING id, tenant, entity, servicetitan_id, target_system, target_company, \
             target_id, created_at, updated_at",
        )
        .bind(&key.tenant)
        .bind(key.entity.as_str())
        .bind(&key.servicetitan_id)
        .bind(key.target_system.as_str())
        .bind(&key.target_company)
        .bind(target_id)
        .bind(&now)
        .fetch_one(h.conn())
        .await
        .map_err(write_error("link"))?;
        row.try_into()
    }

    /// The link of a ServiceTitan record.
    pub async fn get(&mut self, key: &RecordKey) -> Result<Option<Link>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(select!(
            "WHERE tenant = ? AND entity = ? AND servicetitan_id = ? AND target_system = ? \
             AND target_company = ?"
        ))
        .bind(&key.tenant)
        .bind(key.entity.as_str())
        .bind(&key.servicetitan_id)
        .bind(key.target_system.as_str())
        .bind(&key.target_company)
        .fetch_optional(h.conn())
        .await?;
        row.map(Link::try_from).transpose()
    }

    /// The link of an accounting record (the reverse direction: a payment recorded in QBO
    /// against a linked invoice).
    pub async fn find_by_target(
        &mut self,
        entity: EntityKind,
        target_system: System,
        target_company: &str,
        target_id: &str,
    ) -> Result<Option<Link>, LedgerError> {
        check_target(target_system)?;
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(select!(
            "WHERE entity = ? AND target_system = ? AND target_company = ? AND target_id = ?"
        ))
        .bind(entity.as_str())
        .bind(target_system.as_str())
        .bind(target_company)
        .bind(target_id)
        .fetch_optional(h.conn())
        .await?;
        row.map(Link::try_from).transpose()
    }

    /// The link whose line has the target id `target_line_id` (a ServiceTitan payment
    /// written as several Xero payments: the first is the link, the others its lines), so a
    /// record read back from the books is recognised as the bridge's own write.
    pub async fn find_by_target_line(
        &mut self,
        entity: EntityKind,
        target_system: System,
        target_company: &str,
        target_line_id: &str,
    ) -> Result<Option<Link>, LedgerError> {
        check_target(target_system)?;
        let mut h = self.db.conn().await?;
        // CROSS JOIN keeps the line (indexed by its target id) as the outer loop: otherwise
        // the ORDER BY on the link makes the planner walk every link of the entity per call.
        let row: Option<Row> = sqlx::query_as(
            "SELECT k.id, k.tenant, k.entity, k.servicetitan_id, k.target_system, \
             k.target_company, k.target_id, k.created_at, k.updated_at FROM link_lines l \
             CROSS JOIN links k ON l.link_id = k.id WHERE k.entity = ? AND k.target_system = ? \
             AND k.target_company = ? AND l.target_line_id = ? ORDER BY k.id LIMIT 1",
        )
        .bind(entity.as_str())
        .bind(target_system.as_str())
        .bind(target_company)
        .bind(target_line_id)
        .fetch_optional(h.conn())
        .await?;
        row.map(Link::try_from).transpose()
    }

    /// A tenant's links, optionally of one entity, by id.
    pub async fn list(
        &mut self,
        tenant: &str,
        entity: Option<EntityKind>,
    ) -> Result<Vec<Link>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(select!(
            "WHERE tenant = ?1 AND (?2 IS NULL OR entity = ?2) ORDER BY id"
        ))
        .bind(tenant)
        .bind(entity.map(EntityKind::as_str))
        .fetch_all(h.conn())
        .await?;
        rows.into_iter().map(Link::try_from).collect()
    }

    /// Linked invoices and payments of `tenant` in one accounting company that ServiceTitan
    /// has not been told about: no export mark was confirmed for them, none is in flight, and
    /// none was given up. Derived from durable state each run, so a mark an interrupted run
    /// meant to send (a crash between a create and its mark) is sent by the next run.
    pub async fn unmarked(
        &mut self,
        tenant: &str,
        system: System,
        company: &str,
    ) -> Result<Vec<Link>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(select!(
            "WHERE tenant = ?1 AND target_system = ?2 AND target_company = ?3 \
             AND entity IN ('invoice', 'payment') AND NOT EXISTS ( \
               SELECT 1 FROM operations o WHERE o.tenant = links.tenant \
               AND o.entity = links.entity AND o.servicetitan_id = links.servicetitan_id \
               AND o.target_system = links.target_system \
               AND o.target_company = links.target_company AND o.action = 'mark_exported' \
               AND o.state IN ('sent', 'confirmed', 'dead')) ORDER BY id"
        ))
        .bind(tenant)
        .bind(system.as_str())
        .bind(company)
        .fetch_all(h.conn())
        .await?;
        rows.into_iter().map(Link::try_from).collect()
    }

    /// Replaces the line links of a linked record, in one transaction. Refuses
    /// ([`LedgerError::Duplicate`]) a ServiceTitan item id or a target line id given twice, and
    /// ([`LedgerError::NotFound`]) a record that is not linked.
    pub async fn set_lines(
        &mut self,
        key: &RecordKey,
        lines: &[LineLink],
    ) -> Result<(), LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let link_id: Option<i64> = sqlx::query_scalar(
            "UPDATE links SET updated_at = ? WHERE tenant = ? AND entity = ? AND servicetitan_id = ? \
             AND target_system = ? AND target_company = ? RETURNING id",
        )
        .bind(&now)
        .bind(&key.tenant)
        .bind(key.entity.as_str())
        .bind(&key.servicetitan_id)
        .bind(key.target_system.as_str())
        .bind(&key.target_company)
        .fetch_optional(h.conn())
        .await?;
        let link_id = link_id.ok_or_else(|| LedgerError::not_found("link", key))?;
        sqlx::query("DELETE FROM link_lines WHERE link_id = ?")
            .bind(link_id)
            .execute(h.conn())
            .await?;
        for line in lines {
            sqlx::query(
                "INSERT INTO link_lines (link_id, servicetitan_item_id, target_line_id) VALUES (?, ?, ?)",
            )
            .bind(link_id)
            .bind(&line.servicetitan_item_id)
            .bind(&line.target_line_id)
            .execute(h.conn())
            .await
            .map_err(write_error("line link"))?;
        }
        h.finish().await
    }

    /// The line links of a linked record, by ServiceTitan item id (empty when unlinked).
    pub async fn lines(&mut self, key: &RecordKey) -> Result<Vec<LineLink>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT l.servicetitan_item_id, l.target_line_id FROM link_lines l \
             JOIN links k ON k.id = l.link_id \
             WHERE k.tenant = ? AND k.entity = ? AND k.servicetitan_id = ? AND k.target_system = ? \
             AND k.target_company = ? ORDER BY l.servicetitan_item_id",
        )
        .bind(&key.tenant)
        .bind(key.entity.as_str())
        .bind(&key.servicetitan_id)
        .bind(key.target_system.as_str())
        .bind(&key.target_company)
        .fetch_all(h.conn())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(servicetitan_item_id, target_line_id)| LineLink {
                servicetitan_item_id,
                target_line_id,
            })
            .collect())
    }

    /// Removes a link with its lines and base snapshot (e.g. the accounting record was deleted
    /// and will be re-created). Returns whether it existed.
    pub async fn remove(&mut self, key: &RecordKey) -> Result<bool, LedgerError> {
        let mut h = self.db.conn().await?;
        let done = sqlx::query(
            "DELETE FROM links WHERE tenant = ? AND entity = ? AND servicetitan_id = ? \
             AND target_system = ? AND target_company = ?",
        )
        .bind(&key.tenant)
        .bind(key.entity.as_str())
        .bind(&key.servicetitan_id)
        .bind(key.target_system.as_str())
        .bind(&key.target_company)
        .execute(h.conn())
        .await
        .map_err(write_error("link"))?;
        Ok(done.rows_affected() > 0)
    }
}
