//! The canonical JSON form and the consistency checks.

mod support;

use ledgerbridge_core::{
    Allocation, Currency, Discrepancy, FieldPath, Invoice, Money, Payment, PaymentStatus, SourceRef,
};
use serde_json::json;
use support::{customer, date, dec, invoice, st, usd};

/// The ledger stores base snapshots as this JSON: a change here breaks stored snapshots and
/// needs a migration, so the exact text is pinned.
#[test]
fn invoice_json_form_is_stable() {
    let mut inv = invoice();
    inv.lines.truncate(1);
    inv.lines[0].unit_price = dec("45.0000");
    let expected = r#"{"number":"1001","customer":"st:1673","invoice_date":"2025-01-10","due_date":"2025-02-09","status":"posted","currency":"USD","lines":[{"key":"st:4521","item":"SKU-1","description":"Drain cleaning","quantity":"2","unit_price":"45","amount":{"amount":"90.00","currency":"USD"},"gl_account":"4000","taxable":true,"tax_code":null}],"tax_lines":[{"key":"st:11","name":"CA Sales Tax","rate":"0.095","amount":{"amount":"10.31","currency":"USD"}}],"subtotal":{"amount":"108.52","currency":"USD"},"tax":{"amount":"10.31","currency":"USD"},"total":{"amount":"118.83","currency":"USD"},"balance":{"amount":"118.83","currency":"USD"},"memo":"Gate code on file","business_unit":"Plumbing - Service"}"#;
    assert_eq!(serde_json::to_string(&inv).unwrap(), expected);
    let back: Invoice = serde_json::from_str(expected).unwrap();
    assert_eq!(back, inv);
}

#[test]
fn records_round_trip_through_json() {
    let inv = invoice();
    assert_eq!(
        serde_json::from_str::<Invoice>(&serde_json::to_string(&inv).unwrap()).unwrap(),
        inv
    );
    let c = customer();
    let text = serde_json::to_string(&c).unwrap();
    assert!(
        text.contains(r#""billing_address":{"line1":"801 North Brand Boulevard","line2":null"#)
    );
    assert_eq!(
        serde_json::from_str::<ledgerbridge_core::Customer>(&text).unwrap(),
        c
    );
}

#[test]
fn json_numbers_and_inexact_text_are_refused() {
    let mut value = serde_json::to_value(invoice()).unwrap();
    value["lines"][0]["quantity"] = json!(1.5);
    assert!(
        serde_json::from_value::<Invoice>(value.clone()).is_err(),
        "a float quantity is refused"
    );
    value["lines"][0]["quantity"] = json!("1e2");
    assert!(serde_json::from_value::<Invoice>(value.clone()).is_err());
    value["lines"][0]["quantity"] = json!("1.5");
    value["lines"][0]["key"] = json!("4521");
    assert!(
        serde_json::from_value::<Invoice>(value.clone()).is_err(),
        "a key needs st: or acct:"
    );
    value["lines"][0]["key"] = json!("st:4521");
    value["total"]["amount"] = json!("118.835");
    assert!(
        serde_json::from_value::<Invoice>(value).is_err(),
        "money is validated on the way in"
    );
}

#[test]
fn a_consistent_invoice_has_no_discrepancies() {
    assert_eq!(invoice().check(), []);
}

#[test]
fn each_broken_sum_is_reported_with_its_numbers() {
    let mut inv = invoice();
    inv.lines[1].amount = usd("18.51");
    inv.tax_lines[0].amount = usd("10.30");
    inv.total = usd("118.84");
    assert_eq!(
        inv.check(),
        [
            Discrepancy::LineAmount {
                line: st(4522),
                expected: usd("18.52"),
                found: usd("18.51")
            },
            Discrepancy::Subtotal {
                lines: usd("108.51"),
                subtotal: usd("108.52")
            },
            Discrepancy::TaxLines {
                tax_lines: usd("10.30"),
                tax: usd("10.31")
            },
            Discrepancy::Total {
                expected: usd("118.83"),
                total: usd("118.84")
            },
        ]
    );
    assert_eq!(
        inv.check()[3].to_string(),
        "subtotal + tax is 118.83 USD, total is 118.84 USD"
    );
}

#[test]
fn line_amounts_round_half_away_from_zero() {
    let mut inv = invoice();
    // 1.5 x 12.3456 = 18.5184 -> 18.52; 0.5 x 0.01 = 0.005 -> 0.01 (banker's would say 0.00).
    inv.lines[1].quantity = dec("0.5");
    inv.lines[1].unit_price = dec("0.01");
    inv.lines[1].amount = usd("0.01");
    inv.subtotal = usd("90.01");
    inv.total = usd("100.32");
    assert_eq!(inv.check(), []);
    inv.lines[1].quantity = dec("-0.5");
    inv.lines[1].amount = usd("-0.01");
    inv.subtotal = usd("89.99");
    inv.total = usd("100.30");
    assert_eq!(inv.check(), [], "a discount line rounds the mirror way");
}

#[test]
fn foreign_amounts_and_duplicate_keys_are_reported_before_sums() {
    let mut inv = invoice();
    inv.lines[1].amount = Money::parse("18.52", Currency::new("CAD").unwrap()).unwrap();
    inv.tax_lines.push(inv.tax_lines[0].clone());
    let found = inv.check();
    assert_eq!(
        found,
        [
            Discrepancy::CurrencyMismatch {
                field: "lines[st:4522].amount".parse::<FieldPath>().unwrap(),
                expected: Currency::USD,
                found: Currency::new("CAD").unwrap(),
            },
            Discrepancy::DuplicateKey {
                field: "tax_lines[st:11]".parse().unwrap()
            },
        ]
    );
    let json = serde_json::to_value(&found[0]).unwrap();
    assert_eq!(json["kind"], json!("currency_mismatch"));
    assert_eq!(json["field"], json!("lines[st:4522].amount"));
}

fn payment() -> Payment {
    Payment {
        date: date("2025-01-10"),
        amount: usd("200.00"),
        payment_type: "Check".into(),
        reference: Some("5521".into()),
        customer: st(1673),
        allocations: vec![
            Allocation {
                invoice: st(1679),
                amount: usd("150.00"),
            },
            Allocation {
                invoice: SourceRef::Accounting("88".into()),
                amount: usd("30.00"),
            },
        ],
        unapplied: usd("20.00"),
        memo: None,
        status: PaymentStatus::Posted,
    }
}

#[test]
fn payments_split_into_allocations_and_unapplied() {
    assert_eq!(payment().check(), []);
    let mut over = payment();
    over.unapplied = usd("0.00");
    assert_eq!(
        over.check(),
        [Discrepancy::PaymentSplit {
            allocated: usd("180.00"),
            amount: usd("200.00")
        }]
    );
    let changes = ledgerbridge_core::diff(&payment(), &over).unwrap();
    assert_eq!(
        changes
            .iter()
            .map(|c| c.path.to_string())
            .collect::<Vec<_>>(),
        ["payment.unapplied"]
    );
    let mut moved = payment();
    moved.allocations[0].amount = usd("140.00");
    let changes = ledgerbridge_core::diff(&payment(), &moved).unwrap();
    assert_eq!(changes[0].path.to_string(), "allocations[st:1679].amount");
}
