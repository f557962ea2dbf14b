//! The mapping's laws: line amounts reproduced exactly, tax distributed to the cent, amounts
//! unchanged through the wire, and the refusals that keep bad records out of the books.

use std::collections::HashMap;

use chrono::NaiveDate;
use ledgerbridge_core::money::round_half_away;
use ledgerbridge_core::{Currency, Invoice, InvoiceLine, InvoiceStatus, Money, SourceRef};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::*;
use crate::wire::invoice::Invoice as XeroInvoice;

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

fn mappings() -> Mappings {
    let mut m = Mappings::new();
    m.default_account = Some("200".into());
    m.taxable_tax_type = Some("TAX001".into());
    m
}

fn invoice(lines: &[(i64, bool)], tax: i64) -> Invoice {
    let lines: Vec<InvoiceLine> = lines
        .iter()
        .enumerate()
        .map(|(i, (minor, taxable))| InvoiceLine {
            key: SourceRef::servicetitan(i64::try_from(i).unwrap() + 1).unwrap(),
            item: None,
            description: format!("line {i}"),
            quantity: Decimal::ONE,
            unit_price: Decimal::new(*minor, 2),
            amount: usd(*minor),
            gl_account: None,
            taxable: *taxable,
            tax_code: None,
        })
        .collect();
    let subtotal: i64 = lines.iter().map(|l| l.amount.to_minor()).sum();
    Invoice {
        number: "1001".into(),
        customer: SourceRef::servicetitan(7).unwrap(),
        invoice_date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        due_date: None,
        status: InvoiceStatus::Posted,
        currency: Currency::USD,
        lines,
        tax_lines: Vec::new(),
        subtotal: usd(subtotal),
        tax: usd(tax),
        total: usd(subtotal + tax),
        balance: usd(subtotal + tax),
        memo: None,
        business_unit: None,
    }
}

fn map(invoice: &Invoice) -> Result<XeroInvoice, MapError> {
    let ids = HashMap::new();
    let target = InvoiceTarget {
        contact_id: "c-1",
        invoice_id: None,
        line_ids: &ids,
    };
    invoice_to_xero(invoice, &target, &mappings())
}

fn decimal(mantissa: i64, scale: u32) -> Decimal {
    Decimal::new(mantissa, scale)
}

proptest! {
    #[test]
    fn fitted_lines_reproduce_the_amount_at_xeros_precision(
        q in 0i64..100_000, qs in 0u32..=6,
        u in -1_000_000i64..1_000_000, us in 0u32..=6,
        cents in -10_000_000i64..10_000_000, use_product in any::<bool>(),
    ) {
        let (quantity, unit) = (decimal(q, qs), decimal(u, us));
        let amount = if use_product {
            round_half_away(quantity * unit, 2)
        } else {
            decimal(cents, 2)
        };
        let (fq, fu) = fit_line(quantity, unit, amount);
        prop_assert_eq!(round_half_away(fq * fu, 2), amount);
        prop_assert!(fq.normalize().scale() <= 4 && fu.normalize().scale() <= 4);
        if use_product && qs <= 4 && us <= 4 {
            prop_assert_eq!((fq, fu), (quantity, unit), "source figures kept when they fit");
        }
    }

    #[test]
    fn tax_lands_on_taxable_lines_and_sums_to_servicetitans(
        lines in prop::collection::vec((-50_000i64..500_000, any::<bool>()), 1..40),
        tax in 0i64..100_000,
    ) {
        let taxable_sum: i64 = lines.iter().filter(|(_, t)| *t).map(|(m, _)| m).sum();
        let invoice = invoice(&lines, tax);
        let result = map(&invoice);
        if invoice.total.is_negative() {
            prop_assert!(result.is_err());
            return Ok(());
        }
        if taxable_sum == 0 && tax != 0 {
            prop_assert!(matches!(result, Err(MapError::Unsupported { .. })), "tax without a carrier");
            return Ok(());
        }
        let xero = result.unwrap();
        let items = xero.line_items.unwrap();
        let sum: Decimal = items.iter().map(|l| l.tax_amount.unwrap()).sum();
        prop_assert_eq!(sum, invoice.tax.amount());
        let line_total: Decimal = items.iter().map(|l| l.line_amount.unwrap()).sum();
        prop_assert_eq!(line_total + sum, invoice.total.amount());
        for (item, (minor, taxable)) in items.iter().zip(&lines) {
            if !taxable {
                prop_assert_eq!(item.tax_amount, Some(Decimal::ZERO));
                prop_assert_eq!(item.tax_type.as_deref(), Some("NONE"));
            } else {
                // Within one cent of the exact proportional share.
                let exact = Decimal::from(tax) * Decimal::from(*minor) / Decimal::from(taxable_sum);
                let diff = (item.tax_amount.unwrap() * Decimal::from(100) - exact).abs();
                prop_assert!(diff < Decimal::ONE, "{} vs {}", item.tax_amount.unwrap(), exact);
            }
        }
    }

    #[test]
    fn amounts_survive_the_wire_exactly(mantissa in any::<i64>(), scale in 0u32..=10) {
        let value = decimal(mantissa, scale);
        let element = XeroInvoice {
            line_items: Some(vec![crate::wire::invoice::LineItem {
                unit_amount: Some(value),
                tax_amount: Some(value),
                ..Default::default()
            }]),
            ..Default::default()
        };
        let text = serde_json::to_string(&element).unwrap();
        let back: XeroInvoice = serde_json::from_str(&text).unwrap();
        let line = &back.line_items.unwrap()[0];
        prop_assert_eq!(line.unit_amount.unwrap().to_string(), value.to_string());
        prop_assert_eq!(line.tax_amount, Some(value));
    }
}

#[test]
fn the_documented_awkward_values_round_trip() {
    for text in ["0.1", "0.005", "1234567.89", "-0.01", "2.0000"] {
        let json = format!(r#"{{"LineItems":[{{"UnitAmount":{text}}}]}}"#);
        let back: XeroInvoice = serde_json::from_str(&json).unwrap();
        let written = serde_json::to_string(&back).unwrap();
        assert_eq!(
            written,
            format!(r#"{{"LineItems":[{{"UnitAmount":{text}}}]}}"#)
        );
    }
}

#[test]
fn refusals_name_what_to_fix() {
    let mut unmapped = mappings();
    unmapped.default_account = None;
    let mut st = invoice(&[(1000, false)], 0);
    st.lines[0].gl_account = Some("4000 Service".into());
    let ids = HashMap::new();
    let target = InvoiceTarget {
        contact_id: "c-1",
        invoice_id: None,
        line_ids: &ids,
    };
    let err = invoice_to_xero(&st, &target, &unmapped).unwrap_err();
    assert!(
        matches!(
            err,
            MapError::NeedsMapping {
                kind: "gl_account",
                ..
            }
        ),
        "{err}"
    );
    st.status = InvoiceStatus::Voided;
    assert!(matches!(map(&st), Err(MapError::Unsupported { .. })));
    let mut wrong = invoice(&[(1000, true)], 80);
    wrong.total = usd(1000);
    assert!(
        map(&wrong)
            .unwrap_err()
            .to_string()
            .contains("not its total")
    );
}

#[test]
fn an_update_names_the_invoice_and_its_known_lines() {
    let st = invoice(&[(1000, true), (500, false)], 87);
    let ids = HashMap::from([(SourceRef::servicetitan(1).unwrap(), "li-1".to_owned())]);
    let target = InvoiceTarget {
        contact_id: "c-1",
        invoice_id: Some("inv-9"),
        line_ids: &ids,
    };
    let xero = invoice_to_xero(&st, &target, &mappings()).unwrap();
    assert_eq!(xero.invoice_id.as_deref(), Some("inv-9"));
    let lines = xero.line_items.unwrap();
    assert_eq!(lines[0].line_item_id.as_deref(), Some("li-1"));
    assert_eq!(lines[1].line_item_id, None, "a new line is created");
    assert_eq!(lines[0].tax_amount, Some(Decimal::new(87, 2)));
    assert_eq!(xero.invoice_number.as_deref(), Some("1001"));
    assert_eq!(xero.line_amount_types.as_deref(), Some("Exclusive"));
}

#[test]
fn credit_notes_turn_the_signs_and_refunds_are_refused_as_payments() {
    let credit = invoice(&[(-2000, true)], -174);
    let note = credit_note_to_xero(
        &credit,
        &CreditNoteTarget {
            contact_id: "c-1",
            credit_note_id: None,
        },
        &mappings(),
    )
    .unwrap();
    let line = &note.line_items.unwrap()[0];
    assert_eq!(line.line_amount, Some(Decimal::new(2000, 2)));
    assert_eq!(line.tax_amount, Some(Decimal::new(174, 2)));
    assert_eq!(note.kind.as_deref(), Some("ACCRECCREDIT"));
    let refund = ledgerbridge_core::Payment {
        date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
        amount: usd(-500),
        payment_type: "Check".into(),
        reference: None,
        customer: SourceRef::servicetitan(7).unwrap(),
        allocations: Vec::new(),
        unapplied: usd(-500),
        memo: None,
        status: ledgerbridge_core::PaymentStatus::Posted,
    };
    assert!(matches!(
        payment_to_xero(&refund, &HashMap::new(), &mappings()),
        Err(MapError::Unsupported { .. })
    ));
}

#[test]
fn contacts_are_keyed_by_servicetitan_id_and_disambiguated_readably() {
    assert_eq!(contact_number(4521), "ST-4521");
    assert_eq!(
        disambiguated_name(" John Smith ", 4521),
        "John Smith (ST-4521)"
    );
    let long = "x".repeat(300);
    assert_eq!(disambiguated_name(&long, 1).chars().count(), 255);
}

/// Issue #6: a long text was cut to fit Xero (data lost unseen); it now blocks the record with
/// the field, the limit and the length, as QuickBooks does.
#[test]
fn a_text_longer_than_xero_takes_blocks_the_invoice_instead_of_being_cut() {
    let mut long = invoice(&[(10_000, true)], 0);
    long.lines[0].description = "d".repeat(4001);
    let e = map(&long).unwrap_err();
    assert!(matches!(e, MapError::TooLong(_)), "{e}");
    assert_eq!(
        e.to_string(),
        "lines[st:1].description is 4001 characters; Xero allows at most 4000 \
         (LineItem.Description)"
    );
    let mut number = invoice(&[(10_000, true)], 0);
    number.number = "9".repeat(256);
    assert!(
        map(&number)
            .unwrap_err()
            .to_string()
            .contains("InvoiceNumber")
    );
    // At the limit, and a long memo (no documented limit on Reference), go whole.
    let mut fits = invoice(&[(10_000, true)], 0);
    fits.lines[0].description = "d".repeat(4000);
    fits.memo = Some("m".repeat(1000));
    let body = map(&fits).unwrap();
    let lines = body.line_items.unwrap();
    assert_eq!(lines[0].description.as_ref().unwrap().chars().count(), 4000);
    assert_eq!(body.reference.unwrap().chars().count(), 1000);
}
