//! The run report: the JSON of `ledgerbridge sync --format json` (CONTRACTS.md) and the
//! counts stored on the run row.
//!
//! Every record a run looks at lands in exactly one bucket of its entity: created, updated,
//! unchanged (including our own writes coming back and pre-existing records linked, which
//! `linked` counts again), skipped (ineligible, with the reason in the audit log), blocked
//! (with the reason in `blocked_records`), conflicts, or errors.

use std::collections::{BTreeMap, HashMap};

use ledgerbridge_core::EntityKind;
use serde::Serialize;

use crate::plan::{PlanAction, PlanEntry};

/// Counts of one entity (or of a whole target, or of the run).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Written as new records.
    pub created: u64,
    /// Existing records written (updates, voids).
    pub updated: u64,
    /// Nothing to write (including echoes and pre-existing records linked).
    pub unchanged: u64,
    /// Not eligible (before the start date, not posted, exported elsewhere, ...).
    pub skipped: u64,
    /// Cannot be written until someone acts (mapping, review, closed period, ...).
    pub blocked: u64,
    /// Changed on both sides.
    pub conflicts: u64,
    /// Failed (remote refusal, unknown outcome awaiting recovery, ...).
    pub errors: u64,
    /// Of `unchanged`: linked to an accounting record that already existed.
    #[serde(skip_serializing_if = "is_zero")]
    pub linked: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.created += other.created;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.skipped += other.skipped;
        self.blocked += other.blocked;
        self.conflicts += other.conflicts;
        self.errors += other.errors;
        self.linked += other.linked;
    }

    /// Remote writes this count stands for (created + updated).
    pub fn writes(&self) -> u64 {
        self.created + self.updated
    }
}

/// A record that could not be written, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlockedRecord {
    /// `customer`, `invoice`, `payment`.
    pub entity: EntityKind,
    /// Its ServiceTitan id.
    pub servicetitan_id: String,
    /// What to do about it.
    pub reason: String,
}

/// What happened to one tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetReport {
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// `quickbooks` or `xero`.
    pub target: String,
    #[serde(flatten)]
    counts: Counts,
    /// Per entity.
    pub by_entity: BTreeMap<EntityKind, Counts>,
    /// Each blocked record (and each error) with its reason.
    pub blocked_records: Vec<BlockedRecord>,
    /// Why the tenant's sync stopped early, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// What the run did differently from a plain incremental pass and the user should know
    /// (a refused feed cursor read again from the start). Absent from the JSON when empty,
    /// so the contract's keys are unchanged for an ordinary run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Per record, what the run decided (CONTRACTS.md: present with `--dry-run` only).
    /// Collected only in dry runs ([`TargetReport::planning`]): a real run's record of what
    /// it did is the ledger (links, operations, events), and a backfill of 100k records
    /// should not hold a second copy in memory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Vec<PlanEntry>>,
    /// Where each record's entry is in `plan`: one entry per record.
    #[serde(skip)]
    plan_index: HashMap<(EntityKind, String), usize>,
}

/// One step's verdict on one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Created.
    Created,
    /// Updated or voided.
    Updated,
    /// Nothing to do.
    Unchanged,
    /// Linked to a pre-existing record.
    Linked,
    /// Not eligible.
    Skipped,
    /// Blocked.
    Blocked,
    /// Conflict.
    Conflict,
    /// Error.
    Error,
}

impl TargetReport {
    /// An empty report for a tenant.
    pub fn new(tenant: &str, target: &str) -> Self {
        Self {
            tenant: tenant.to_owned(),
            target: target.to_owned(),
            counts: Counts::default(),
            by_entity: BTreeMap::new(),
            blocked_records: Vec::new(),
            stopped: None,
            warnings: Vec::new(),
            plan: None,
            plan_index: HashMap::new(),
        }
    }

    /// Collects the plan from now on (a dry run).
    pub fn planning(&mut self) {
        self.plan.get_or_insert_with(Vec::new);
    }

    /// Whether the plan is being collected.
    pub fn is_planning(&self) -> bool {
        self.plan.is_some()
    }

    /// Writes down one record's decision (nothing unless planning). A record decided twice
    /// in one run keeps one entry: a write decided after a link (the reactivation of a
    /// matched inactive customer) joins the link's entry; a record read again after a write
    /// was planned for it (a parked retry, then the feed) keeps the write; any other later
    /// decision replaces the earlier one.
    pub fn plan_entry(&mut self, entry: PlanEntry) {
        let Some(plan) = self.plan.as_mut() else {
            return;
        };
        let key = (entry.entity, entry.servicetitan_id.clone());
        let Some(&at) = self.plan_index.get(&key) else {
            self.plan_index.insert(key, plan.len());
            plan.push(entry);
            return;
        };
        let old = &mut plan[at];
        let wrote = !old.writes.is_empty()
            || matches!(
                old.action,
                PlanAction::Create | PlanAction::Update | PlanAction::Void | PlanAction::Link
            );
        match entry.action {
            PlanAction::Update if old.action == PlanAction::Link => {
                old.writes.extend(entry.writes);
            }
            PlanAction::Unchanged if wrote => {}
            _ => {
                if old.number.is_some() && entry.number.is_none() {
                    let number = old.number.take();
                    *old = entry;
                    old.number = number;
                } else {
                    *old = entry;
                }
            }
        }
    }

    /// Sets the number of a record's entry (invoices), if it has one.
    pub fn plan_number(&mut self, entity: EntityKind, id: i64, number: &str) {
        let key = (entity, id.to_string());
        if let (Some(plan), Some(&at)) = (self.plan.as_mut(), self.plan_index.get(&key)) {
            plan[at].number = Some(number.to_owned());
        }
    }

    /// The tenant's totals.
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// Counts one record's outcome.
    pub fn record(&mut self, entity: EntityKind, outcome: Outcome) {
        let e = self.by_entity.entry(entity).or_default();
        for c in [e, &mut self.counts] {
            match outcome {
                Outcome::Created => c.created += 1,
                Outcome::Updated => c.updated += 1,
                Outcome::Unchanged => c.unchanged += 1,
                Outcome::Linked => {
                    c.unchanged += 1;
                    c.linked += 1;
                }
                Outcome::Skipped => c.skipped += 1,
                Outcome::Blocked => c.blocked += 1,
                Outcome::Conflict => c.conflicts += 1,
                Outcome::Error => c.errors += 1,
            }
        }
    }

    /// Counts a blocked record (or an error) and keeps its reason.
    pub fn block(&mut self, entity: EntityKind, id: i64, outcome: Outcome, reason: String) {
        self.block_as(entity, id.to_string(), outcome, reason);
    }

    /// [`TargetReport::block`] of a record named by a string (a payment of the books not in
    /// ServiceTitan is named by its books id, `qbo:N`); planned as blocked (an error too: a
    /// dry run sends nothing that could fail, so an error there is a refusal to plan) or
    /// as a conflict.
    pub fn block_as(&mut self, entity: EntityKind, id: String, outcome: Outcome, reason: String) {
        self.record(entity, outcome);
        let action = match outcome {
            Outcome::Conflict => PlanAction::Conflict,
            _ => PlanAction::Blocked,
        };
        self.plan_entry(PlanEntry::new(entity, id.clone(), action).reason(reason.clone()));
        self.blocked_records.push(BlockedRecord {
            entity,
            servicetitan_id: id,
            reason,
        });
    }

    /// The reason a record of `entity` was blocked in this run, if it was.
    pub fn reason_for(&self, entity: EntityKind, id: i64) -> Option<&str> {
        let id = id.to_string();
        self.blocked_records
            .iter()
            .rev()
            .find(|b| b.entity == entity && b.servicetitan_id == id)
            .map(|b| b.reason.as_str())
    }
}

/// The whole run: `sync --format json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// The run's number in the ledger.
    pub run_id: i64,
    /// Whether it only planned.
    pub dry_run: bool,
    /// One per tenant.
    pub targets: Vec<TargetReport>,
    /// Sums over the tenants (the seven contract keys).
    pub totals: Totals,
}

/// The run's totals: exactly the keys CONTRACTS.md pins.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    pub blocked: u64,
    pub conflicts: u64,
    pub errors: u64,
}

impl SyncReport {
    /// Sums the tenants' counts.
    pub fn new(run_id: i64, dry_run: bool, targets: Vec<TargetReport>) -> Self {
        let mut sum = Counts::default();
        for t in &targets {
            sum.add(&t.counts);
        }
        Self {
            run_id,
            dry_run,
            targets,
            totals: Totals {
                created: sum.created,
                updated: sum.updated,
                unchanged: sum.unchanged,
                skipped: sum.skipped,
                blocked: sum.blocked,
                conflicts: sum.conflicts,
                errors: sum.errors,
            },
        }
    }

    /// Whether conflicts await review (exit code 3).
    pub fn has_conflicts(&self) -> bool {
        self.totals.conflicts > 0
    }

    /// The JSON stored on the run row (the report without the per-record reasons, which may
    /// name values; those stay in the audit log).
    pub fn counts_json(&self) -> serde_json::Value {
        let targets: Vec<serde_json::Value> = self
            .targets
            .iter()
            .map(|t| {
                serde_json::json!({
                    "tenant": t.tenant, "target": t.target, "counts": t.counts,
                    "by_entity": t.by_entity, "stopped": t.stopped,
                    "warnings": t.warnings,
                })
            })
            .collect();
        serde_json::json!({ "totals": self.totals, "targets": targets })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_has_the_contract_keys() {
        let mut t = TargetReport::new("1017823", "quickbooks");
        t.record(EntityKind::Invoice, Outcome::Created);
        t.record(EntityKind::Invoice, Outcome::Linked);
        t.block(
            EntityKind::Invoice,
            9,
            Outcome::Blocked,
            "unmapped SKU".into(),
        );
        let report = SyncReport::new(4, false, vec![t]);
        let json = serde_json::to_value(&report).unwrap();
        let target = &json["targets"][0];
        for key in [
            "tenant",
            "target",
            "created",
            "updated",
            "unchanged",
            "skipped",
            "blocked",
            "conflicts",
            "errors",
            "by_entity",
            "blocked_records",
        ] {
            assert!(target.get(key).is_some(), "missing {key}: {target}");
        }
        assert_eq!(target["unchanged"], 1);
        assert_eq!(target["by_entity"]["invoice"]["linked"], 1);
        assert_eq!(target["blocked_records"][0]["servicetitan_id"], "9");
        let totals = json["totals"].as_object().unwrap();
        assert_eq!(totals.len(), 7);
        assert_eq!(json["totals"]["created"], 1);
        assert_eq!(json["run_id"], 4);
        assert!(target.get("warnings").is_none(), "no warnings, no key");
    }

    #[test]
    fn warnings_reach_the_json_and_the_run_row() {
        let mut t = TargetReport::new("1017823", "xero");
        t.warnings.push("full pass of export/invoices".into());
        let report = SyncReport::new(5, false, vec![t]);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["targets"][0]["warnings"][0],
            "full pass of export/invoices"
        );
        assert_eq!(
            report.counts_json()["targets"][0]["warnings"][0],
            "full pass of export/invoices"
        );
    }
}
