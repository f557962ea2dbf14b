//! Fixtures and proptest strategies shared by the integration tests.
//!
//! Strategies draw every field from a tiny pool, so independently generated versions of a
//! record often agree on a field (unchanged or "same change on both sides") and often disagree
//! (a conflict): every branch of the merge rule is exercised.

#![allow(dead_code, unreachable_pub)]

use chrono::NaiveDate;
use ledgerbridge_core::{
    Address, Currency, Customer, Invoice, InvoiceLine, InvoiceStatus, Money, SourceRef, TaxLine,
};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};
use rust_decimal::Decimal;

pub fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

pub fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

pub fn st(id: i64) -> SourceRef {
    SourceRef::ServiceTitan(id)
}

pub fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

pub fn line(
    id: i64,
    description: &str,
    quantity: &str,
    unit_price: &str,
    amount: &str,
) -> InvoiceLine {
    InvoiceLine {
        key: st(id),
        item: Some("SKU-1".into()),
        description: description.into(),
        quantity: dec(quantity),
        unit_price: dec(unit_price),
        amount: usd(amount),
        gl_account: Some("4000".into()),
        taxable: true,
        tax_code: None,
    }
}

/// A consistent two-line invoice: 2 x 45.00 + 1.5 x 12.3456 (= 18.52) = 108.52, tax 10.31.
pub fn invoice() -> Invoice {
    Invoice {
        number: "1001".into(),
        customer: st(1673),
        invoice_date: date("2025-01-10"),
        due_date: Some(date("2025-02-09")),
        status: InvoiceStatus::Posted,
        currency: Currency::USD,
        lines: vec![
            line(4521, "Drain cleaning", "2", "45.00", "90.00"),
            line(4522, "Trap", "1.5", "12.3456", "18.52"),
        ],
        tax_lines: vec![TaxLine {
            key: st(11),
            name: "CA Sales Tax".into(),
            rate: dec("0.095"),
            amount: usd("10.31"),
        }],
        subtotal: usd("108.52"),
        tax: usd("10.31"),
        total: usd("118.83"),
        balance: usd("118.83"),
        memo: Some("Gate code on file".into()),
        business_unit: Some("Plumbing - Service".into()),
    }
}

pub fn customer() -> Customer {
    Customer {
        display_name: "John Smith (1673)".into(),
        company_name: None,
        email: Some("john@example.com".into()),
        phone: None,
        billing_address: Address {
            line1: Some("801 North Brand Boulevard".into()),
            line2: None,
            city: Some("Glendale".into()),
            region: Some("CA".into()),
            postal_code: Some("91203".into()),
            country: Some("USA".into()),
        },
        tax_exempt: false,
        currency: None,
        active: true,
    }
}

fn opt(values: &[&'static str]) -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        select(values.to_vec()).prop_map(|s| Some(s.to_owned()))
    ]
}

fn money(values: &[&'static str]) -> impl Strategy<Value = Money> {
    select(values.to_vec()).prop_map(usd)
}

fn arb_line(key: SourceRef) -> impl Strategy<Value = InvoiceLine> {
    (
        opt(&["SKU-1", "SKU-2"]),
        select(vec!["Labor", "Part"]),
        select(vec!["1", "1.5"]),
        select(vec!["10", "12.3456"]),
        money(&["10.00", "18.52"]),
        opt(&["4000"]),
        any::<bool>(),
        opt(&["TX"]),
    )
        .prop_map(
            move |(
                item,
                description,
                quantity,
                unit_price,
                amount,
                gl_account,
                taxable,
                tax_code,
            )| {
                InvoiceLine {
                    key: key.clone(),
                    item,
                    description: description.into(),
                    quantity: dec(quantity),
                    unit_price: dec(unit_price),
                    amount,
                    gl_account,
                    taxable,
                    tax_code,
                }
            },
        )
}

fn arb_lines() -> impl Strategy<Value = Vec<InvoiceLine>> {
    let keys = vec![st(1), st(2), st(3), SourceRef::Accounting("7".into())];
    subsequence(keys, 0..=4)
        .prop_shuffle()
        .prop_flat_map(|keys| keys.into_iter().map(arb_line).collect::<Vec<_>>())
}

fn arb_tax_lines() -> impl Strategy<Value = Vec<TaxLine>> {
    subsequence(vec![11i64, 12], 0..=2).prop_flat_map(|ids| {
        ids.into_iter()
            .map(|id| {
                (select(vec!["0.05", "0.095"]), money(&["1.00", "2.50"])).prop_map(
                    move |(rate, amount)| TaxLine {
                        key: st(id),
                        name: format!("Tax {id}"),
                        rate: dec(rate),
                        amount,
                    },
                )
            })
            .collect::<Vec<_>>()
    })
}

pub fn arb_invoice() -> impl Strategy<Value = Invoice> {
    let head = (
        select(vec!["1001", "1002"]),
        select(vec![10i64, 11]),
        select(vec!["2025-01-10", "2025-01-11"]),
        prop_oneof![Just(None), Just(Some(date("2025-02-10")))],
        select(vec![
            InvoiceStatus::Draft,
            InvoiceStatus::Posted,
            InvoiceStatus::Voided,
        ]),
    );
    let amounts = (
        money(&["10.00", "28.52"]),
        money(&["0.00", "1.00"]),
        money(&["10.00", "29.52"]),
        money(&["0.00", "10.00"]),
    );
    let rest = (
        arb_lines(),
        arb_tax_lines(),
        opt(&["Gate code 4521", "Net 30"]),
        opt(&["Plumbing"]),
    );
    (head, amounts, rest).prop_map(
        |(
            (number, customer, invoice_date, due_date, status),
            (subtotal, tax, total, balance),
            (lines, tax_lines, memo, business_unit),
        )| Invoice {
            number: number.into(),
            customer: st(customer),
            invoice_date: date(invoice_date),
            due_date,
            status,
            currency: Currency::USD,
            lines,
            tax_lines,
            subtotal,
            tax,
            total,
            balance,
            memo,
            business_unit,
        },
    )
}

pub fn arb_customer() -> impl Strategy<Value = Customer> {
    let address = (
        opt(&["1 Main St", "2 Oak Ave"]),
        opt(&["Unit 5"]),
        opt(&["Glendale", "Burbank"]),
        opt(&["CA"]),
    )
        .prop_map(|(line1, line2, city, region)| Address {
            line1,
            line2,
            city,
            region,
            postal_code: None,
            country: Some("USA".into()),
        });
    (
        select(vec!["John Smith", "John Smith (2)"]),
        opt(&["Smith Plumbing"]),
        opt(&["a@example.com", "b@example.com"]),
        opt(&["555-0100"]),
        address,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(display_name, company_name, email, phone, billing_address, tax_exempt, active)| {
                Customer {
                    display_name: display_name.into(),
                    company_name,
                    email,
                    phone,
                    billing_address,
                    tax_exempt,
                    currency: None,
                    active,
                }
            },
        )
}
