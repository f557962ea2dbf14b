//! Mapping tests: totals as stated, tax splits, allocations, contacts.

use super::*;
use proptest::prelude::*;
use rust_decimal::dec;
use serde_json::json;

fn invoice_wire(extra: serde_json::Value) -> InvoiceWire {
    let mut base = json!({
        "id": 1679, "syncStatus": "Posted", "referenceNumber": "1676",
        "invoiceDate": "2025-01-10T00:00:00Z", "subTotal": "100.00", "salesTax": "9.50",
        "total": "109.50", "balance": "109.50", "customer": {"id": 1673, "name": "Customer"},
        "businessUnit": {"id": 319, "name": "Plumbing - Service"}, "createdOn": "2025-01-10T00:00:00Z",
        "modifiedOn": "2025-01-10T18:00:00Z", "active": true,
        "salesTaxCode": {"id": 7, "name": "LA County", "taxRate": 0.095},
        "items": [
            {"id": 2, "order": 2, "skuName": "DISC", "description": "Discount", "quantity": "1", "price": "-20.00", "total": "-20.00", "taxable": false},
            {"id": 1, "order": 1, "skuName": "SVC", "description": "<p>Repair</p>", "quantity": "1.5", "price": "80.00", "total": "120.00", "taxable": true,
             "generalLedgerAccount": {"name": "Service Income", "number": "4000"}}
        ]
    });
    base.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    serde_json::from_value(base).unwrap()
}

fn zone(id: i64, rates: &[(i64, Decimal)]) -> TaxZone {
    let rates: Vec<_> = rates
        .iter()
        .map(|(id, r)| json!({"id": id, "taxName": format!("T{id}"), "taxRate": r.to_string()}))
        .collect();
    serde_json::from_value(json!({"id": id, "name": "Z", "rates": rates})).unwrap()
}

#[test]
fn an_invoice_maps_with_ordered_lines_item_ids_and_servicetitan_totals() {
    let mapped = invoice(invoice_wire(json!({})), Currency::USD, None).unwrap();
    let inv = &mapped.record;
    assert_eq!(
        (mapped.id, inv.number.as_str(), inv.status),
        (1679, "1676", InvoiceStatus::Posted)
    );
    assert_eq!(
        inv.lines
            .iter()
            .map(|l| l.servicetitan_item_id())
            .collect::<Vec<_>>(),
        vec![Some(1), Some(2)]
    );
    assert_eq!(inv.lines[0].description, "Repair");
    assert_eq!(inv.lines[0].quantity, dec!(1.5));
    assert_eq!(inv.lines[0].gl_account.as_deref(), Some("4000"));
    assert_eq!(inv.lines[1].amount.to_minor(), -2000);
    assert_eq!((inv.tax.to_minor(), inv.total.to_minor()), (950, 10950));
    assert_eq!(inv.tax_lines.len(), 1);
    assert_eq!(inv.tax_lines[0].rate, dec!(0.095));
    assert_eq!(inv.business_unit.as_deref(), Some("Plumbing - Service"));
}

#[test]
fn a_line_description_with_a_bare_less_than_keeps_its_text() {
    let mut wire = invoice_wire(json!({}));
    let typed = "<p>Replace pipe < 2 in, then <b>pressure</b> test</p>";
    wire.items.as_mut().unwrap()[1].description = Some(typed.to_owned());
    let mapped = invoice(wire, Currency::USD, None).unwrap();
    assert_eq!(
        mapped.record.lines[0].description,
        "Replace pipe < 2 in, then pressure test"
    );
}

#[test]
fn status_follows_active_and_sync_status() {
    let status = |extra| {
        invoice(invoice_wire(extra), Currency::USD, None)
            .unwrap()
            .record
            .status
    };
    assert_eq!(
        status(json!({"syncStatus": "Pending"})),
        InvoiceStatus::Draft
    );
    assert_eq!(
        status(json!({"syncStatus": "Exported"})),
        InvoiceStatus::Posted
    );
    assert_eq!(status(json!({"active": false})), InvoiceStatus::Voided);
}

fn index(zones: Vec<TaxZone>) -> ZoneIndex {
    ZoneIndex {
        zones: zones.into_iter().map(|z| (z.id, z)).collect(),
        unreadable: HashMap::new(),
    }
}

#[test]
fn a_multi_rate_zone_splits_the_tax_to_the_cent() {
    let z = zone(9, &[(1, dec!(0.0725)), (2, dec!(0.0125)), (3, dec!(0.01))]);
    let inv = invoice(invoice_wire(json!({})), Currency::USD, Some(&z))
        .unwrap()
        .record;
    let parts: Vec<i64> = inv.tax_lines.iter().map(|t| t.amount.to_minor()).collect();
    assert_eq!(parts.iter().sum::<i64>(), 950);
    assert_eq!(parts, vec![725, 125, 100]);
    assert_eq!(inv.tax_lines[1].key.to_string(), "st:2");
}

#[test]
fn the_zone_comes_from_the_invoice_then_a_matching_sales_tax_code_then_its_location() {
    let named = |id, name: &str| {
        let mut z = zone(id, &[(id * 10, dec!(0.05)), (id * 10 + 1, dec!(0.045))]);
        z.name = Some(name.to_owned());
        z
    };
    let idx = index(vec![
        named(7, "LA County"),
        named(8, "Pasadena"),
        named(9, "Glendale"),
    ]);
    let id_of = |extra, location: Option<&LocationZone>| {
        tax_zone(&invoice_wire(extra), location, &idx)
            .unwrap()
            .map(|z| z.id)
    };
    // The invoice's own zone wins over everything.
    assert_eq!(id_of(json!({"taxZoneId": 9}), Some(&Ok(Some(8)))), Some(9));
    // The 2025 wire (no taxZoneId): a sales tax code naming a zone by id and name, as the
    // invoice was taxed, before the location's zone today.
    assert_eq!(id_of(json!({}), Some(&Ok(Some(8)))), Some(7));
    // A code that names no zone (another id space, another name): the location decides.
    let retired = json!({"salesTaxCode": {"id": 7, "name": "State only", "taxRate": 0.0725}});
    assert_eq!(id_of(retired.clone(), Some(&Ok(Some(8)))), Some(8));
    assert_eq!(id_of(retired, None), None);
    assert_eq!(
        id_of(json!({"salesTaxCode": null}), Some(&Ok(Some(9)))),
        Some(9)
    );
    // An unknown zone id falls through to the next source.
    assert_eq!(id_of(json!({"taxZoneId": 99}), None), Some(7));
    assert_eq!(
        id_of(json!({"salesTaxCode": null}), Some(&Ok(Some(99)))),
        None
    );
}

#[test]
fn an_unreadable_zone_or_location_quarantines_rather_than_guess() {
    let mut idx = index(vec![zone(7, &[(1, dec!(0.095))])]);
    idx.unreadable.insert(5, "taxRate: invalid".into());
    let wire = invoice_wire(json!({"taxZoneId": 5}));
    let err = tax_zone(&wire, None, &idx).unwrap_err();
    assert!(
        err.contains("tax zone 5") && err.contains("invalid"),
        "{err}"
    );
    let broken: LocationZone = Err("location 3 could not be read: bad".into());
    let uncoded = invoice_wire(json!({"salesTaxCode": null}));
    let err = tax_zone(&uncoded, Some(&broken), &idx).unwrap_err();
    assert!(err.contains("location 3"), "{err}");
}

#[test]
fn an_amount_finer_than_a_cent_quarantines_the_invoice() {
    let err = invoice(
        invoice_wire(json!({"total": "109.505"})),
        Currency::USD,
        None,
    )
    .unwrap_err();
    assert!(err.contains("total"), "{err}");
    let err = invoice(invoice_wire(json!({"customer": null})), Currency::USD, None).unwrap_err();
    assert!(err.contains("customer"), "{err}");
}

#[test]
fn a_payment_groups_applications_per_invoice_and_keeps_the_unapplied_rest() {
    let wire: PaymentWire = serde_json::from_value(json!({
        "id": 5, "date": "2025-01-10T00:00:00Z", "type": "Check", "typeId": "3", "total": "150.00",
        "customer": {"id": 1673}, "checkNumber": "5521", "modifiedOn": "2025-01-10T18:00:00Z",
        "appliedTo": [{"appliedTo": 1, "appliedAmount": "50.00"}, {"appliedTo": 2, "appliedAmount": "60.00"},
                      {"appliedTo": 1, "appliedAmount": "10.00"}]
    }))
    .unwrap();
    let p = payment(wire.clone(), Currency::USD, true).unwrap().record;
    assert_eq!(
        p.allocations
            .iter()
            .map(|a| (a.invoice.servicetitan_id(), a.amount.to_minor()))
            .collect::<Vec<_>>(),
        vec![(Some(1), 6000), (Some(2), 6000)]
    );
    assert_eq!(p.unapplied.to_minor(), 3000);
    assert_eq!(
        (p.payment_type.as_str(), p.reference.as_deref()),
        ("Check", Some("5521"))
    );
    assert_eq!(p.status, PaymentStatus::Posted);
}

#[test]
fn a_payment_is_voided_by_its_active_field_else_by_the_list_pass_it_came_from() {
    let wire = |extra: serde_json::Value| -> PaymentWire {
        let mut base = json!({"id": 5, "date": "2025-01-10T00:00:00Z", "type": "Check",
            "total": "10.00", "customer": {"id": 1}, "modifiedOn": "2025-01-10T18:00:00Z"});
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(base).unwrap()
    };
    let status = |w, listed_active| {
        payment(w, Currency::USD, listed_active)
            .unwrap()
            .record
            .status
    };
    assert_eq!(status(wire(json!({})), true), PaymentStatus::Posted);
    assert_eq!(status(wire(json!({})), false), PaymentStatus::Voided);
    assert_eq!(
        status(wire(json!({"active": false})), true),
        PaymentStatus::Voided
    );
    assert_eq!(
        status(wire(json!({"active": true})), false),
        PaymentStatus::Posted
    );
}

#[test]
fn a_customer_takes_its_first_active_email_and_phone() {
    let wire: CustomerWire = serde_json::from_value(json!({
        "id": 9, "name": " Acme HVAC ", "type": "Commercial", "modifiedOn": "2025-01-10T18:00:00Z",
        "address": {"street": "1 Main", "unit": "", "city": "Glendale", "state": "CA", "zip": "91203", "country": "USA"}
    }))
    .unwrap();
    let contacts: Vec<ContactWire> = serde_json::from_value(json!([
        {"id": 3, "type": "Email", "value": "old@example.com", "active": false},
        {"id": 4, "type": "MobilePhone", "value": "555-0101"},
        {"id": 5, "type": "Email", "value": "ap@example.com"}
    ]))
    .unwrap();
    let c = customer(wire, &contacts).unwrap().record;
    assert_eq!(c.display_name, "Acme HVAC");
    assert_eq!(c.company_name.as_deref(), Some("Acme HVAC"));
    assert_eq!(
        (c.email.as_deref(), c.phone.as_deref()),
        (Some("ap@example.com"), Some("555-0101"))
    );
    assert_eq!(c.billing_address.line2, None);
    assert_eq!(c.billing_address.region.as_deref(), Some("CA"));
}

/// Issue #6: `syncStatus: "Weird"` became a draft and an update was sent.
#[test]
fn an_unknown_or_missing_sync_status_is_quarantined_never_a_draft() {
    for extra in [json!({"syncStatus": "Weird"}), json!({"syncStatus": null})] {
        let err = invoice(invoice_wire(extra.clone()), Currency::USD, None).unwrap_err();
        assert!(err.contains("syncStatus"), "{extra}: {err}");
        assert!(err.contains("Pending, Posted, Exported"), "{err}");
    }
    let err = invoice(
        invoice_wire(json!({"syncStatus": "Weird"})),
        Currency::USD,
        None,
    )
    .unwrap_err();
    assert!(err.contains("\"Weird\""), "{err}");
    // Any case, as ServiceTitan's words are compared elsewhere.
    assert!(
        invoice(
            invoice_wire(json!({"syncStatus": "posted"})),
            Currency::USD,
            None
        )
        .is_ok()
    );
}

/// Issue #6: a total of "-500.00" over positive lines was sent as an update.
#[test]
fn a_total_that_does_not_add_up_is_quarantined_whatever_its_sign() {
    for total in ["-500.00", "500.00", "109.49"] {
        let err = invoice(invoice_wire(json!({"total": total})), Currency::USD, None).unwrap_err();
        assert!(err.contains("do not add up"), "{total}: {err}");
        assert!(err.contains("total is"), "{err}");
    }
    let err = invoice(
        invoice_wire(json!({"subTotal": "90.00", "total": "99.50"})),
        Currency::USD,
        None,
    )
    .unwrap_err();
    assert!(err.contains("lines sum to"), "{err}");
    // A credit adds up from its own lines: negative, and mapped as stated.
    let credit = json!({
        "subTotal": "-20.00", "salesTax": "0.00", "total": "-20.00", "balance": "-20.00",
        "items": [{"id": 2, "skuName": "DISC", "description": "Warranty credit", "quantity": "1",
                   "price": "-20.00", "total": "-20.00", "taxable": false}]
    });
    let mapped = invoice(invoice_wire(credit), Currency::USD, None)
        .unwrap()
        .record;
    assert_eq!(mapped.total.to_minor(), -2000);
}

#[test]
fn unknown_enum_words_on_payments_and_customers_are_quarantined() {
    let wire: PaymentWire = serde_json::from_value(json!({
        "id": 5, "date": "2025-01-10T00:00:00Z", "type": "Check", "total": "10.00",
        "customer": {"id": 1}, "modifiedOn": "2025-01-10T18:00:00Z", "syncStatus": "Teleported"
    }))
    .unwrap();
    let err = payment(wire, Currency::USD, true).unwrap_err();
    assert!(err.contains("syncStatus \"Teleported\""), "{err}");
    // A stated unapplied amount that, with the applications, is not the total.
    let split: PaymentWire = serde_json::from_value(json!({
        "id": 6, "date": "2025-01-10T00:00:00Z", "type": "Check", "total": "-500.00",
        "unappliedAmount": "0.00", "customer": {"id": 1}, "modifiedOn": "2025-01-10T18:00:00Z",
        "appliedTo": [{"appliedTo": 1, "appliedAmount": "50.00"}]
    }))
    .unwrap();
    let err = payment(split, Currency::USD, true).unwrap_err();
    assert!(err.contains("do not add up"), "{err}");
    let customer_of = |kind: serde_json::Value| -> CustomerWire {
        serde_json::from_value(json!({
            "id": 9, "name": "Acme", "type": kind, "modifiedOn": "2025-01-10T18:00:00Z"
        }))
        .unwrap()
    };
    let err = customer(customer_of(json!("Galactic")), &[]).unwrap_err();
    assert!(err.contains("type \"Galactic\""), "{err}");
    // The spec's `{}` rendering and a missing type stay residential, as documented.
    assert!(customer(customer_of(json!({})), &[]).is_ok());
    assert!(customer(customer_of(json!("residential")), &[]).is_ok());
}

proptest! {
    #[test]
    fn zone_tax_lines_always_sum_to_the_invoice_tax(
        tax_minor in -1_000_000i64..1_000_000,
        rates in proptest::collection::vec(1u32..20_000, 1..5),
    ) {
        let rates: Vec<(i64, Decimal)> = rates.iter().enumerate().map(|(i, r)| (i as i64 + 1, Decimal::new(i64::from(*r), 6))).collect();
        let zones = index(vec![zone(9, &rates)]);
        let tax = Money::from_minor(tax_minor, Currency::USD);
        // The total follows the tax, so the invoice still adds up.
        let total = (dec!(100.00) + tax.amount()).to_string();
        let extra = json!({"taxZoneId": 9, "salesTax": tax.amount().to_string(), "total": total});
        let wire = invoice_wire(extra);
        let zone = tax_zone(&wire, None, &zones).unwrap();
        let inv = invoice(wire, Currency::USD, zone).unwrap().record;
        prop_assert_eq!(inv.tax_lines.len(), rates.len());
        prop_assert_eq!(Money::sum(Currency::USD, inv.tax_lines.iter().map(|t| &t.amount)).unwrap(), tax);
    }
}
