//! The audit event of an operation's outcome, appended by [`super::move_operation`] in the
//! transaction that records the outcome: every remote write the bridge makes (accounting
//! writes, and ServiceTitan payments, PATCHes and export marks) is in the trail, and no code
//! path can settle an operation without it.

use super::model::{Operation, OperationAction, OperationState, Side};
use crate::events::NewEvent;

/// What a confirmed write did, as the event kind's verb (`invoice.created`).
fn verb(action: OperationAction) -> &'static str {
    match action {
        OperationAction::Create => "created",
        OperationAction::Update => "updated",
        OperationAction::Void => "voided",
        OperationAction::Delete => "deleted",
        OperationAction::MarkExported => "exported",
    }
}

/// The event for `op` having just moved to its state; `None` for moves that are not an
/// outcome (`pending`, `sent`). `error` is the failure or give-up reason (an error kind and
/// remote code, never customer data).
pub(super) fn outcome_event(op: &Operation, error: Option<&str>) -> Option<NewEvent> {
    let kind = match op.state {
        OperationState::Confirmed => format!("{}.{}", op.entity.as_str(), verb(op.action)),
        OperationState::Failed => "operation.failed".to_owned(),
        OperationState::Dead => "operation.dead".to_owned(),
        OperationState::Pending | OperationState::Sent => return None,
    };
    // A create in ServiceTitan learns the record's ServiceTitan id from the answer; every
    // other write names the accounting record by the id it had or was given.
    let (servicetitan_id, target_id) = match op.side {
        Side::ServiceTitan => (
            op.servicetitan_id.clone().or_else(|| op.remote_id.clone()),
            op.target_id.clone(),
        ),
        Side::Accounting => (
            op.servicetitan_id.clone(),
            op.remote_id.clone().or_else(|| op.target_id.clone()),
        ),
    };
    let mut detail = serde_json::json!({
        "operation": op.id.to_string(),
        "action": op.action.as_str(),
        "side": op.side.as_str(),
        "target_id": target_id,
        "remote_id": op.remote_id,
    });
    if let Some(error) = error {
        let key = if op.state == OperationState::Dead {
            "reason"
        } else {
            "error"
        };
        detail[key] = serde_json::Value::from(error);
    }
    let mut event = NewEvent::new(kind)
        .tenant(&op.tenant)
        .operation(op.id)
        .target(op.target_system, &op.target_company, target_id.as_deref())
        .detail(detail);
    event.entity = Some(op.entity);
    if let Some(id) = &servicetitan_id {
        event = event.record(op.entity, id);
    }
    if let Some(run) = op.run {
        event = event.run(run);
    }
    Some(event)
}
