//! Proptest over generated invoices: what each adapter writes carries ServiceTitan's tax to
//! the cent (QuickBooks: `TxnTaxDetail.TotalTax`; Xero: line `TaxAmount`s summing to it).

use chrono::NaiveDate;
use ledgerbridge_core::{Currency, Invoice, InvoiceLine, InvoiceStatus, Money, SourceRef};
use ledgerbridge_protocol::Target;
use ledgerbridge_protocol::{InvoiceRefs, LineRefs, Write};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::World;

fn invoice(lines: &[(i64, u32, bool)], tax_cents: i64) -> Invoice {
    let usd = Currency::USD;
    let lines: Vec<InvoiceLine> = lines
        .iter()
        .enumerate()
        .map(|(i, (cents, qty, taxable))| {
            let unit = Decimal::new(*cents, 2);
            let amount = Money::rounded(unit * Decimal::from(*qty), usd).unwrap();
            InvoiceLine {
                key: SourceRef::ServiceTitan(i as i64 + 1),
                item: Some("SKU".into()),
                description: format!("line {i}"),
                quantity: Decimal::from(*qty),
                unit_price: unit,
                amount,
                gl_account: Some("4000".into()),
                taxable: *taxable,
                tax_code: None,
            }
        })
        .collect();
    let subtotal = Money::sum(usd, lines.iter().map(|l| &l.amount)).unwrap();
    let tax = Money::from_minor(tax_cents, usd);
    let total = subtotal.checked_add(&tax).unwrap();
    Invoice {
        number: "P1".into(),
        customer: SourceRef::ServiceTitan(1),
        invoice_date: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        due_date: None,
        status: InvoiceStatus::Posted,
        currency: usd,
        lines,
        tax_lines: vec![],
        subtotal,
        tax,
        total,
        balance: total,
        memo: None,
        business_unit: None,
    }
}

fn write(invoice: Invoice) -> Write {
    let refs = InvoiceRefs {
        lines: invoice
            .lines
            .iter()
            .map(|l| LineRefs {
                key: l.key.clone(),
                item: Some("1".into()),
                account: Some("200".into()),
            })
            .collect(),
        tax_code: Some("TAX001".into()),
        business_unit: None,
    };
    Write::CreateInvoice {
        servicetitan_id: 1,
        invoice,
        customer_id: "c1".into(),
        refs,
    }
}

fn decimal(v: &Value) -> Decimal {
    match v {
        Value::String(s) => s.parse().unwrap(),
        other => other.to_string().parse().unwrap(),
    }
}

#[test]
fn written_tax_always_equals_servicetitans_tax() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let world = runtime.block_on(World::start());
    let strategy = (
        proptest::collection::vec((1i64..200_000, 1u32..20, any::<bool>()), 1..12),
        0i64..50_000,
    );
    proptest!(ProptestConfig::with_cases(64), |((lines, tax) in strategy)| {
        prop_assume!(tax == 0 || lines.iter().any(|l| l.2));
        let w = write(invoice(&lines, tax));
        let expected = Decimal::new(tax, 2);

        let xero = world.xero.prepare(std::slice::from_ref(&w)).unwrap();
        prop_assert!(xero.refused.is_empty(), "{:?}", xero.refused);
        let body: Value = serde_json::from_slice(&xero.request.unwrap().body).unwrap();
        let sum: Decimal = body["Invoices"][0]["LineItems"].as_array().unwrap().iter()
            .map(|l| decimal(&l["TaxAmount"])).sum();
        prop_assert_eq!(sum, expected);

        let qbo = world.qbo.prepare(std::slice::from_ref(&w)).unwrap();
        prop_assert!(qbo.refused.is_empty(), "{:?}", qbo.refused);
        let body: Value = serde_json::from_slice(&qbo.request.unwrap().body).unwrap();
        let total_tax = decimal(&body["BatchItemRequest"][0]["Invoice"]["TxnTaxDetail"]["TotalTax"]);
        prop_assert_eq!(total_tax, expected);
    });
}
