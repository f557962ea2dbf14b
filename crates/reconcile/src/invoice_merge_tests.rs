use chrono::NaiveDate;
use ledgerbridge_core::{Currency, Invoice, InvoiceLine, InvoiceStatus, Money, SourceRef, merge};
use rust_decimal::Decimal;

use super::*;

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn line(
    key: SourceRef,
    description: &str,
    quantity: &str,
    price: &str,
    amount: &str,
) -> InvoiceLine {
    InvoiceLine {
        key,
        item: Some("SKU".into()),
        description: description.into(),
        quantity: dec(quantity),
        unit_price: dec(price),
        amount: usd(amount),
        gl_account: Some("4000".into()),
        taxable: false,
        tax_code: None,
    }
}

fn base() -> Invoice {
    Invoice {
        number: "1001".into(),
        customer: SourceRef::ServiceTitan(1),
        invoice_date: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        due_date: NaiveDate::from_ymd_opt(2026, 12, 2),
        status: InvoiceStatus::Posted,
        currency: Currency::USD,
        lines: vec![
            line(
                SourceRef::ServiceTitan(11),
                "Labor",
                "2",
                "85.12345",
                "170.25",
            ),
            line(SourceRef::ServiceTitan(12), "Filter", "1", "20", "20.00"),
        ],
        tax_lines: Vec::new(),
        subtotal: usd("190.25"),
        tax: usd("0.00"),
        total: usd("190.25"),
        balance: usd("190.25"),
        memo: Some("Call first".into()),
        business_unit: Some("HVAC".into()),
    }
}

/// The books' copy as Xero stores what we wrote: 4-decimal prices, its own item codes and
/// accounts, line keys `acct:` until translated.
fn books_copy() -> Invoice {
    let mut books = base();
    books.customer = SourceRef::accounting("C-9").unwrap();
    for (l, id) in books.lines.iter_mut().zip(["L1", "L2"]) {
        l.key = SourceRef::accounting(id).unwrap();
        l.unit_price = round_half_away(l.unit_price, 4);
        l.item = Some("XERO-ITEM".into());
        l.gl_account = None;
    }
    books.business_unit = None;
    books
}

fn links() -> HashMap<String, i64> {
    HashMap::from([("L1".to_owned(), 11), ("L2".to_owned(), 12)])
}

#[test]
fn our_own_write_read_back_is_no_change() {
    let mut books = books_copy();
    through_links(&mut books, &links());
    assert_eq!(accounting_view(&base(), &books, true), base());
}

#[test]
fn an_accountants_description_and_due_date_edit_is_seen_and_patchable() {
    let mut books = books_copy();
    books.lines[0].description = "  Labor (2 techs) ".into();
    books.due_date = NaiveDate::from_ymd_opt(2026, 12, 31);
    through_links(&mut books, &links());
    let view = accounting_view(&base(), &books, true);
    let outcome = merge(&base(), &base(), &view).unwrap();
    assert!(outcome.is_clean());
    let edit = servicetitan_edit(&base(), &base(), &outcome.merged, &books);
    assert_eq!(edit.due_date, NaiveDate::from_ymd_opt(2026, 12, 31));
    assert_eq!(edit.memo, None);
    assert_eq!(
        edit.items,
        vec![ItemEdit {
            id: 11,
            description: "Labor (2 techs)".into(),
            quantity: dec("2"),
            unit_price: None,
        }]
    );
    assert!(edit.refused.is_empty());
}

#[test]
fn a_quantity_change_moves_the_amounts_and_recomputes_the_totals() {
    let mut books = books_copy();
    books.lines[1].quantity = dec("3");
    books.lines[1].amount = usd("60.00");
    books.subtotal = usd("230.25");
    books.total = usd("230.25");
    through_links(&mut books, &links());
    let view = accounting_view(&base(), &books, true);
    let mut merged = merge(&base(), &base(), &view).unwrap().merged;
    recompute(&mut merged, &base());
    assert_eq!(merged.lines[1].quantity, dec("3"));
    assert_eq!(merged.total, usd("230.25"));
    assert!(merged.check().is_empty(), "{:?}", merged.check());
}

#[test]
fn lines_added_or_removed_and_voids_are_refused_for_servicetitan() {
    let mut books = books_copy();
    books.lines.remove(1);
    books.lines.push(line(
        SourceRef::accounting("L9").unwrap(),
        "Trip",
        "1",
        "15",
        "15.00",
    ));
    books.status = InvoiceStatus::Voided;
    through_links(&mut books, &links());
    let view = accounting_view(&base(), &books, true);
    let merged = merge(&base(), &base(), &view).unwrap().merged;
    let edit = servicetitan_edit(&base(), &base(), &merged, &books);
    let paths: Vec<String> = edit.refused.iter().map(|f| f.path.to_string()).collect();
    assert_eq!(paths, ["invoice.status", "lines[st:12]", "lines[acct:L9]"]);
    assert_eq!(edit.refused[0].accounting, serde_json::json!("voided"));
    assert!(edit.refused[1].accounting.is_null(), "removed in the books");
}

#[test]
fn without_line_links_lines_are_left_alone() {
    let mut books = books_copy();
    books.lines[0].description = "Changed".into();
    assert_eq!(accounting_view(&base(), &books, false).lines, base().lines);
}

#[test]
fn derived_paths_are_recognised() {
    for (path, derived) in [
        ("invoice.total", true),
        ("invoice.tax", true),
        ("lines[st:1].amount", true),
        ("tax_lines[st:3]", true),
        ("lines[st:1].quantity", false),
        ("invoice.memo", false),
        ("lines[st:1]", false),
    ] {
        assert_eq!(
            is_derived(&FieldPath::parse(path).unwrap()),
            derived,
            "{path}"
        );
    }
}

#[test]
fn tax_lines_follow_a_new_tax_in_proportion_to_their_rates() {
    let mut merged = base();
    let tax_line = |id, rate: &str, amount: &str| ledgerbridge_core::TaxLine {
        key: SourceRef::ServiceTitan(id),
        name: format!("Tax {id}"),
        rate: dec(rate),
        amount: usd(amount),
    };
    merged.tax_lines = vec![tax_line(1, "0.06", "6.00"), tax_line(2, "0.02", "2.00")];
    merged.tax = usd("12.00");
    recompute(&mut merged, &base());
    let parts: Vec<String> = merged
        .tax_lines
        .iter()
        .map(|t| t.amount.to_string())
        .collect();
    assert_eq!(parts, ["9.00 USD", "3.00 USD"]);
    assert_eq!(merged.total, usd("202.25"));
    assert!(merged.check().is_empty(), "{:?}", merged.check());
}
