//! The plan's JSON shape (CONTRACTS.md) and how a record decided twice keeps one entry.

use ledgerbridge_core::EntityKind;

use super::{PlanAction, PlanEntry, PlannedWrite, tally};
use crate::report::{Outcome, SyncReport, TargetReport};

const INVOICE: EntityKind = EntityKind::Invoice;

#[test]
fn a_dry_run_report_carries_the_plan_with_the_pinned_keys() {
    let mut t = TargetReport::new("1017823", "quickbooks");
    t.planning();
    t.record(INVOICE, Outcome::Created);
    let create = PlanEntry::new(INVOICE, "7", PlanAction::Create)
        .write(PlannedWrite::new("quickbooks", "create_invoice"))
        .write(PlannedWrite::new("servicetitan", "mark_exported"));
    t.plan_entry(create);
    t.plan_number(INVOICE, 7, "INV-7");
    t.block(INVOICE, 9, Outcome::Blocked, "unmapped SKU".into());
    let json = serde_json::to_value(SyncReport::new(1, true, vec![t])).unwrap();
    let plan = json["targets"][0]["plan"].as_array().unwrap();
    assert_eq!(plan.len(), 2);
    for entry in plan {
        let mut keys: Vec<&str> = entry
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "action",
                "entity",
                "number",
                "reason",
                "servicetitan_id",
                "writes"
            ]
        );
    }
    assert_eq!(plan[0]["action"], "create");
    assert_eq!(plan[0]["number"], "INV-7");
    assert_eq!(plan[0]["writes"][0]["system"], "quickbooks");
    assert_eq!(plan[0]["writes"][1]["operation"], "mark_exported");
    assert_eq!(plan[1]["action"], "blocked");
    assert_eq!(plan[1]["reason"], "unmapped SKU");
    assert_eq!(plan[1]["servicetitan_id"], "9");
}

#[test]
fn a_real_run_report_has_no_plan_key() {
    let mut t = TargetReport::new("1017823", "xero");
    t.plan_entry(PlanEntry::new(INVOICE, "7", PlanAction::Create));
    t.block(INVOICE, 9, Outcome::Blocked, "unmapped SKU".into());
    let json = serde_json::to_value(SyncReport::new(1, false, vec![t])).unwrap();
    assert!(json["targets"][0].get("plan").is_none());
}

#[test]
fn a_record_decided_twice_keeps_one_entry() {
    let mut t = TargetReport::new("1", "quickbooks");
    t.planning();
    // A matched inactive customer: linked, then reactivated.
    t.plan_entry(PlanEntry::new(EntityKind::Customer, "3", PlanAction::Link));
    let update = PlanEntry::new(EntityKind::Customer, "3", PlanAction::Update)
        .write(PlannedWrite::new("quickbooks", "update_customer"));
    t.plan_entry(update);
    // An invoice created from its parked retry, then read again from the feed.
    t.plan_entry(PlanEntry::new(INVOICE, "5", PlanAction::Create));
    t.plan_number(INVOICE, 5, "N5");
    t.plan_entry(PlanEntry::new(INVOICE, "5", PlanAction::Unchanged));
    // A blocked retry planned anew: the later decision wins, the number stays.
    t.plan_entry(PlanEntry::new(INVOICE, "6", PlanAction::Blocked).reason("x"));
    t.plan_number(INVOICE, 6, "N6");
    t.plan_entry(PlanEntry::new(INVOICE, "6", PlanAction::Create));
    let plan = t.plan.clone().unwrap();
    assert_eq!(plan.len(), 3);
    assert_eq!(plan[0].action, PlanAction::Link);
    assert_eq!(plan[0].writes.len(), 1);
    assert_eq!(plan[1].action, PlanAction::Create);
    assert_eq!(plan[2].action, PlanAction::Create);
    assert_eq!(plan[2].number.as_deref(), Some("N6"));
    let counts = tally(&plan);
    let customers = counts[&EntityKind::Customer];
    assert_eq!((customers.linked, customers.updated), (1, 1));
    assert_eq!(counts[&INVOICE].created, 2);
}
