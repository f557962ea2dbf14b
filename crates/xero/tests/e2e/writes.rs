//! Batched writes: per-element results, tax to the cent, updates with line ids, voids and
//! deletes, payments, credit notes with allocations, contacts.

use std::collections::HashMap;

use ledgerbridge_core::{Allocation, Customer, Payment, PaymentStatus, SourceRef};
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_xero::map::{
    InvoiceTarget, contact_to_xero, disambiguated_name, invoice_from_xero, invoice_to_xero,
    payment_to_xero,
};
use ledgerbridge_xero::wire::invoice::{Allocation as XeroAllocation, InvoiceRef};
use ledgerbridge_xero::write::{StatusChange, status_change};
use ledgerbridge_xero::{ElementResult, WriteBatch, XeroRejectionKind, XeroSaved};
use rust_decimal::Decimal;

use crate::helpers::{World, invoice, mappings, simple_invoice, to_xero, usd};

fn saved(result: &ElementResult) -> &XeroSaved {
    match result {
        ElementResult::Saved(s) => s,
        other => panic!("not saved: {other:?}"),
    }
}

#[tokio::test]
async fn two_invalid_elements_among_fifty_are_refused_and_the_rest_saved_in_place() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let contact = world.contact_id(&xero, "Maria Garcia").await;
    let drafts: Vec<_> = (0..50)
        .map(|i| simple_invoice(&format!("B50-{i:02}"), "100.00"))
        .collect();
    let mut elements = to_xero(&drafts, &contact);
    // Element 7 names a contact that does not exist; element 31 repeats element 30's number.
    elements[7].contact.as_mut().unwrap().contact_id =
        Some("00000000-0000-4000-8000-000000000000".into());
    elements[31].invoice_number = elements[30].invoice_number.clone();
    let batch = WriteBatch::create_invoices(&elements).expect("batch");
    assert_eq!(batch.len(), 50);
    assert!(batch.path().contains("summarizeErrors=false"));

    let result = xero
        .send_batch(&batch, "batch-50-key")
        .await
        .expect("answered");
    assert_eq!(result.elements.len(), 50);
    for (i, element) in result.elements.iter().enumerate() {
        match (i, element) {
            (7, ElementResult::Rejected(r)) => assert_eq!(r.kind, XeroRejectionKind::Invalid),
            (31, ElementResult::Rejected(r)) => assert_eq!(r.kind, XeroRejectionKind::Duplicate),
            (7 | 31, other) => panic!("element {i} should be refused: {other:?}"),
            (_, ElementResult::Saved(s)) => {
                assert_eq!(s.number.as_deref(), elements[i].invoice_number.as_deref());
                assert_eq!(s.line_ids.len(), 1, "line id recorded");
            }
            (_, other) => panic!("element {i} should be saved: {other:?}"),
        }
    }
    let numbers: Vec<String> = elements
        .iter()
        .filter_map(|e| e.invoice_number.clone())
        .collect();
    let found = xero.invoices_by_number(&numbers).await.expect("look-up");
    assert_eq!(found.len(), 48, "the 48 saved, B50-30 once");
    assert!(!found.contains_key("B50-07"));
}

#[tokio::test]
async fn servicetitan_tax_lands_to_the_cent_and_reads_back_equal() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let contact = world.contact_id(&xero, "Maria Garcia").await;
    // 8.7% of the taxable 333.33 would be 29.00 line by line; ServiceTitan says 29.01.
    let st = invoice(
        "TAX-1",
        &[
            (11, "1", "111.11", "111.11", true),
            (12, "1", "111.11", "111.11", true),
            (13, "1", "111.11", "111.11", true),
            (14, "1.5", "80.00", "120.00", false),
        ],
        "29.01",
    );
    let batch = WriteBatch::create_invoices(&to_xero(std::slice::from_ref(&st), &contact)).unwrap();
    let result = xero.send_batch(&batch, "tax-key-1").await.expect("written");
    let written = saved(&result.elements[0]);
    assert_eq!(written.total_tax, Some(st.tax.amount()));
    assert_eq!(written.total, Some(st.total.amount()));

    let found = xero.invoices_by_number(&["TAX-1".into()]).await.unwrap();
    let remote = &found["TAX-1"];
    let keys: HashMap<String, SourceRef> = written
        .line_ids
        .iter()
        .cloned()
        .zip(st.lines.iter().map(|l| l.key.clone()))
        .collect();
    let back = invoice_from_xero(remote, st.customer.clone(), &keys, &mappings()).unwrap();
    assert_eq!(back.total, st.total);
    assert_eq!(back.tax, st.tax);
    assert_eq!(back.subtotal, st.subtotal);
    assert_eq!(back.memo, st.memo);
    assert_eq!(back.business_unit, st.business_unit);
    let line_keys: Vec<_> = back.lines.iter().map(|l| l.key.clone()).collect();
    assert_eq!(
        line_keys,
        st.lines.iter().map(|l| l.key.clone()).collect::<Vec<_>>()
    );
    assert_eq!(back.lines[3].quantity, Decimal::new(15, 1));
}

#[tokio::test]
async fn an_update_keeps_line_ids_and_voids_and_deletes_follow_the_status() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let contact = world.contact_id(&xero, "Maria Garcia").await;
    let mut st = invoice(
        "UPD-1",
        &[
            (21, "1", "50.00", "50.00", false),
            (22, "2", "10.00", "20.00", false),
        ],
        "0.00",
    );
    let mut draft = simple_invoice("DRAFT-1", "10.00");
    draft.status = ledgerbridge_core::InvoiceStatus::Draft;
    let batch = WriteBatch::create_invoices(&to_xero(&[st.clone(), draft], &contact)).unwrap();
    let result = xero.send_batch(&batch, "upd-create").await.unwrap();
    let created = saved(&result.elements[0]).clone();
    let draft_id = saved(&result.elements[1]).id.clone();

    // The technician edits a description in ServiceTitan: the update names the invoice and
    // both line ids, so Xero keeps its lines.
    st.lines[0].description = "Line 21, revised".into();
    let line_ids: HashMap<SourceRef, String> = st
        .lines
        .iter()
        .map(|l| l.key.clone())
        .zip(created.line_ids.iter().cloned())
        .collect();
    let target = InvoiceTarget {
        contact_id: &contact,
        invoice_id: Some(&created.id),
        line_ids: &line_ids,
    };
    let update = invoice_to_xero(&st, &target, &mappings()).unwrap();
    let batch = WriteBatch::update_invoices(&[update]).unwrap();
    let result = xero.send_batch(&batch, "upd-update").await.unwrap();
    assert_eq!(saved(&result.elements[0]).line_ids, created.line_ids);

    // Voided in ServiceTitan: the AUTHORISED one is VOIDED, the DRAFT one DELETED.
    let current = xero
        .invoices_by_id(&[created.id.clone(), draft_id.clone()])
        .await
        .unwrap();
    let changes: Vec<_> = [&created.id, &draft_id]
        .iter()
        .map(
            |id| match status_change(&current[&id.to_ascii_lowercase()]) {
                StatusChange::Send(element) => *element,
                other => panic!("{other:?}"),
            },
        )
        .collect();
    let result = xero
        .send_batch(&WriteBatch::update_invoices(&changes).unwrap(), "upd-void")
        .await
        .unwrap();
    assert_eq!(saved(&result.elements[0]).status.as_deref(), Some("VOIDED"));
    assert_eq!(
        saved(&result.elements[1]).status.as_deref(),
        Some("DELETED")
    );
    let after = xero
        .invoices_by_id(std::slice::from_ref(&created.id))
        .await
        .unwrap();
    assert_eq!(
        status_change(&after[&created.id.to_ascii_lowercase()]),
        StatusChange::AlreadyDone
    );
}

#[tokio::test]
async fn payments_pay_invoices_and_a_credit_note_is_allocated() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let contact = world.contact_id(&xero, "Maria Garcia").await;
    let batch = WriteBatch::create_invoices(&to_xero(
        &[
            simple_invoice("PAY-1", "100.00"),
            simple_invoice("PAY-2", "60.00"),
        ],
        &contact,
    ))
    .unwrap();
    let result = xero.send_batch(&batch, "pay-invoices").await.unwrap();
    let (first, second) = (
        saved(&result.elements[0]).id.clone(),
        saved(&result.elements[1]).id.clone(),
    );

    let st = |n| SourceRef::servicetitan(n).unwrap();
    let payment = Payment {
        date: chrono::NaiveDate::from_ymd_opt(2026, 10, 15).unwrap(),
        amount: usd("130.00"),
        payment_type: "Check".into(),
        reference: Some("CHK 1001".into()),
        customer: st(7),
        allocations: vec![
            Allocation {
                invoice: st(1),
                amount: usd("100.00"),
            },
            Allocation {
                invoice: st(2),
                amount: usd("30.00"),
            },
        ],
        unapplied: usd("0.00"),
        memo: None,
        status: PaymentStatus::Posted,
    };
    let ids = HashMap::from([(st(1), first.clone()), (st(2), second.clone())]);
    let mapped = payment_to_xero(&payment, &ids, &mappings()).unwrap();
    assert_eq!(mapped.payments.len(), 2);
    let result = xero
        .send_batch(
            &WriteBatch::create_payments(&mapped.payments).unwrap(),
            "pay-payments",
        )
        .await
        .unwrap();
    assert!(
        result
            .elements
            .iter()
            .all(|e| matches!(e, ElementResult::Saved(_)))
    );

    // A 20.00 credit, allocated to what is left of the second invoice.
    let credit = invoice("CN-1", &[(31, "1", "-20.00", "-20.00", false)], "0.00");
    let target = ledgerbridge_xero::map::CreditNoteTarget {
        contact_id: &contact,
        credit_note_id: None,
    };
    let note = ledgerbridge_xero::map::credit_note_to_xero(&credit, &target, &mappings()).unwrap();
    let result = xero
        .send_batch(
            &WriteBatch::create_credit_notes(&[note]).unwrap(),
            "cn-create",
        )
        .await
        .unwrap();
    let note_id = saved(&result.elements[0]).id.clone();
    assert_eq!(
        saved(&result.elements[0]).total,
        Some(Decimal::new(2000, 2))
    );
    let allocation = XeroAllocation {
        invoice: Some(InvoiceRef {
            invoice_id: Some(second.clone()),
            ..InvoiceRef::default()
        }),
        amount: Some(Decimal::new(2000, 2)),
        date: chrono::NaiveDate::from_ymd_opt(2026, 10, 16),
        ..XeroAllocation::default()
    };
    let batch = WriteBatch::allocate_credit_note(&note_id, &[allocation]).unwrap();
    let result = xero.send_batch(&batch, "cn-allocate").await.unwrap();
    assert!(
        matches!(result.elements[0], ElementResult::Saved(_)),
        "{result:?}"
    );

    let now = xero
        .invoices_by_id(&[first.clone(), second.clone()])
        .await
        .unwrap();
    assert_eq!(
        now[&first.to_ascii_lowercase()].status.as_deref(),
        Some("PAID")
    );
    let part = &now[&second.to_ascii_lowercase()];
    assert_eq!(part.amount_due, Some(Decimal::new(1000, 2)));
    assert_eq!(part.amount_credited, Some(Decimal::new(2000, 2)));
}

#[tokio::test]
async fn two_customers_with_one_name_become_two_contacts() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let customer = Customer {
        display_name: "John Smith".into(),
        company_name: None,
        email: Some("john@example.com".into()),
        phone: Some("555-0100".into()),
        billing_address: Default::default(),
        tax_exempt: false,
        currency: None,
        active: true,
    };
    let first = contact_to_xero(&customer, 9001, None, "John Smith", &mappings());
    let second = contact_to_xero(&customer, 9002, None, "John Smith", &mappings());
    let result = xero
        .send_batch(
            &WriteBatch::create_contacts(&[first, second]).unwrap(),
            "contacts-1",
        )
        .await
        .unwrap();
    assert!(matches!(result.elements[0], ElementResult::Saved(_)));
    let ElementResult::Rejected(refused) = &result.elements[1] else {
        panic!("the second John Smith must be refused: {result:?}");
    };
    assert_eq!(refused.kind, XeroRejectionKind::Duplicate);
    let name = disambiguated_name("John Smith", 9002);
    let retry = contact_to_xero(&customer, 9002, None, &name, &mappings());
    let result = xero
        .send_batch(
            &WriteBatch::create_contacts(&[retry]).unwrap(),
            "contacts-2",
        )
        .await
        .unwrap();
    assert!(matches!(result.elements[0], ElementResult::Saved(_)));
    let found = xero
        .contact_by_number("ST-9002")
        .await
        .unwrap()
        .expect("by number");
    assert_eq!(found.name.as_deref(), Some("John Smith (ST-9002)"));
    assert_eq!(xero.contacts_named("john smith").await.unwrap().len(), 1);
}
