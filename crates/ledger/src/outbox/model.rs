//! The outbox's values: states, sides, actions, and the operation row.

use chrono::{DateTime, Utc};
use ledgerbridge_core::{EntityKind, System};
use serde::Serialize;

use crate::db::{parse_col, parse_json, parse_ts, text_enum};
use crate::{LedgerError, OperationId, RunId};

text_enum! {
    /// Where an operation is in its life.
    pub enum OperationState ("operation state") {
        /// Planned and durable; no request carries it yet.
        Pending => "pending",
        /// Carried by a request whose outcome is not yet recorded.
        Sent => "sent",
        /// The remote accepted it.
        Confirmed => "confirmed",
        /// The remote refused it, or the request failed; may be retried.
        Failed => "failed",
        /// Given up; needs a person.
        Dead => "dead",
    }
}

impl OperationState {
    /// Whether the state machine allows moving from `self` to `to`.
    pub fn can_move_to(self, to: Self) -> bool {
        use OperationState::*;
        matches!(
            (self, to),
            (Pending, Sent)
                | (Sent, Confirmed)
                | (Sent, Failed)
                | (Failed, Dead)
                | (Failed, Pending)
        )
    }

    /// Whether nothing more will happen to the operation.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Confirmed | Self::Dead)
    }
}

text_enum! {
    /// Which side an operation writes to.
    pub enum Side ("side") {
        /// ServiceTitan (payments recorded in the books, mark-as-exported).
        ServiceTitan => "servicetitan",
        /// The tenant's accounting system.
        Accounting => "accounting",
    }
}

text_enum! {
    /// What an operation does to its record.
    pub enum OperationAction ("operation action") {
        /// Create the record.
        Create => "create",
        /// Update the record.
        Update => "update",
        /// Void the record.
        Void => "void",
        /// Delete the record (Xero drafts).
        Delete => "delete",
        /// Mark it exported in ServiceTitan.
        MarkExported => "mark_exported",
    }
}

/// An operation to enqueue.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOperation {
    /// The run planning it.
    pub run: Option<RunId>,
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// The kind of record.
    pub entity: EntityKind,
    /// Which side is written.
    pub side: Side,
    /// What is done.
    pub action: OperationAction,
    /// The record's ServiceTitan id (absent for a create in ServiceTitan).
    pub servicetitan_id: Option<String>,
    /// The tenant's accounting system.
    pub target_system: System,
    /// Its company.
    pub target_company: String,
    /// The record's accounting id (absent for a create in the books).
    pub target_id: Option<String>,
    /// What to write, as the connector will need it (canonical JSON).
    pub payload: serde_json::Value,
}

/// A stored operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Operation {
    /// Its id (UUIDv7).
    pub id: OperationId,
    /// The run that planned it.
    pub run: Option<RunId>,
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// The kind of record.
    pub entity: EntityKind,
    /// Which side is written.
    pub side: Side,
    /// What is done.
    pub action: OperationAction,
    /// The record's ServiceTitan id.
    pub servicetitan_id: Option<String>,
    /// The accounting system.
    pub target_system: System,
    /// Its company.
    pub target_company: String,
    /// The record's accounting id.
    pub target_id: Option<String>,
    /// What to write.
    pub payload: serde_json::Value,
    /// Where it is in its life.
    pub state: OperationState,
    /// How many times a request carried it.
    pub attempts: i64,
    /// The last failure (an error kind and remote code, never customer data).
    pub last_error: Option<String>,
    /// The id the remote gave the written record.
    pub remote_id: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// When it last moved.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    id: String,
    run_id: Option<i64>,
    tenant: String,
    entity: String,
    side: String,
    action: String,
    servicetitan_id: Option<String>,
    target_system: String,
    target_company: String,
    target_id: Option<String>,
    payload: String,
    state: String,
    attempts: i64,
    last_error: Option<String>,
    remote_id: Option<String>,
    created_at: String,
    updated_at: String,
}

impl TryFrom<Row> for Operation {
    type Error = LedgerError;
    fn try_from(row: Row) -> Result<Self, LedgerError> {
        Ok(Self {
            id: parse_col("operation id", &row.id)?,
            run: row.run_id.map(RunId),
            tenant: row.tenant,
            entity: parse_col("operation entity", &row.entity)?,
            side: parse_col("operation side", &row.side)?,
            action: parse_col("operation action", &row.action)?,
            servicetitan_id: row.servicetitan_id,
            target_system: parse_col("operation target_system", &row.target_system)?,
            target_company: row.target_company,
            target_id: row.target_id,
            payload: parse_json("operation payload", &row.payload)?,
            state: parse_col("operation state", &row.state)?,
            attempts: row.attempts,
            last_error: row.last_error,
            remote_id: row.remote_id,
            created_at: parse_ts("operation created_at", &row.created_at)?,
            updated_at: parse_ts("operation updated_at", &row.updated_at)?,
        })
    }
}

/// Every column of `operations`, as a literal so `concat!` can build `&'static str` queries.
macro_rules! columns {
    () => {
        "id, run_id, tenant, entity, side, action, servicetitan_id, target_system, target_company, \
         target_id, payload, state, attempts, last_error, remote_id, created_at, updated_at"
    };
}

pub(super) const COLUMNS: &str = columns!();

/// Which operations to list; every field narrows the result.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperationFilter {
    /// Only in this state.
    pub state: Option<OperationState>,
    /// Only of this tenant.
    pub tenant: Option<String>,
    /// Only planned by this run.
    pub run: Option<RunId>,
    /// At most this many (default 500).
    pub limit: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::OperationState::{self, *};

    #[test]
    fn only_the_documented_moves_are_allowed() {
        let allowed = [
            (Pending, Sent),
            (Sent, Confirmed),
            (Sent, Failed),
            (Failed, Dead),
            (Failed, Pending),
        ];
        for &from in OperationState::ALL {
            for &to in OperationState::ALL {
                assert_eq!(
                    from.can_move_to(to),
                    allowed.contains(&(from, to)),
                    "{from} -> {to}"
                );
            }
        }
    }
}
