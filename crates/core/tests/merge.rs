//! Diff, merge and policy behaviour on concrete, readable cases (the laws are in `laws.rs`).

mod support;

use chrono::{TimeZone, Utc};
use ledgerbridge_core::{
    EntityKind, FieldPath, ModelError, PathPattern, Policy, PolicySet, Side, SideTimes, diff,
    field_value, merge, with_values,
};
use serde_json::{Value, json};
use support::{customer, dec, invoice, line, usd};

fn path(text: &str) -> FieldPath {
    text.parse().unwrap()
}

fn paths<T>(items: &[T], get: impl Fn(&T) -> &FieldPath) -> Vec<String> {
    items.iter().map(|i| get(i).to_string()).collect()
}

#[test]
fn diff_names_fields_by_contract_paths() {
    let base = invoice();
    let mut edited = base.clone();
    edited.due_date = None;
    edited.memo = Some("Call first".into());
    edited.lines[1].quantity = dec("2");
    let changes = diff(&base, &edited).unwrap();
    assert_eq!(
        paths(&changes, |c| &c.path),
        [
            "invoice.due_date",
            "invoice.memo",
            "lines[st:4522].quantity"
        ]
    );
    assert_eq!(changes[0].old, json!("2025-02-09"));
    assert_eq!(changes[0].new, Value::Null);
    assert_eq!(
        (&changes[2].old, &changes[2].new),
        (&json!("1.5"), &json!("2"))
    );
}

#[test]
fn lines_are_matched_by_servicetitan_id_not_position() {
    let base = invoice();
    let mut edited = base.clone();
    edited
        .lines
        .insert(0, line(9000, "Permit fee", "1", "25", "25.00"));
    edited.lines.swap(1, 2);
    let changes = diff(&base, &edited).unwrap();
    assert_eq!(paths(&changes, |c| &c.path), ["lines[st:9000]"]);
    assert_eq!(changes[0].old, Value::Null);
    assert_eq!(changes[0].new["description"], json!("Permit fee"));
    assert_eq!(changes[0].new["key"], json!("st:9000"));

    let removed = diff(&edited, &base).unwrap();
    assert_eq!(paths(&removed, |c| &c.path), ["lines[st:9000]"]);
    assert_eq!(removed[0].new, Value::Null);
}

#[test]
fn decimal_scale_is_not_a_change() {
    let base = invoice();
    let mut edited = base.clone();
    edited.lines[0].unit_price = dec("45.0000");
    assert_eq!(diff(&base, &edited).unwrap(), []);
}

#[test]
fn nested_address_fields_diff_one_by_one() {
    let base = customer();
    let mut edited = base.clone();
    edited.billing_address.city = Some("Burbank".into());
    edited.email = None;
    let changes = diff(&base, &edited).unwrap();
    assert_eq!(
        paths(&changes, |c| &c.path),
        ["customer.billing_address.city", "customer.email"]
    );
}

#[test]
fn edits_to_different_fields_merge_without_conflict() {
    let base = invoice();
    let mut st = base.clone();
    st.lines[0].quantity = dec("3");
    st.memo = Some("Tech added a part".into());
    let mut acct = base.clone();
    acct.lines[0].gl_account = Some("4100".into());
    acct.due_date = Some(support::date("2025-03-01"));
    let outcome = merge(&base, &st, &acct).unwrap();
    assert!(outcome.is_clean(), "{:?}", outcome.conflicts);
    let m = outcome.merged;
    assert_eq!(
        (m.lines[0].quantity, m.lines[0].gl_account.as_deref()),
        (dec("3"), Some("4100"))
    );
    assert_eq!(
        (m.memo.as_deref(), m.due_date),
        (Some("Tech added a part"), acct.due_date)
    );
}

#[test]
fn the_same_change_on_both_sides_is_no_conflict() {
    let base = customer();
    let mut st = base.clone();
    st.email = Some("new@example.com".into());
    let outcome = merge(&base, &st, &st.clone()).unwrap();
    assert!(outcome.is_clean());
    assert_eq!(outcome.merged, st);
}

#[test]
fn different_changes_conflict_with_three_values_and_keep_the_base() {
    let base = customer();
    let (mut st, mut acct) = (base.clone(), base.clone());
    st.display_name = "John Smith Jr.".into();
    acct.display_name = "J. Smith".into();
    let outcome = merge(&base, &st, &acct).unwrap();
    assert_eq!(
        paths(&outcome.conflicts, |c| &c.path),
        ["customer.display_name"]
    );
    let c = &outcome.conflicts[0];
    assert_eq!(
        (&c.base, &c.servicetitan, &c.accounting),
        (
            &json!("John Smith (1673)"),
            &json!("John Smith Jr."),
            &json!("J. Smith")
        )
    );
    assert_eq!(outcome.merged.display_name, base.display_name);
    let as_json = serde_json::to_value(c).unwrap();
    assert_eq!(as_json["path"], json!("customer.display_name"));
}

#[test]
fn removing_a_line_the_other_side_edited_is_one_item_conflict() {
    let base = invoice();
    let mut st = base.clone();
    st.lines.remove(1);
    let mut acct = base.clone();
    acct.lines[1].description = "Trap, chrome".into();
    let outcome = merge(&base, &st, &acct).unwrap();
    assert_eq!(paths(&outcome.conflicts, |c| &c.path), ["lines[st:4522]"]);
    assert_eq!(outcome.conflicts[0].servicetitan, Value::Null);
    assert_eq!(
        outcome.conflicts[0].accounting["description"],
        json!("Trap, chrome")
    );
    assert_eq!(
        outcome.merged.lines, base.lines,
        "the base line stays until decided"
    );
}

#[test]
fn a_removal_on_one_side_only_removes() {
    let base = invoice();
    let mut acct = base.clone();
    acct.lines.remove(0);
    let mut st = base.clone();
    st.memo = None;
    let outcome = merge(&base, &st, &acct).unwrap();
    assert!(outcome.is_clean());
    assert_eq!(outcome.merged.lines, acct.lines);
    assert_eq!(outcome.merged.memo, None);
}

#[test]
fn policies_pick_the_most_specific_rule() {
    let set = PolicySet::new(Policy::Manual)
        .with_entity(EntityKind::Invoice, Policy::ServiceTitanWins)
        .with_field(
            EntityKind::Invoice,
            "invoice.memo".parse().unwrap(),
            Policy::AccountingWins,
        )
        .with_field(
            EntityKind::Invoice,
            "lines[*]".parse().unwrap(),
            Policy::NewestWins,
        )
        .with_field(
            EntityKind::Invoice,
            "lines[*].gl_account".parse().unwrap(),
            Policy::AccountingWins,
        );
    assert_eq!(
        set.policy_for(EntityKind::Invoice, &path("invoice.memo")),
        Policy::AccountingWins
    );
    assert_eq!(
        set.policy_for(EntityKind::Invoice, &path("invoice.due_date")),
        Policy::ServiceTitanWins
    );
    assert_eq!(
        set.policy_for(EntityKind::Invoice, &path("lines[st:1].quantity")),
        Policy::NewestWins
    );
    assert_eq!(
        set.policy_for(EntityKind::Invoice, &path("lines[st:1].gl_account")),
        Policy::AccountingWins
    );
    assert_eq!(
        set.policy_for(EntityKind::Customer, &path("customer.email")),
        Policy::Manual
    );
    assert_eq!("newest_wins".parse::<Policy>(), Ok(Policy::NewestWins));
    assert!("theirs".parse::<Policy>().is_err());
    assert_eq!(
        serde_json::to_value(Policy::ServiceTitanWins).unwrap(),
        json!("servicetitan_wins")
    );
    let replaced = set.with_field(
        EntityKind::Invoice,
        PathPattern::parse("invoice.memo").unwrap(),
        Policy::Manual,
    );
    assert_eq!(
        replaced.policy_for(EntityKind::Invoice, &path("invoice.memo")),
        Policy::Manual
    );
}

fn both_sides_edit_memo_and_remove_vs_edit_a_line() -> (
    ledgerbridge_core::Invoice,
    ledgerbridge_core::Invoice,
    ledgerbridge_core::Invoice,
) {
    let base = invoice();
    let (mut st, mut acct) = (base.clone(), base.clone());
    st.memo = Some("from ServiceTitan".into());
    acct.memo = Some("from the books".into());
    st.lines.remove(1);
    acct.lines[1].amount = usd("18.53");
    (base, st, acct)
}

#[test]
fn settle_applies_winners_and_keeps_manual_conflicts() {
    let (base, st, acct) = both_sides_edit_memo_and_remove_vs_edit_a_line();
    let outcome = merge(&base, &st, &acct).unwrap();
    let set = PolicySet::new(Policy::Manual).with_field(
        EntityKind::Invoice,
        "lines[*]".parse().unwrap(),
        Policy::ServiceTitanWins,
    );
    let settled = set.settle(outcome, &SideTimes::default()).unwrap();
    assert_eq!(settled.merged.lines, st.lines, "ServiceTitan's removal won");
    assert_eq!(
        settled.merged.memo, base.memo,
        "the manual conflict keeps the base value"
    );
    assert_eq!(paths(&settled.manual, |c| &c.path), ["invoice.memo"]);
    assert_eq!(settled.resolved.len(), 1);
    assert_eq!(
        (settled.resolved[0].policy, settled.resolved[0].winner),
        (Policy::ServiceTitanWins, Side::ServiceTitan)
    );
}

#[test]
fn newest_wins_needs_two_distinct_times() {
    let (base, st, acct) = both_sides_edit_memo_and_remove_vs_edit_a_line();
    let set = PolicySet::new(Policy::NewestWins);
    let t = |h| Some(Utc.with_ymd_and_hms(2025, 1, 10, h, 0, 0).unwrap());

    let newer_books = SideTimes {
        servicetitan: t(9),
        accounting: t(10),
    };
    let settled = set
        .settle(merge(&base, &st, &acct).unwrap(), &newer_books)
        .unwrap();
    assert!(settled.manual.is_empty());
    assert_eq!(settled.merged.memo, acct.memo);
    assert_eq!(
        settled.merged.lines, acct.lines,
        "the edited line is kept, not removed"
    );

    for unknown in [
        SideTimes {
            servicetitan: t(9),
            accounting: t(9),
        },
        SideTimes {
            servicetitan: t(9),
            accounting: None,
        },
    ] {
        let settled = set
            .settle(merge(&base, &st, &acct).unwrap(), &unknown)
            .unwrap();
        assert_eq!(
            settled.manual.len(),
            2,
            "a tie or a missing time is never guessed"
        );
        assert_eq!(settled.merged, merge(&base, &st, &acct).unwrap().merged);
    }
}

#[test]
fn field_values_can_be_read_and_written_by_path() {
    let base = invoice();
    assert_eq!(
        field_value(&base, &path("lines[st:4521].amount")).unwrap(),
        json!({"amount": "90.00", "currency": "USD"})
    );
    assert_eq!(
        field_value(&base, &path("lines[st:1]")).unwrap(),
        Value::Null
    );
    let edited = with_values(
        &base,
        [
            (path("invoice.memo"), json!("resolved by hand")),
            (path("lines[st:4522]"), Value::Null),
            (
                path("lines[st:9]"),
                field_value(&base, &path("lines[st:4521]")).unwrap(),
            ),
        ],
    )
    .unwrap();
    assert_eq!(edited.memo.as_deref(), Some("resolved by hand"));
    let keys: Vec<String> = edited.lines.iter().map(|l| l.key.to_string()).collect();
    assert_eq!(
        keys,
        ["st:4521", "st:9"],
        "a new item takes the key of its path"
    );

    for bad in [
        "invoice.nope",
        "lines[st:1].quantity",
        "lines[st:4521].key",
        "customer.email",
        "tax_lines",
    ] {
        let err = with_values(&base, [(path(bad), json!("x"))]).unwrap_err();
        assert!(
            matches!(err, ModelError::UnknownPath { .. }),
            "{bad}: {err}"
        );
    }
    let err = with_values(
        &base,
        [(
            path("invoice.total"),
            json!({"amount": "1.001", "currency": "USD"}),
        )],
    )
    .unwrap_err();
    assert!(matches!(err, ModelError::InvalidValue { .. }), "{err}");
}

#[test]
fn duplicate_line_keys_are_refused_not_guessed() {
    let mut bad = invoice();
    bad.lines[1].key = bad.lines[0].key.clone();
    let err = diff(&invoice(), &bad).unwrap_err();
    assert_eq!(
        err,
        ModelError::DuplicateKey {
            path: path("lines[st:4521]")
        }
    );
    assert!(merge(&invoice(), &bad, &invoice()).is_err());
}
