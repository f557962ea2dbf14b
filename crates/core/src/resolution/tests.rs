//! The pinned JSON form of a decision; the record-level checks are in `tests/resolution.rs`.

use serde_json::json;

use super::*;
use crate::ids::System;

fn conflict(path: &str, base: Value, st: Value, acct: Value) -> FieldConflict {
    FieldConflict {
        path: path.parse().unwrap(),
        base,
        servicetitan: st,
        accounting: acct,
    }
}

fn fields() -> Vec<FieldConflict> {
    vec![
        conflict("invoice.memo", json!("a"), json!("b"), json!("c")),
        conflict(
            "lines[st:4521].description",
            json!("Trap"),
            json!("P-trap"),
            json!("Trap, 1.5in"),
        ),
    ]
}

#[test]
fn the_pinned_json_reads_and_renders_unchanged() {
    let json = json!({
        "invoice.memo": "servicetitan",
        "lines[st:4521].description": {"value": "P-trap 1.5in"},
    });
    let decision = Decision::from_json(&json).unwrap();
    assert_eq!(
        decision.get(&"invoice.memo".parse().unwrap()),
        Some(&Choice::Take(Side::ServiceTitan))
    );
    assert_eq!(decision.to_json(), json);
    assert_eq!(
        decision.values(&fields()).unwrap(),
        vec![
            ("invoice.memo".parse().unwrap(), json!("b")),
            (
                "lines[st:4521].description".parse().unwrap(),
                json!("P-trap 1.5in")
            ),
        ]
    );
}

#[test]
fn malformed_choices_are_refused_with_the_path() {
    let not_object = Decision::from_json(&json!(["servicetitan"])).unwrap_err();
    assert!(matches!(not_object, ResolutionError::NotAnObject { .. }));
    let bad_path = Decision::from_json(&json!({"Invoice.Memo": "accounting"})).unwrap_err();
    assert!(bad_path.to_string().contains("Invoice.Memo"), "{bad_path}");
    for entry in [
        json!("books"),
        json!({"val": 1}),
        json!({"value": 1, "x": 2}),
        json!(3),
    ] {
        let e = Decision::from_json(&json!({ "invoice.memo": entry })).unwrap_err();
        assert!(matches!(e, ResolutionError::BadChoice { .. }), "{e}");
        assert!(e.to_string().starts_with("invoice.memo:"), "{e}");
    }
}

#[test]
fn every_field_needs_a_choice_and_no_other_path_is_accepted() {
    let mut decision = Decision::take(Side::Accounting, &fields()[..1]);
    let missing = decision.values(&fields()).unwrap_err();
    assert_eq!(
        missing,
        ResolutionError::Missing {
            path: "lines[st:4521].description".parse().unwrap()
        }
    );
    decision.insert(
        "lines[st:4521].description".parse().unwrap(),
        Choice::Take(Side::ServiceTitan),
    );
    decision.insert(
        "invoice.due_date".parse().unwrap(),
        Choice::Value(Value::Null),
    );
    let unknown = decision.values(&fields()).unwrap_err();
    assert!(matches!(unknown, ResolutionError::UnknownField { .. }));
    assert!(
        unknown.to_string().contains("invoice.due_date"),
        "{unknown}"
    );
}

#[test]
fn typed_text_reads_by_the_fields_shape_and_side_names_are_sides() {
    let total = conflict(
        "invoice.total",
        json!({"amount": "10.00", "currency": "USD"}),
        json!({"amount": "12.00", "currency": "USD"}),
        json!({"amount": "11.00", "currency": "USD"}),
    );
    assert_eq!(
        Choice::from_text(&total, "accounting").unwrap(),
        Choice::Take(Side::Accounting)
    );
    assert_eq!(
        Choice::from_text(&total, "12.5").unwrap(),
        Choice::Value(json!({"amount": "12.50", "currency": "USD"}))
    );
    let e = Choice::from_text(&total, "12.505").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("invoice.total: not an amount in USD"),
        "{e}"
    );
}

#[test]
fn side_choices_need_no_record_but_typed_values_do() {
    let sides = Decision::take(Side::ServiceTitan, &fields());
    assert_eq!(
        check_resolution(EntityKind::Invoice, None, &fields(), &sides),
        Ok(None)
    );
    let mut typed = sides;
    typed.insert("invoice.memo".parse().unwrap(), Choice::Value(json!("d")));
    assert_eq!(
        check_resolution(EntityKind::Invoice, None, &fields(), &typed),
        Err(ResolutionError::NoSnapshot)
    );
    assert_eq!(
        check_resolution(EntityKind::CreditNote, Some(&json!({})), &fields(), &typed),
        Err(ResolutionError::Unsupported {
            entity: EntityKind::CreditNote
        })
    );
}

#[test]
fn a_value_too_long_for_either_system_is_refused_with_the_limit() {
    let huge = "x".repeat(100_000);
    let mut typed = Decision::take(Side::ServiceTitan, &fields());
    typed.insert(
        "lines[st:4521].description".parse().unwrap(),
        Choice::Value(json!(huge)),
    );
    for (target, name, max) in [
        (System::QuickBooks, "QuickBooks", 4000),
        (System::Xero, "Xero", 4000),
    ] {
        let e = check_limits(target, &fields(), &typed).unwrap_err();
        let text = e.to_string();
        assert!(matches!(e, ResolutionError::TooLong(_)), "{text}");
        assert!(text.contains("lines[st:4521].description"), "{text}");
        assert!(text.contains("100000 characters"), "{text}");
        assert!(
            text.contains(&format!("{name} allows at most {max}")),
            "{text}"
        );
    }
    let fits = Decision::take(Side::Accounting, &fields());
    assert_eq!(check_limits(System::QuickBooks, &fields(), &fits), Ok(()));
}
