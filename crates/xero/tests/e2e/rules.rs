//! Xero's edit rules: paid invoices and the lock date are reported once, clearly, not looped.

use std::collections::HashMap;

use ledgerbridge_core::SourceRef;
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_xero::map::{InvoiceTarget, invoice_to_xero};
use ledgerbridge_xero::wire::invoice::InvoiceRef;
use ledgerbridge_xero::wire::payment::{AccountRef, Payment};
use ledgerbridge_xero::write::{Blocked, check_lock_date, check_paid_edit};
use ledgerbridge_xero::{ElementResult, WriteBatch, XeroRejectionKind};
use rust_decimal::Decimal;
use serde_json::json;

use crate::helpers::{World, invoice, mappings, to_xero};

fn rejection(result: &ElementResult) -> XeroRejectionKind {
    match result {
        ElementResult::Rejected(r) => r.kind,
        other => panic!("not refused: {other:?}"),
    }
}

#[tokio::test]
async fn a_paid_invoice_edit_is_reported_once_and_description_edits_still_go_through() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let contact = world.contact_id(&xero, "Maria Garcia").await;
    let mut st = invoice("PAID-1", &[(41, "2", "50.00", "100.00", false)], "0.00");
    let result = xero
        .send_batch(
            &WriteBatch::create_invoices(&to_xero(std::slice::from_ref(&st), &contact)).unwrap(),
            "paid-create",
        )
        .await
        .unwrap();
    let ElementResult::Saved(created) = &result.elements[0] else {
        panic!()
    };
    let payment = Payment {
        invoice: Some(InvoiceRef {
            invoice_id: Some(created.id.clone()),
            ..InvoiceRef::default()
        }),
        account: Some(AccountRef {
            code: Some("090".into()),
            ..AccountRef::default()
        }),
        date: chrono::NaiveDate::from_ymd_opt(2026, 10, 14),
        amount: Some(Decimal::new(4000, 2)),
        ..Payment::default()
    };
    xero.send_batch(
        &WriteBatch::create_payments(&[payment]).unwrap(),
        "paid-pay",
    )
    .await
    .unwrap();

    // The technician adds a unit in ServiceTitan: Xero freezes amounts on a part-paid invoice.
    st.lines[0].quantity = Decimal::from(3);
    st.lines[0].amount = crate::helpers::usd("150.00");
    st.subtotal = crate::helpers::usd("150.00");
    st.total = st.subtotal;
    let line_ids = HashMap::from([(
        SourceRef::servicetitan(41).unwrap(),
        created.line_ids[0].clone(),
    )]);
    let target = InvoiceTarget {
        contact_id: &contact,
        invoice_id: Some(&created.id),
        line_ids: &line_ids,
    };
    let update = invoice_to_xero(&st, &target, &mappings()).unwrap();
    let current = xero
        .invoices_by_id(std::slice::from_ref(&created.id))
        .await
        .unwrap();
    let current = &current[&created.id.to_ascii_lowercase()];
    let blocked = check_paid_edit(current, &update).unwrap_err();
    assert!(matches!(blocked, Blocked::PaidDocument { .. }));
    assert!(
        blocked.to_string().contains("remove the payments"),
        "{blocked}"
    );

    // Sent anyway (a stale local view): Xero refuses it, once, classified, no retry.
    let calls_before = xero.auth().attempts();
    let batch = WriteBatch::update_invoices(&[update]).unwrap();
    let result = xero.send_batch(&batch, "paid-update").await.unwrap();
    assert_eq!(
        rejection(&result.elements[0]),
        XeroRejectionKind::PaidDocument
    );
    assert_eq!(
        xero.auth().attempts() - calls_before,
        1,
        "one call, not a loop"
    );

    // A description edit is allowed on a paid invoice.
    let mut allowed = current.clone();
    allowed.line_items.as_mut().unwrap()[0].description = Some("Line 41, revised".into());
    let edit = ledgerbridge_xero::wire::invoice::Invoice {
        invoice_id: Some(created.id.clone()),
        line_items: allowed.line_items.clone(),
        ..Default::default()
    };
    assert_eq!(check_paid_edit(current, &edit), Ok(()));
    let result = xero
        .send_batch(
            &WriteBatch::update_invoices(&[edit]).unwrap(),
            "paid-describe",
        )
        .await
        .unwrap();
    assert!(
        matches!(result.elements[0], ElementResult::Saved(_)),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_lock_date_blocks_before_sending_and_xero_refuses_what_slips_through() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let contact = world.contact_id(&xero, "Maria Garcia").await;
    world
        .control(
            "xero/lock_date",
            json!({ "period_lock_date": "2026-10-31" }),
        )
        .await;
    let org = xero.organisation().await.unwrap();
    let lock = org.lock_date();
    assert_eq!(lock, chrono::NaiveDate::from_ymd_opt(2026, 10, 31));
    let st = invoice("LOCK-1", &[(51, "1", "10.00", "10.00", false)], "0.00");
    let blocked = check_lock_date(st.invoice_date, lock).unwrap_err();
    assert!(
        blocked.to_string().contains("lock date 2026-10-31"),
        "{blocked}"
    );
    let result = xero
        .send_batch(
            &WriteBatch::create_invoices(&to_xero(&[st], &contact)).unwrap(),
            "lock-1",
        )
        .await
        .unwrap();
    assert_eq!(
        rejection(&result.elements[0]),
        XeroRejectionKind::PeriodLocked
    );
}
