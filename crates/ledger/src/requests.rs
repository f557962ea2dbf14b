//! Remote requests: one row per request that writes, with its idempotency key and the exact
//! bytes of its body.
//!
//! [`Requests::prepare`] records the request and moves its member operations `pending -> sent`
//! in one transaction, committed before anything goes on the wire. If the outcome is then
//! unknown (timeout, lost response, crash), the request is replayed byte for byte with the same
//! key ([`Requests::unfinished`] lists what to replay), so the remote can recognise it; the
//! connector still looks the record up before any new create, because idempotency keys are not
//! honoured everywhere.
//!
//! A request's status: `pending -> in_flight (-> in_flight ...) -> done`, or `abandoned` from
//! either of the first two.

use chrono::{DateTime, Utc};
use ledgerbridge_core::System;
use serde::Serialize;

use crate::db::{Db, parse_col, parse_opt_ts, parse_ts, text_enum, ts};
use crate::error::write_error;
use crate::outbox::move_operation;
use crate::{IdempotencyKey, LedgerError, OperationId, OperationState, RunId};

text_enum! {
    /// Where a request is in its life.
    pub enum RequestStatus ("request status") {
        /// Recorded; not yet sent.
        Pending => "pending",
        /// Sent at least once; outcome not yet recorded (replay it after a crash).
        InFlight => "in_flight",
        /// A response was received and its member operations were settled.
        Done => "done",
        /// Given up without a response.
        Abandoned => "abandoned",
    }
}

impl RequestStatus {
    fn can_move_to(self, to: Self) -> bool {
        use RequestStatus::*;
        matches!(
            (self, to),
            (Pending, InFlight)
                | (InFlight, InFlight)
                | (InFlight, Done)
                | (Pending, Abandoned)
                | (InFlight, Abandoned)
        )
    }
}

/// A request to record before sending it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRequest {
    /// The run sending it.
    pub run: Option<RunId>,
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// The system it goes to.
    pub system: System,
    /// `POST`, `PUT`, ...
    pub method: String,
    /// Path and query below the API base, starting with `/`.
    pub path: String,
    /// The exact bytes to send (and to replay).
    pub body: Vec<u8>,
    /// The operations it carries, in batch order (their position is the batch item id).
    pub members: Vec<OperationId>,
}

/// A stored request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Request {
    /// The idempotency key (QBO `requestid`, Xero `Idempotency-Key`).
    pub key: IdempotencyKey,
    /// The run that sent it.
    pub run: Option<RunId>,
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// The system it goes to.
    pub system: System,
    /// The HTTP method.
    pub method: String,
    /// Path and query below the API base.
    pub path: String,
    /// The exact bytes sent. Not serialized: it may hold customer data.
    #[serde(skip)]
    pub body: Vec<u8>,
    /// Where it is in its life.
    pub status: RequestStatus,
    /// How many times it was sent.
    pub attempts: i64,
    /// The HTTP status of the response, once one arrived.
    pub response_status: Option<u16>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// When it was last sent.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When it was settled.
    pub finished_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    idempotency_key: String,
    run_id: Option<i64>,
    tenant: String,
    system: String,
    method: String,
    path: String,
    body: Vec<u8>,
    status: String,
    attempts: i64,
    response_status: Option<i64>,
    created_at: String,
    last_attempt_at: Option<String>,
    finished_at: Option<String>,
}

impl TryFrom<Row> for Request {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            key: parse_col("request idempotency_key", &row.idempotency_key)?,
            run: row.run_id.map(RunId),
            tenant: row.tenant,
            system: parse_col("request system", &row.system)?,
            method: row.method,
            path: row.path,
            body: row.body,
            status: parse_col("request status", &row.status)?,
            attempts: row.attempts,
            response_status: row
                .response_status
                .map(|s| {
                    u16::try_from(s).map_err(|e| LedgerError::corrupt("request response_status", e))
                })
                .transpose()?,
            created_at: parse_ts("request created_at", &row.created_at)?,
            last_attempt_at: parse_opt_ts(
                "request last_attempt_at",
                row.last_attempt_at.as_deref(),
            )?,
            finished_at: parse_opt_ts("request finished_at", row.finished_at.as_deref())?,
        })
    }
}

macro_rules! columns {
    () => {
        "idempotency_key, run_id, tenant, system, method, path, body, status, attempts, \
         response_status, created_at, last_attempt_at, finished_at"
    };
}

/// The requests repository.
pub struct Requests<'a> {
    db: Db<'a>,
}

impl<'a> Requests<'a> {
    pub(crate) fn new(db: Db<'a>) -> Self {
        Self { db }
    }

    /// Records a request with a fresh idempotency key and moves its members `pending -> sent`,
    /// all in one transaction. Refuses the whole request if any member is not `pending`.
    pub async fn prepare(&mut self, new: &NewRequest) -> Result<Request, LedgerError> {
        if new.members.is_empty() {
            return Err(LedgerError::invalid(
                "request",
                "a request carries at least one operation",
            ));
        }
        let now = ts(self.db.now());
        let key = IdempotencyKey::new();
        let mut h = self.db.tx().await?;
        let row: Row = sqlx::query_as(concat!(
            "INSERT INTO requests (idempotency_key, run_id, tenant, system, method, path, body, \
             created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ",
            columns!()
        ))
        .bind(key.to_string())
        .bind(new.run.map(|r| r.0))
        .bind(&new.tenant)
        .bind(new.system.as_str())
        .bind(&new.method)
        .bind(&new.path)
        .bind(&new.body)
        .bind(&now)
        .fetch_one(h.conn())
        .await
        .map_err(write_error("request"))?;
        for (position, op) in new.members.iter().enumerate() {
            sqlx::query(
                "INSERT INTO request_operations (idempotency_key, operation_id, position) VALUES (?, ?, ?)",
            )
            .bind(key.to_string())
            .bind(op.to_string())
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .execute(h.conn())
            .await
            .map_err(write_error("request member"))?;
            move_operation(h.conn(), &now, *op, OperationState::Sent, None, None).await?;
        }
        h.finish().await?;
        row.try_into()
    }

    async fn move_to(
        &mut self,
        key: IdempotencyKey,
        to: RequestStatus,
        response_status: Option<u16>,
    ) -> Result<Request, LedgerError> {
        let now = ts(self.db.now());
        let mut h = self.db.tx().await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT status FROM requests WHERE idempotency_key = ?")
                .bind(key.to_string())
                .fetch_optional(h.conn())
                .await?;
        let current: RequestStatus = match current {
            Some(status) => parse_col("request status", &status)?,
            None => return Err(LedgerError::not_found("request", key)),
        };
        if !current.can_move_to(to) {
            return Err(LedgerError::IllegalTransition {
                what: "request",
                id: key.to_string(),
                from: current.to_string(),
                to: to.to_string(),
            });
        }
        let row: Row = sqlx::query_as(concat!(
            "UPDATE requests SET status = ?1, \
             attempts = attempts + (?1 = 'in_flight'), \
             last_attempt_at = CASE WHEN ?1 = 'in_flight' THEN ?2 ELSE last_attempt_at END, \
             finished_at = CASE WHEN ?1 IN ('done', 'abandoned') THEN ?2 ELSE NULL END, \
             response_status = coalesce(?3, response_status) \
             WHERE idempotency_key = ?4 RETURNING ",
            columns!()
        ))
        .bind(to.as_str())
        .bind(&now)
        .bind(response_status.map(i64::from))
        .bind(key.to_string())
        .fetch_one(h.conn())
        .await
        .map_err(write_error("request"))?;
        h.finish().await?;
        row.try_into()
    }

    /// Records that the request is going on the wire (again): `in_flight`, one more attempt.
    pub async fn start_attempt(&mut self, key: IdempotencyKey) -> Result<Request, LedgerError> {
        self.move_to(key, RequestStatus::InFlight, None).await
    }

    /// Records that a response arrived (settle the member operations with
    /// [`crate::Outbox::confirm`] / [`crate::Outbox::fail`], ideally in the same transaction).
    pub async fn complete(
        &mut self,
        key: IdempotencyKey,
        response_status: u16,
    ) -> Result<Request, LedgerError> {
        self.move_to(key, RequestStatus::Done, Some(response_status))
            .await
    }

    /// Gives up on a request that never got a response.
    pub async fn abandon(&mut self, key: IdempotencyKey) -> Result<Request, LedgerError> {
        self.move_to(key, RequestStatus::Abandoned, None).await
    }

    /// One request.
    pub async fn get(&mut self, key: IdempotencyKey) -> Result<Option<Request>, LedgerError> {
        let mut h = self.db.conn().await?;
        let row: Option<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM requests WHERE idempotency_key = ?"
        ))
        .bind(key.to_string())
        .fetch_optional(h.conn())
        .await?;
        row.map(Request::try_from).transpose()
    }

    /// The operations a request carries, in batch order.
    pub async fn members(&mut self, key: IdempotencyKey) -> Result<Vec<OperationId>, LedgerError> {
        let mut h = self.db.conn().await?;
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT operation_id FROM request_operations WHERE idempotency_key = ? ORDER BY position",
        )
        .bind(key.to_string())
        .fetch_all(h.conn())
        .await?;
        ids.iter()
            .map(|id| parse_col("request member", id))
            .collect()
    }

    /// Requests without a recorded outcome (`pending` or `in_flight`), and `done` requests
    /// with a member operation still `sent` (a crash between recording the response and
    /// settling its operations), oldest first: after a crash, resolve these with their stored
    /// key and body before planning anything new.
    pub async fn unfinished(&mut self, tenant: Option<&str>) -> Result<Vec<Request>, LedgerError> {
        let mut h = self.db.conn().await?;
        let rows: Vec<Row> = sqlx::query_as(concat!(
            "SELECT ",
            columns!(),
            " FROM requests WHERE (status IN ('pending', 'in_flight') \
               OR (status = 'done' AND EXISTS (SELECT 1 FROM request_operations m \
                   JOIN operations o ON o.id = m.operation_id \
                   WHERE m.idempotency_key = requests.idempotency_key AND o.state = 'sent'))) \
             AND (?1 IS NULL OR tenant = ?1) \
             ORDER BY idempotency_key"
        ))
        .bind(tenant)
        .fetch_all(h.conn())
        .await?;
        rows.into_iter().map(Request::try_from).collect()
    }
}
