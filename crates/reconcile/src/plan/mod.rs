//! The plan: per record, what a run decides to do with it.
//!
//! [`PlanEntry`] is the shape pinned in CONTRACTS.md ("Machine-readable output"): with
//! `--dry-run`, each target object of `sync --format json` carries `"plan"`, an array of
//! entries. A dry run collects them (see `engine/dry.rs`): it pulls and plans like a real
//! run, and instead of applying a write it writes it down here.

#[cfg(test)]
mod entry_tests;
pub mod invoice;
#[cfg(test)]
mod invoice_tests;
pub mod payment;
#[cfg(test)]
mod payment_tests;

use ledgerbridge_core::EntityKind;
use serde::Serialize;

/// What a run does with one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanAction {
    /// A new record in the books.
    Create,
    /// An existing linked record written again.
    Update,
    /// A linked record voided (or, for a Xero draft, deleted).
    Void,
    /// Linked to a record the books already had (matched, not created).
    Link,
    /// Only the export mark in ServiceTitan is missing (a linked record never marked).
    MarkExported,
    /// Nothing to do.
    Unchanged,
    /// Waits for a person (mapping, review, closed period, ...); `reason` says what to do.
    Blocked,
    /// Changed on both sides; waits for `conflicts resolve`.
    Conflict,
    /// Not eligible (before the start date, not posted, exported elsewhere, ...).
    Skipped,
}

/// One write a record's plan sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedWrite {
    /// The system written: `quickbooks`, `xero` or `servicetitan`.
    pub system: String,
    /// What is sent: `create_invoice`, `void_payment`, `mark_exported`, ...
    pub operation: String,
}

impl PlannedWrite {
    /// A write of `operation` to `system`.
    pub fn new(system: impl Into<String>, operation: impl Into<String>) -> Self {
        Self {
            system: system.into(),
            operation: operation.into(),
        }
    }
}

/// One record of the plan (CONTRACTS.md pins these keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlanEntry {
    /// `customer`, `invoice`, `payment`.
    pub entity: EntityKind,
    /// Its ServiceTitan id (for a payment of the books not yet in ServiceTitan, the books
    /// id as `qbo:N` / `xero:…`, as in `blocked_records`).
    pub servicetitan_id: String,
    /// The invoice number; `null` for customers and payments.
    pub number: Option<String>,
    /// What the run does with it.
    pub action: PlanAction,
    /// The writes it sends, in order (empty when it sends none).
    pub writes: Vec<PlannedWrite>,
    /// Why it is blocked, skipped or in conflict; `null` otherwise.
    pub reason: Option<String>,
}

impl PlanEntry {
    /// An entry with no writes and no reason.
    pub fn new(entity: EntityKind, servicetitan_id: impl Into<String>, action: PlanAction) -> Self {
        Self {
            entity,
            servicetitan_id: servicetitan_id.into(),
            number: None,
            action,
            writes: Vec::new(),
            reason: None,
        }
    }

    /// With this reason.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// With this write added.
    pub fn write(mut self, write: PlannedWrite) -> Self {
        self.writes.push(write);
        self
    }
}

/// The counts a plan stands for, per entity, as the run report counts them: a link is
/// unchanged (and linked), plus updated when it sends an update (a matched inactive customer
/// reactivated); a void is updated; a mark alone is not counted (a run does not report
/// the marks it sends for earlier runs' records).
pub fn tally(plan: &[PlanEntry]) -> std::collections::BTreeMap<EntityKind, crate::Counts> {
    let mut by_entity: std::collections::BTreeMap<EntityKind, crate::Counts> = Default::default();
    for e in plan {
        let c = by_entity.entry(e.entity).or_default();
        match e.action {
            PlanAction::Create => c.created += 1,
            PlanAction::Update | PlanAction::Void => c.updated += 1,
            PlanAction::Link => {
                c.unchanged += 1;
                c.linked += 1;
                if e.writes.iter().any(|w| w.operation.starts_with("update_")) {
                    c.updated += 1;
                }
            }
            PlanAction::Unchanged => c.unchanged += 1,
            PlanAction::Blocked => c.blocked += 1,
            PlanAction::Conflict => c.conflicts += 1,
            PlanAction::Skipped => c.skipped += 1,
            PlanAction::MarkExported => {}
        }
    }
    by_entity
}
