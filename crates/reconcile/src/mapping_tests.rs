use chrono::NaiveDate;
use ledgerbridge_core::{
    Currency, Invoice, InvoiceLine, InvoiceStatus, Money, Payment, PaymentStatus, SourceRef,
    TaxLine,
};
use rust_decimal::Decimal;

use super::*;

fn usd(s: &str) -> Money {
    Money::parse(s, Currency::USD).unwrap()
}

fn row(system: System, kind: MappingKind, source: &str, target: &str) -> Mapping {
    Mapping {
        tenant: "1".into(),
        target_system: system,
        kind,
        source: source.into(),
        target: target.into(),
        target_label: None,
    }
}

fn invoice(tax: &str, bu: Option<&str>) -> Invoice {
    let line = |id, sku: &str, gl: &str| InvoiceLine {
        key: SourceRef::ServiceTitan(id),
        item: Some(sku.into()),
        description: String::new(),
        quantity: Decimal::ONE,
        unit_price: Decimal::TEN,
        amount: usd("10.00"),
        gl_account: Some(gl.into()),
        taxable: true,
        tax_code: None,
    };
    Invoice {
        number: "1".into(),
        customer: SourceRef::ServiceTitan(1),
        invoice_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        due_date: None,
        status: InvoiceStatus::Posted,
        currency: Currency::USD,
        lines: vec![line(1, "Filter", "4100"), line(2, "Condenser", "4200")],
        tax_lines: vec![TaxLine {
            key: SourceRef::ServiceTitan(77),
            name: "IL State".into(),
            rate: Decimal::new(625, 4),
            amount: usd(tax),
        }],
        subtotal: usd("20.00"),
        tax: usd(tax),
        total: usd("20.00").checked_add(&usd(tax)).unwrap(),
        balance: usd("0.00"),
        memo: None,
        business_unit: bu.map(str::to_owned),
    }
}

fn zones() -> HashMap<String, String> {
    HashMap::from([("st:77".to_owned(), "Springfield City".to_owned())])
}

#[test]
fn quickbooks_lines_take_the_sku_then_the_gl_account_item() {
    let rows = [
        row(System::QuickBooks, MappingKind::Item, "Filter", "5"),
        row(System::QuickBooks, MappingKind::GlAccount, "4200", "6"),
        row(
            System::QuickBooks,
            MappingKind::TaxZone,
            "Springfield City",
            "2",
        ),
        row(System::Xero, MappingKind::GlAccount, "4100", "220"),
    ];
    let set = MappingSet::new(
        System::QuickBooks,
        &rows,
        MappingDefaults::default(),
        zones(),
    );
    let refs = set.invoice(&invoice("1.25", None)).unwrap();
    let items: Vec<_> = refs.lines.iter().map(|l| l.item.clone().unwrap()).collect();
    assert_eq!(items, ["5", "6"]);
    assert_eq!(refs.tax_code.as_deref(), Some("2"));
    assert_eq!(
        refs.business_unit, None,
        "classes unused until one is mapped"
    );
}

#[test]
fn unmapped_values_are_all_named_once() {
    let rows = [
        row(System::Xero, MappingKind::GlAccount, "4100", "220"),
        row(
            System::Xero,
            MappingKind::BusinessUnit,
            "HVAC - Service",
            "Residential",
        ),
    ];
    let set = MappingSet::new(System::Xero, &rows, MappingDefaults::default(), zones());
    let missing = set
        .invoice(&invoice("1.25", Some("HVAC - Install")))
        .unwrap_err();
    let kinds: Vec<_> = missing.iter().map(|u| (u.kind, u.value.as_str())).collect();
    assert_eq!(
        kinds,
        [
            (MappingKind::GlAccount, "4200"),
            (MappingKind::BusinessUnit, "HVAC - Install"),
            (MappingKind::TaxZone, "Springfield City"),
        ]
    );
    assert!(blocked_reason(&missing).contains("unmapped tax zone \"Springfield City\""));
    // Without tax, the zone is not needed.
    let zero = set.invoice(&invoice("0.00", Some("HVAC - Service")));
    assert_eq!(zero.unwrap_err().len(), 1);
}

#[test]
fn payment_types_split_into_deposit_account_and_method_for_quickbooks() {
    let rows = [row(
        System::QuickBooks,
        MappingKind::PaymentType,
        "Check",
        "4/2",
    )];
    let set = MappingSet::new(
        System::QuickBooks,
        &rows,
        MappingDefaults::default(),
        zones(),
    );
    let mut payment = Payment {
        date: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
        amount: usd("10.00"),
        payment_type: "Check".into(),
        reference: None,
        customer: SourceRef::ServiceTitan(1),
        allocations: vec![],
        unapplied: usd("10.00"),
        memo: None,
        status: PaymentStatus::Posted,
    };
    let refs = set.payment(&payment).unwrap();
    assert_eq!(
        (refs.deposit_account.as_str(), refs.method.as_deref()),
        ("4", Some("2"))
    );
    payment.amount = usd("-10.00");
    let missing = set.payment(&payment).unwrap_err();
    assert_eq!(missing[0].value, REFUND_ITEM);
}
