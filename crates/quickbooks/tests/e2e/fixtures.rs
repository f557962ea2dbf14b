//! Canonical records and mappings for write tests.

use std::collections::HashMap;

use chrono::NaiveDate;
use ledgerbridge_core::{
    Address, Allocation, Currency, Customer, Invoice, InvoiceLine, InvoiceStatus, Money, Payment,
    PaymentStatus, SourceRef, TaxLine,
};
use ledgerbridge_quickbooks::{
    ItemOutcome, ItemResult, Mappings, PaymentTarget, QboStored, QuickBooks,
};
use rust_decimal::Decimal;

pub(crate) fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).unwrap()
}

pub(crate) fn customer(name: &str) -> Customer {
    Customer {
        display_name: name.to_owned(),
        company_name: None,
        email: Some("billing@example.com".to_owned()),
        phone: None,
        billing_address: Address {
            line1: Some("1 Main St".into()),
            city: Some("Austin".into()),
            region: Some("TX".into()),
            postal_code: Some("78701".into()),
            ..Address::default()
        },
        tax_exempt: false,
        currency: None,
        active: true,
    }
}

fn line(st_id: i64, qty: &str, price: &str, amount: &str, taxable: bool) -> InvoiceLine {
    InvoiceLine {
        key: SourceRef::ServiceTitan(st_id),
        item: Some("SVC".to_owned()),
        description: format!("Line {st_id}"),
        quantity: qty.parse().unwrap(),
        unit_price: price.parse().unwrap(),
        amount: usd(amount),
        gl_account: None,
        taxable,
        tax_code: None,
    }
}

/// Two lines (one taxable) and ServiceTitan's tax, which QuickBooks would compute a cent
/// differently (8.25% of 120.50 = 9.94125 -> 9.94; ServiceTitan says 9.95).
pub(crate) fn invoice(number: &str, customer_st: i64) -> Invoice {
    Invoice {
        number: number.to_owned(),
        customer: SourceRef::ServiceTitan(customer_st),
        invoice_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        due_date: NaiveDate::from_ymd_opt(2026, 12, 20),
        status: InvoiceStatus::Posted,
        currency: Currency::USD,
        lines: vec![
            line(101, "1.5", "80.333", "120.50", true),
            line(102, "1", "35", "35.00", false),
        ],
        tax_lines: vec![TaxLine {
            key: SourceRef::ServiceTitan(11),
            name: "TX Sales Tax".into(),
            rate: Decimal::new(825, 4),
            amount: usd("9.95"),
        }],
        subtotal: usd("155.50"),
        tax: usd("9.95"),
        total: usd("165.45"),
        balance: usd("165.45"),
        memo: Some("Replaced capacitor".into()),
        business_unit: None,
    }
}

pub(crate) fn payment(amount: &str, allocations: &[(i64, &str)]) -> Payment {
    let allocations: Vec<Allocation> = allocations
        .iter()
        .map(|(inv, a)| Allocation {
            invoice: SourceRef::ServiceTitan(*inv),
            amount: usd(a),
        })
        .collect();
    let applied = Money::sum(Currency::USD, allocations.iter().map(|a| &a.amount)).unwrap();
    Payment {
        date: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
        amount: usd(amount),
        payment_type: "Check".into(),
        reference: Some("CHK-1001".into()),
        customer: SourceRef::ServiceTitan(1),
        unapplied: usd(amount).checked_sub(&applied).unwrap(),
        allocations,
        memo: None,
        status: PaymentStatus::Posted,
    }
}

/// Mappings onto the emulator's demo company: a service item, Undeposited Funds, a method.
pub(crate) async fn mappings(qbo: &QuickBooks) -> Mappings {
    let data = qbo.reference_data().await.unwrap();
    let item = data
        .items
        .iter()
        .find(|i| i.active && i.kind.as_deref() == Some("Service"))
        .expect("a service item");
    let deposit = data
        .accounts
        .iter()
        .find(|a| a.name.contains("Undeposited"))
        .or_else(|| {
            data.accounts
                .iter()
                .find(|a| a.kind.as_deref() == Some("Bank"))
        })
        .expect("a deposit account");
    let bank = data
        .accounts
        .iter()
        .find(|a| a.kind.as_deref() == Some("Bank"))
        .expect("a bank account");
    let method = data.payment_methods.first().map(|m| m.id.clone());
    Mappings {
        items: HashMap::from([("SVC".to_owned(), item.id.clone())]),
        default_item: None,
        classes: HashMap::new(),
        tax_codes: HashMap::new(),
        default_tax_code: data
            .tax_codes
            .iter()
            .find(|t| t.active)
            .map(|t| t.id.clone()),
        payment_types: HashMap::from([
            (
                "Check".to_owned(),
                PaymentTarget {
                    deposit_account: deposit.id.clone(),
                    payment_method: method.clone(),
                },
            ),
            (
                "Refund".to_owned(),
                PaymentTarget {
                    deposit_account: bank.id.clone(),
                    payment_method: method,
                },
            ),
        ]),
        refund_item: Some(item.id.clone()),
        us_tax: true,
    }
}

/// The saved record of the result at `bid`, or a panic naming what happened instead.
pub(crate) fn saved<'a>(results: &'a [ItemResult], bid: &str) -> &'a QboStored {
    match &results
        .iter()
        .find(|r| r.bid == bid)
        .expect("bId answered")
        .outcome
    {
        ItemOutcome::Saved(s) => s,
        other => panic!("item {bid}: {other:?}"),
    }
}
