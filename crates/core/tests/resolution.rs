//! Resolving conflicts: the laws (taking a side is that side's values, the policy's result and
//! never refused; the JSON form round-trips) and readable cases of the consistency check.

mod support;

use ledgerbridge_core::resolution::{Choice, Decision, ResolutionError, resolve_record};
use ledgerbridge_core::{
    EntityKind, FieldConflict, Invoice, Policy, PolicySet, Side, SideTimes, check_resolution, merge,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use support::{arb_customer, arb_invoice, dec, invoice, usd};

fn side_value(field: &FieldConflict, side: Side) -> &Value {
    match side {
        Side::ServiceTitan => &field.servicetitan,
        Side::Accounting => &field.accounting,
    }
}

fn policy(side: Side) -> Policy {
    match side {
        Side::ServiceTitan => Policy::ServiceTitanWins,
        Side::Accounting => Policy::AccountingWins,
    }
}

fn arb_side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::ServiceTitan), Just(Side::Accounting)]
}

proptest! {
    #[test]
    fn taking_a_side_is_that_sides_values_and_the_policys_result(
        base in arb_invoice(), st in arb_invoice(), acct in arb_invoice(), side in arb_side(),
    ) {
        let Ok(outcome) = merge(&base, &st, &acct) else { return Ok(()) };
        let fields = outcome.conflicts.clone();
        let decision = Decision::take(side, &fields);
        let values = decision.values(&fields).unwrap();
        prop_assert_eq!(values.len(), fields.len());
        for ((path, value), field) in values.iter().zip(&fields) {
            prop_assert_eq!(path, &field.path);
            prop_assert_eq!(value, side_value(field, side));
        }
        let resolved = resolve_record(&outcome.merged, &fields, &decision).unwrap();
        let settled = PolicySet::new(policy(side))
            .settle(outcome, &SideTimes::default())
            .unwrap();
        prop_assert_eq!(resolved, settled.merged);
    }

    #[test]
    fn taking_a_side_is_never_refused(
        base in arb_invoice(), st in arb_invoice(), acct in arb_invoice(), side in arb_side(),
    ) {
        let Ok(outcome) = merge(&base, &st, &acct) else { return Ok(()) };
        let start = serde_json::to_value(&base).unwrap();
        let decision = Decision::take(side, &outcome.conflicts);
        let checked =
            check_resolution(EntityKind::Invoice, Some(&start), &outcome.conflicts, &decision);
        prop_assert!(checked.is_ok(), "{:?}", checked);
    }

    #[test]
    fn customer_decisions_round_trip_through_the_pinned_json(
        base in arb_customer(), st in arb_customer(), acct in arb_customer(),
        picks in prop::collection::vec(0u8..3, 16),
    ) {
        let outcome = merge(&base, &st, &acct).unwrap();
        let mut decision = Decision::new();
        for (field, pick) in outcome.conflicts.iter().zip(picks.iter().cycle()) {
            let choice = match pick {
                0 => Choice::Take(Side::ServiceTitan),
                1 => Choice::Take(Side::Accounting),
                _ => Choice::Value(field.base.clone()),
            };
            decision.insert(field.path.clone(), choice);
        }
        prop_assert_eq!(Decision::from_json(&decision.to_json()).unwrap(), decision.clone());
        // Any mix of sides and base values is a valid customer (customers have no sums).
        let start = serde_json::to_value(&base).unwrap();
        let checked =
            check_resolution(EntityKind::Customer, Some(&start), &outcome.conflicts, &decision);
        prop_assert!(checked.is_ok(), "{:?}", checked);
    }
}

/// The accountant and the technician both changed the quantity of line 4521 (so its amount,
/// the subtotal and the total changed on both sides too).
fn quantity_conflict() -> (Invoice, Vec<FieldConflict>) {
    let base = invoice();
    let mut st = base.clone();
    st.lines[0].quantity = dec("3");
    st.lines[0].amount = usd("135.00");
    st.subtotal = usd("153.52");
    st.total = usd("163.83");
    let mut acct = base.clone();
    acct.lines[0].quantity = dec("4");
    acct.lines[0].amount = usd("180.00");
    acct.subtotal = usd("198.52");
    acct.total = usd("208.83");
    let outcome = merge(&base, &st, &acct).unwrap();
    (base, outcome.conflicts)
}

#[test]
fn a_mixed_choice_that_breaks_the_sums_is_refused_and_names_them() {
    let (base, fields) = quantity_conflict();
    let paths: Vec<String> = fields.iter().map(|f| f.path.to_string()).collect();
    assert_eq!(
        paths,
        [
            "invoice.subtotal",
            "invoice.total",
            "lines[st:4521].amount",
            "lines[st:4521].quantity"
        ]
    );
    let start = serde_json::to_value(&base).unwrap();
    let mut mixed = Decision::take(Side::ServiceTitan, &fields);
    mixed.insert(
        "lines[st:4521].quantity".parse().unwrap(),
        Choice::Take(Side::Accounting),
    );
    let refused = check_resolution(EntityKind::Invoice, Some(&start), &fields, &mixed);
    let Err(ResolutionError::Inconsistent { discrepancies, .. }) = &refused else {
        panic!("expected a refusal, got {refused:?}");
    };
    assert_eq!(discrepancies.len(), 1, "{discrepancies:?}");
    assert!(
        refused.unwrap_err().to_string().contains("line st:4521"),
        "the message names the line"
    );

    // Typing a consistent set of values is accepted, and the resolved record carries them.
    let mut typed = Decision::take(Side::ServiceTitan, &fields);
    for (path, value) in [
        ("lines[st:4521].quantity", json!("5")),
        (
            "lines[st:4521].amount",
            json!({"amount": "225.00", "currency": "USD"}),
        ),
        (
            "invoice.subtotal",
            json!({"amount": "243.52", "currency": "USD"}),
        ),
        (
            "invoice.total",
            json!({"amount": "253.83", "currency": "USD"}),
        ),
    ] {
        typed.insert(path.parse().unwrap(), Choice::Value(value));
    }
    let resolved = check_resolution(EntityKind::Invoice, Some(&start), &fields, &typed)
        .unwrap()
        .unwrap();
    assert_eq!(resolved["lines"][0]["quantity"], json!("5"));
    assert_eq!(resolved["total"]["amount"], json!("253.83"));
}

#[test]
fn a_typed_value_the_model_refuses_names_the_field() {
    let (base, fields) = quantity_conflict();
    let start = serde_json::to_value(&base).unwrap();
    let mut decision = Decision::take(Side::Accounting, &fields);
    decision.insert(
        "lines[st:4521].quantity".parse().unwrap(),
        Choice::Value(json!(4)),
    );
    let e = check_resolution(EntityKind::Invoice, Some(&start), &fields, &decision).unwrap_err();
    assert!(
        matches!(&e, ResolutionError::DoesNotFit { path, .. } if path.to_string() == "lines[st:4521].quantity"),
        "{e:?}"
    );
    assert!(e.to_string().contains("invoice"), "{e}");
}
