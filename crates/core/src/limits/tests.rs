use serde_json::json;

use super::*;

fn path(text: &str) -> FieldPath {
    text.parse().unwrap()
}

#[test]
fn each_system_has_its_own_limit_on_the_same_field() {
    let number = path("invoice.number");
    let long = "1".repeat(22);
    let e = check_text(System::QuickBooks, &number, &long).unwrap_err();
    assert_eq!((e.max, e.len, e.remote_field), (21, 22, "DocNumber"));
    assert_eq!(
        e.to_string(),
        "invoice.number is 22 characters; QuickBooks allows at most 21 (DocNumber)"
    );
    assert!(check_text(System::Xero, &number, &long).is_ok());
    assert!(check_text(System::Xero, &number, &"1".repeat(256)).is_err());
    // ServiceTitan documents no limit for the fields the bridge writes.
    assert!(check_text(System::ServiceTitan, &number, &"1".repeat(100_000)).is_ok());
}

#[test]
fn lines_are_matched_by_any_key_and_length_counts_characters() {
    let description = path("lines[st:4521].description");
    assert!(check_text(System::QuickBooks, &description, &"é".repeat(4000)).is_ok());
    let e = check_text(System::Xero, &description, &"x".repeat(100_000)).unwrap_err();
    assert_eq!(e.path, "lines[st:4521].description");
    assert_eq!((e.max, e.len), (4000, 100_000));
    // The limit is on the field, not on what merely starts with its name.
    assert!(limit(System::Xero, &path("lines[st:4521]")).is_none());
}

#[test]
fn a_whole_line_value_is_checked_field_by_field() {
    let line = json!({"key": "st:1", "description": "x".repeat(4001), "quantity": "1"});
    let e = check_value(System::QuickBooks, &path("lines[st:1]"), &line).unwrap_err();
    assert_eq!(e.path, "lines[st:1].description");
    assert!(check_value(System::QuickBooks, &path("invoice.memo"), &json!(null)).is_ok());
}

#[test]
fn every_limit_names_a_valid_field_pattern() {
    for l in LIMITS {
        assert!(PathPattern::parse(l.field).is_ok(), "{}", l.field);
        assert!(l.max > 0);
    }
}
