//! Mapping rules and laws, without HTTP.

use std::collections::HashMap;

use chrono::NaiveDate;
use ledgerbridge_core::{Currency, Invoice, InvoiceLine, InvoiceStatus, Money, SourceRef};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::read::{ReadContext, canonical_display_name};
use super::write::{InvoiceContext, invoice_body};
use super::{MapError, Mappings, disambiguated_name};
use crate::read::{Remote, quote};
use crate::wire;

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

fn line(id: i64, qty: &str, price: &str, amount: &str) -> InvoiceLine {
    InvoiceLine {
        key: SourceRef::ServiceTitan(id),
        item: Some("SVC".into()),
        description: "Work".into(),
        quantity: qty.parse().unwrap(),
        unit_price: price.parse().unwrap(),
        amount: usd(amount),
        gl_account: Some("4000".into()),
        taxable: true,
        tax_code: None,
    }
}

fn invoice(lines: Vec<InvoiceLine>, tax: &str) -> Invoice {
    let subtotal = Money::sum(Currency::USD, lines.iter().map(|l| &l.amount)).unwrap();
    let tax = usd(tax);
    let total = subtotal.checked_add(&tax).unwrap();
    Invoice {
        number: "ST-1".into(),
        customer: SourceRef::ServiceTitan(1),
        invoice_date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        due_date: None,
        status: InvoiceStatus::Posted,
        currency: Currency::USD,
        lines,
        tax_lines: vec![],
        subtotal,
        tax,
        total,
        balance: total,
        memo: None,
        business_unit: Some("HVAC".into()),
    }
}

fn mappings() -> Mappings {
    Mappings {
        items: HashMap::from([("SVC".into(), "1".into())]),
        classes: HashMap::from([("HVAC".into(), "200".into())]),
        default_tax_code: Some("3".into()),
        us_tax: true,
        ..Mappings::default()
    }
}

fn cx(line_ids: &HashMap<SourceRef, String>) -> InvoiceContext<'_> {
    InvoiceContext {
        servicetitan_id: 77,
        customer_id: "9",
        line_ids,
        home_currency: Currency::USD,
    }
}

#[test]
fn an_invoice_carries_servicetitans_numbers_tax_override_class_and_reference() {
    let ids = HashMap::from([(SourceRef::ServiceTitan(1), "5".to_owned())]);
    let inv = invoice(
        vec![
            line(1, "2", "10.005", "20.01"),
            line(2, "3", "9.99", "25.00"),
        ],
        "3.71",
    );
    let draft = invoice_body(&inv, cx(&ids), &mappings()).unwrap();
    let body = serde_json::to_string(&draft.body).unwrap();
    assert!(body.contains(r#""TotalTax":3.71"#), "{body}");
    assert!(body.contains(r#""ClassRef":{"value":"200"}"#), "{body}");
    assert!(body.contains(r#""TxnTaxCodeRef":{"value":"3"}"#), "{body}");
    assert!(
        body.contains(r#""PrivateNote":"ServiceTitan invoice ST-1 (id 77)"#),
        "{body}"
    );
    let lines = draft.body.line.as_ref().unwrap();
    assert_eq!(
        lines[0].id.as_deref(),
        Some("5"),
        "a linked line keeps its id"
    );
    let first = lines[0].sales_item_line_detail.as_ref().unwrap();
    assert_eq!(
        (first.qty, first.unit_price),
        (Some(Decimal::new(2, 0)), Some(Decimal::new(10005, 3)))
    );
    // 3 x 9.99 = 29.97, not ServiceTitan's 25.00: only the amount is sent.
    let second = lines[1].sales_item_line_detail.as_ref().unwrap();
    assert_eq!((second.qty, second.unit_price), (None, None));
    assert_eq!(lines[1].amount, Some(Decimal::new(2500, 2)));
    assert_eq!(
        draft.line_keys,
        vec![SourceRef::ServiceTitan(1), SourceRef::ServiceTitan(2)]
    );
}

#[test]
fn unmapped_values_and_long_numbers_are_refused_with_what_to_fix() {
    let ids = HashMap::new();
    let mut inv = invoice(vec![line(1, "1", "5", "5.00")], "0.00");
    inv.lines[0].item = Some("PART-9".into());
    assert_eq!(
        invoice_body(&inv, cx(&ids), &mappings()).unwrap_err(),
        MapError::MissingMapping {
            kind: "item",
            value: "PART-9".into()
        }
    );
    let mut inv = invoice(vec![line(1, "1", "5", "5.00")], "0.00");
    inv.business_unit = Some("Plumbing".into());
    assert!(matches!(
        invoice_body(&inv, cx(&ids), &mappings()),
        Err(MapError::MissingMapping { kind: "class", .. })
    ));
    inv.business_unit = None;
    inv.number = "X".repeat(22);
    assert!(matches!(
        invoice_body(&inv, cx(&ids), &mappings()),
        Err(MapError::TooLong {
            field: "DocNumber",
            ..
        })
    ));
}

#[test]
fn reading_back_a_written_invoice_gives_the_same_money_and_keys() {
    let ids = HashMap::new();
    let inv = invoice(
        vec![
            line(1, "1.5", "80.333", "120.50"),
            line(2, "-1", "10", "-10.00"),
        ],
        "9.95",
    );
    let draft = invoice_body(&inv, cx(&ids), &mappings()).unwrap();
    let mut answered: wire::Invoice =
        serde_json::from_slice(&serde_json::to_vec(&draft.body).unwrap()).unwrap();
    for (n, l) in answered.line.iter_mut().flatten().enumerate() {
        l.id = Some((n + 1).to_string());
    }
    answered.total_amt = Some(inv.total.amount());
    let remote = Remote {
        id: "40".into(),
        sync_token: "0".into(),
        last_updated: None,
        deleted: false,
        record: answered,
    };
    let mut rcx = ReadContext {
        customers: HashMap::from([("9".into(), 1)]),
        ..ReadContext::default()
    };
    rcx.lines = HashMap::from([
        (("40".into(), "1".into()), 1),
        (("40".into(), "2".into()), 2),
    ]);
    rcx.items = HashMap::from([("1".into(), "SVC".into())]);
    rcx.classes = HashMap::from([("200".into(), "HVAC".into())]);
    let back = super::read::invoice(&remote, &rcx).unwrap();
    assert_eq!(
        (back.subtotal, back.tax, back.total),
        (inv.subtotal, inv.tax, inv.total)
    );
    assert_eq!(back.customer, inv.customer);
    assert_eq!(back.business_unit, inv.business_unit);
    for (a, b) in back.lines.iter().zip(&inv.lines) {
        assert_eq!(
            (&a.key, &a.item, a.amount, a.taxable),
            (&b.key, &b.item, b.amount, b.taxable)
        );
    }
}

#[test]
fn disambiguated_names_keep_the_name_readable_and_the_id_whole() {
    assert_eq!(
        disambiguated_name("John Smith", 1234),
        "John Smith (ST 1234)"
    );
    let long = "x".repeat(600);
    let name = disambiguated_name(&long, 7);
    assert_eq!(name.chars().count(), 500);
    assert!(name.ends_with(" (ST 7)"));
}

/// Undoes [`quote`]: what a query lexer with backslash escapes reads.
fn unquote(text: &str) -> Option<String> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '\'' => return None, // an unescaped quote would end the literal early
            c => out.push(c),
        }
    }
    Some(out)
}

proptest! {
    #[test]
    fn quoting_round_trips_any_name(name in "\\PC{0,40}") {
        prop_assert_eq!(unquote(&quote(&name)), Some(name));
    }

    #[test]
    fn a_disambiguated_name_reads_back_as_the_original(name in "[a-zA-Z0-9'&]\\PC{0,60}[a-zA-Z0-9'&]", id in 0i64..i64::MAX) {
        prop_assert_eq!(canonical_display_name(&disambiguated_name(&name, id), Some(id)), name.clone());
        prop_assert_eq!(canonical_display_name(&name, Some(id)), name);
    }

    #[test]
    fn amounts_cross_the_wire_exactly(cents in -10_000_000_000i64..10_000_000_000, tax in 0i64..100_000_000) {
        let amount = Money::from_minor(cents, Currency::USD);
        let l = InvoiceLine { amount, unit_price: amount.amount(), ..line(1, "1", "0", "0.00") };
        let inv = invoice(vec![l], &Money::from_minor(tax, Currency::USD).amount().to_string());
        let ids = HashMap::new();
        let draft = invoice_body(&inv, cx(&ids), &mappings()).unwrap();
        let back: wire::Invoice = serde_json::from_slice(&serde_json::to_vec(&draft.body).unwrap()).unwrap();
        prop_assert_eq!(back.line.unwrap()[0].amount, Some(amount.amount()));
        prop_assert_eq!(back.txn_tax_detail.unwrap().total_tax, Some(inv.tax.amount()));
    }
}
