//! Alerts: the conditions the alert rules found, and the alerts outbox.
//!
//! An alert is a row, committed before anything is sent: a crash between recording and
//! sending leaves it `pending` and the next delivery pass sends it. The same condition on the
//! same record raises one alert per channel until it clears ([`Alerts::clear_absent`]); when it
//! comes back, a new alert. The rules themselves live in `ledgerbridge-alerts`; this module
//! only stores.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::LedgerError;
use crate::db::{Db, parse_col, parse_json, parse_opt_ts, parse_ts, text_enum, to_json, ts};
use crate::error::write_error;

text_enum! {
    /// Where an alert is in delivery.
    pub enum AlertStatus ("alert status") {
        /// Not sent yet (or folded into a storm summary not sent yet).
        Pending => "pending",
        /// The channel accepted it (or the storm summary that carried it).
        Sent => "sent",
        /// The last attempt failed; retried while `next_attempt_at` is set.
        Failed => "failed",
    }
}

/// An alert to record.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAlert {
    /// The rule's `on` (`conflict`, `invoice_overdue`, ...), or `summary`.
    pub rule: String,
    /// The rule with its parameters, so two rules of one kind keep their own alerts.
    pub rule_key: String,
    /// What the condition is about, e.g. `conflict:12`.
    pub condition_key: String,
    /// The channel's name.
    pub channel: String,
    /// The ServiceTitan tenant, when the alert is about one.
    pub tenant: Option<String>,
    /// One line.
    pub subject: String,
    /// The message (title, text, fields, links) as JSON.
    pub message: serde_json::Value,
}

/// A stored alert. Serializes with the keys of `alerts list --format json` (CONTRACTS.md).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alert {
    /// Its number.
    pub id: i64,
    /// The rule's `on`, or `summary`.
    pub rule: String,
    /// The rule with its parameters.
    #[serde(skip)]
    pub rule_key: String,
    /// What the condition is about.
    #[serde(skip)]
    pub condition_key: String,
    /// The channel's name.
    pub channel: String,
    /// The ServiceTitan tenant.
    pub tenant: Option<String>,
    /// One line.
    pub subject: String,
    /// The message as JSON.
    #[serde(skip)]
    pub message: serde_json::Value,
    /// Where it is in delivery.
    pub status: AlertStatus,
    /// How many times it was handed to its channel.
    pub attempts: i64,
    /// When a failed alert's next attempt is due (`None` on a failed alert: given up).
    #[serde(skip)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When its channel accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// The last attempt's error.
    pub error: Option<String>,
    /// The storm summary that carries it.
    #[serde(skip)]
    pub summary_id: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    rule: String,
    rule_key: String,
    condition_key: String,
    channel: String,
    tenant: Option<String>,
    subject: String,
    message: String,
    status: String,
    attempts: i64,
    next_attempt_at: Option<String>,
    created_at: String,
    sent_at: Option<String>,
    error: Option<String>,
    summary_id: Option<i64>,
}

impl TryFrom<Row> for Alert {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            id: row.id,
            rule: row.rule,
            rule_key: row.rule_key,
            condition_key: row.condition_key,
            channel: row.channel,
            tenant: row.tenant,
            subject: row.subject,
            message: parse_json("alert message", &row.message)?,
            status: parse_col("alert status", &row.status)?,
            attempts: row.attempts,
            next_attempt_at: parse_opt_ts("alert next_attempt_at", row.next_attempt_at.as_deref())?,
            created_at: parse_ts("alert created_at", &row.created_at)?,
            sent_at: parse_opt_ts("alert sent_at", row.sent_at.as_deref())?,
            error: row.error,
            summary_id: row.summary_id,
        })
    }
}

macro_rules! select {
    ($tail:literal) => {
        concat!(
            "SELECT id, rule, rule_key, condition_key, channel, tenant, subject, message, status, \
             attempts, next_attempt_at, created_at, sent_at, error, summary_id FROM alerts ",
            $tail
        )
    };
}

/// The alerts repository.
pub struct Alerts<'a> {
    db: Db<'a>,
}

impl<'a> Alerts<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// Records that `rule_key`'s conditions are now exactly `present`: new ones are first seen
    /// now, absent ones are forgotten (a condition that comes back starts again). Returns each
    /// present condition with when it was first seen.
    pub async fn observe(
        &mut self,
        rule_key: &str,
        present: &[String],
    ) -> Result<Vec<(String, DateTime<Utc>)>, LedgerError> {
        let now = ts(self.db.now());
        let keys = to_json("alert condition keys", &present)?;
        let mut h = self.db.tx().await?;
        sqlx::query(
            "DELETE FROM alert_conditions WHERE rule_key = ?1 \
             AND condition_key NOT IN (SELECT value FROM json_each(?2))",
        )
        .bind(rule_key)
        .bind(&keys)
        .execute(h.conn())
        .await?;
        sqlx::query(
            "INSERT OR IGNORE INTO alert_conditions (rule_key, condition_key, first_seen_at) \
             SELECT ?1, value, ?3 FROM json_each(?2)",
        )
        .bind(rule_key)
        .bind(&keys)
        .bind(&now)
        .execute(h.conn())
        .await
        .map_err(write_error("alert condition"))?;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT condition_key, first_seen_at FROM alert_conditions WHERE rule_key = ? \
             ORDER BY condition_key",
        )
        .bind(rule_key)
        .fetch_all(h.conn())
        .await?;
        h.finish().await?;
        rows.into_iter()
            .map(|(key, at)| Ok((key, parse_ts("alert condition first_seen_at", &at)?)))
            .collect()
    }

    /// The conditions of `rule_key` seen so far, with when each was first seen.
    pub async fn conditions(
        &mut self,
        rule_key: &str,
    ) -> Result<Vec<(String, DateTime<Utc>)>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT condition_key, first_seen_at FROM alert_conditions WHERE rule_key = ? \
             ORDER BY condition_key",
        )
        .bind(rule_key)
        .fetch_all(h.conn())
        .await?;
        rows.into_iter()
            .map(|(key, at)| Ok((key, parse_ts("alert condition first_seen_at", &at)?)))
            .collect()
    }

    /// Records an alert, unless the same condition already has an uncleared alert on that
    /// channel (then `None`: once until it clears).
    pub async fn raise(&mut self, new: &NewAlert) -> Result<Option<Alert>, LedgerError> {
        let now = ts(self.db.now());
        let message = to_json("alert message", &new.message)?;
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(
            "INSERT OR IGNORE INTO alerts (rule, rule_key, condition_key, channel, tenant, \
             subject, message, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, rule, rule_key, condition_key, \
             channel, tenant, subject, message, status, attempts, next_attempt_at, created_at, \
             sent_at, error, summary_id",
        )
        .bind(&new.rule)
        .bind(&new.rule_key)
        .bind(&new.condition_key)
        .bind(&new.channel)
        .bind(&new.tenant)
        .bind(&new.subject)
        .bind(&message)
        .bind(&now)
        .fetch_optional(h.conn())
        .await
        .map_err(write_error("alert"))?;
        row.map(Alert::try_from).transpose()
    }

    /// Clears the uncleared alerts of `rule_key` whose condition is not in `present`, so the
    /// condition alerts again if it comes back. Returns how many cleared.
    pub async fn clear_absent(
        &mut self,
        rule_key: &str,
        present: &[String],
    ) -> Result<u64, LedgerError> {
        let now = ts(self.db.now());
        let keys = to_json("alert condition keys", &present)?;
        let mut h = self.db.conn().await?;
        let done = sqlx::query(
            "UPDATE alerts SET cleared_at = ?3 WHERE rule_key = ?1 AND cleared_at IS NULL \
             AND condition_key NOT IN (SELECT value FROM json_each(?2))",
        )
        .bind(rule_key)
        .bind(&keys)
        .bind(&now)
        .execute(h.conn())
        .await?;
        Ok(done.rows_affected())
    }

    /// Claims the alerts of `channel` due for an attempt at `now` until `hold_until`, oldest
    /// first (not the ones a storm summary carries): two processes delivering at once (syncs of
    /// different tenants) never send the same alert, and a claim whose process died expires.
    pub async fn claim(
        &mut self,
        channel: &str,
        now: DateTime<Utc>,
        hold_until: DateTime<Utc>,
    ) -> Result<Vec<Alert>, LedgerError> {
        let mut h = self.db.tx().await?;
        let rows: Vec<Row> = sqlx::query_as(
            "UPDATE alerts SET claimed_until = ?3 WHERE id IN (SELECT id FROM alerts \
             WHERE channel = ?1 AND summary_id IS NULL \
             AND (claimed_until IS NULL OR claimed_until <= ?2) AND (status = 'pending' \
             OR (status = 'failed' AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?2))) \
             RETURNING id, rule, rule_key, condition_key, channel, tenant, subject, message, \
             status, attempts, next_attempt_at, created_at, sent_at, error, summary_id",
        )
        .bind(channel)
        .bind(ts(now))
        .bind(ts(hold_until))
        .fetch_all(h.conn())
        .await
        .map_err(write_error("alert"))?;
        h.finish().await?;
        let mut alerts = rows
            .into_iter()
            .map(Alert::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        alerts.sort_by_key(|a| a.id);
        Ok(alerts)
    }

    /// Gives up claims without an attempt (the rest of a batch after the channel failed).
    pub async fn release(&mut self, ids: &[i64]) -> Result<(), LedgerError> {
        let ids = to_json("alert ids", &ids)?;
        let mut h = self.db.conn().await?;
        sqlx::query(
            "UPDATE alerts SET claimed_until = NULL WHERE id IN (SELECT value FROM json_each(?))",
        )
        .bind(&ids)
        .execute(h.conn())
        .await?;
        Ok(())
    }

    /// How many messages `channel` accepted since `since` (a storm summary counts once).
    pub async fn sent_since(
        &mut self,
        channel: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, LedgerError> {
        let mut h = self.db.conn().await?;
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM alerts WHERE channel = ? AND status = 'sent' \
             AND summary_id IS NULL AND sent_at >= ?",
        )
        .bind(channel)
        .bind(ts(since))
        .fetch_one(h.conn())
        .await?;
        Ok(count)
    }

    /// Records a storm summary carrying `folded` (which then are not sent on their own).
    /// The summary is claimed until `hold_until` by the caller, who sends it next.
    pub async fn summarize(
        &mut self,
        summary: &NewAlert,
        folded: &[i64],
        hold_until: DateTime<Utc>,
    ) -> Result<Alert, LedgerError> {
        let now = ts(self.db.now());
        let message = to_json("alert message", &summary.message)?;
        let ids = to_json("alert ids", &folded)?;
        let mut h = self.db.tx().await?;
        // A summary is no condition: recorded as cleared, it never blocks a later one.
        let row: Row = sqlx::query_as(
            "INSERT INTO alerts (rule, rule_key, condition_key, channel, tenant, subject, \
             message, created_at, cleared_at, claimed_until) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, rule, rule_key, condition_key, \
             channel, tenant, subject, message, status, attempts, next_attempt_at, created_at, \
             sent_at, error, summary_id",
        )
        .bind(&summary.rule)
        .bind(&summary.rule_key)
        .bind(&summary.condition_key)
        .bind(&summary.channel)
        .bind(&summary.tenant)
        .bind(&summary.subject)
        .bind(&message)
        .bind(&now)
        .bind(&now)
        .bind(ts(hold_until))
        .fetch_one(h.conn())
        .await
        .map_err(write_error("alert"))?;
        sqlx::query(
            "UPDATE alerts SET summary_id = ?1, next_attempt_at = NULL, claimed_until = NULL \
             WHERE id IN (SELECT value FROM json_each(?2)) AND status <> 'sent'",
        )
        .bind(row.id)
        .bind(&ids)
        .execute(h.conn())
        .await?;
        h.finish().await?;
        row.try_into()
    }

    /// Records that the channel accepted alert `id` (and every alert a summary carries).
    pub async fn mark_sent(&mut self, id: i64) -> Result<(), LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.conn().await?;
        sqlx::query(
            "UPDATE alerts SET status = 'sent', sent_at = ?2, next_attempt_at = NULL, \
             claimed_until = NULL, \
             attempts = attempts + (id = ?1) WHERE (id = ?1 OR summary_id = ?1) \
             AND status <> 'sent'",
        )
        .bind(id)
        .bind(&now)
        .execute(h.conn())
        .await
        .map_err(write_error("alert"))?;
        Ok(())
    }

    /// Records a failed attempt; `retry_at` `None` gives the alert up.
    pub async fn mark_failed(
        &mut self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), LedgerError> {
        let mut h = self.db.conn().await?;
        sqlx::query(
            "UPDATE alerts SET status = 'failed', attempts = attempts + 1, error = ?, \
             next_attempt_at = ?, claimed_until = NULL WHERE id = ? AND status <> 'sent'",
        )
        .bind(error)
        .bind(retry_at.map(ts))
        .bind(id)
        .execute(h.conn())
        .await
        .map_err(write_error("alert"))?;
        Ok(())
    }

    /// The newest `limit` alerts, newest first.
    pub async fn list(&mut self, limit: u32) -> Result<Vec<Alert>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(select!("ORDER BY id DESC LIMIT ?"))
            .bind(i64::from(limit))
            .fetch_all(h.conn())
            .await?;
        rows.into_iter().map(Alert::try_from).collect()
    }
}
