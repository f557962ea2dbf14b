//! A lost answer after Xero committed: replayed inside the Idempotency-Key window, looked up
//! after it. Never a duplicate invoice or payment.

use std::time::Duration;

use ledgerbridge_connector::ConnectorError;
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_xero::wire::invoice::InvoiceRef;
use ledgerbridge_xero::wire::payment::{AccountRef, Payment};
use ledgerbridge_xero::{ElementResult, WriteBatch};
use rust_decimal::Decimal;

use crate::helpers::{World, always, simple_invoice, to_xero};

fn batch_of(world_contact: &str, prefix: &str, n: usize) -> WriteBatch {
    let drafts: Vec<_> = (0..n)
        .map(|i| simple_invoice(&format!("{prefix}-{i:02}"), "75.50"))
        .collect();
    WriteBatch::create_invoices(&to_xero(&drafts, world_contact)).expect("batch")
}

fn ids(results: &[ElementResult]) -> Vec<String> {
    results
        .iter()
        .map(|e| match e {
            ElementResult::Saved(s) => s.id.clone(),
            other => panic!("not saved: {other:?}"),
        })
        .collect()
}

async fn count_by_number(world: &World, token: &str, number: &str) -> usize {
    let body = world
        .raw_get(token, &format!("/Invoices?InvoiceNumbers={number}&page=1"))
        .await
        .text()
        .await
        .unwrap();
    body.matches("\"InvoiceNumber\"").count()
}

#[tokio::test]
async fn inside_the_window_the_same_bytes_and_key_return_the_original_answer() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let contact = world.contact_id(&xero, "Maria Garcia").await;
    let batch = batch_of(&contact, "LOST", 10);
    // As stored by the ledger and read back after a crash:
    let stored = (
        batch.method().to_string(),
        batch.path().to_owned(),
        batch.body().to_vec(),
    );

    world
        .control("faults", always("lost_after_commit_rate"))
        .await;
    let lost = xero.send_batch(&batch, "key-lost-1").await.unwrap_err();
    assert!(
        matches!(lost, ConnectorError::OutcomeUnknown { .. }),
        "{lost}"
    );
    world.clear_faults().await;

    let replay = WriteBatch::from_stored(&stored.0, &stored.1, stored.2).unwrap();
    assert_eq!(replay, batch, "rebuilt byte for byte");
    let first = xero
        .replay_batch(&replay, "key-lost-1", Duration::from_secs(30))
        .await
        .unwrap();
    let again = xero
        .replay_batch(&replay, "key-lost-1", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(ids(&first.elements), ids(&again.elements));
    let token = world.state.issue_tokens(crate::helpers::SCOPES)["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in [0, 9] {
        assert_eq!(
            count_by_number(&world, &token, &format!("LOST-{i:02}")).await,
            1
        );
    }
}

#[tokio::test]
async fn after_the_window_the_look_up_decides_and_nothing_is_sent_twice() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let contact = world.contact_id(&xero, "Maria Garcia").await;
    let committed = batch_of(&contact, "LATE", 5);
    world
        .control("faults", always("lost_after_commit_rate"))
        .await;
    assert!(xero.send_batch(&committed, "key-late-1").await.is_err());
    world.clear_faults().await;
    // Seven minutes later (Xero keeps a key about six) the key is forgotten.
    world.advance(7 * 60);
    let age = Duration::from_secs(7 * 60);
    let result = xero
        .replay_batch(&committed, "key-late-1", age)
        .await
        .unwrap();
    assert_eq!(result.missing(), Vec::<usize>::new());
    for element in &result.elements {
        let ElementResult::Saved(s) = element else {
            panic!("{element:?}")
        };
        assert!(s.found_by_lookup && s.line_ids.len() == 1);
    }

    // A batch that never reached Xero (crash before sending): every element is missing and
    // goes out again in a new request with a new key.
    let never_sent = batch_of(&contact, "NEVER", 3);
    let result = xero
        .replay_batch(&never_sent, "key-never-1", age)
        .await
        .unwrap();
    assert_eq!(result.missing(), vec![0, 1, 2]);
    let rest = never_sent.subset(&result.missing()).unwrap();
    assert_eq!(rest.body(), never_sent.body(), "all three, same bytes");
    let sent = xero.send_batch(&rest, "key-never-2").await.unwrap();
    assert_eq!(ids(&sent.elements).len(), 3);
    let token = world.state.issue_tokens(crate::helpers::SCOPES)["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(count_by_number(&world, &token, "LATE-00").await, 1);
    assert_eq!(count_by_number(&world, &token, "NEVER-02").await, 1);
}

#[tokio::test]
async fn a_lost_payment_is_found_among_its_invoice_payments_after_the_window() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let contact = world.contact_id(&xero, "Maria Garcia").await;
    let result = xero
        .send_batch(&batch_of(&contact, "PAYLOST", 1), "pl-invoice")
        .await
        .unwrap();
    let invoice_id = ids(&result.elements)[0].clone();
    let payment = |amount: i64| Payment {
        invoice: Some(InvoiceRef {
            invoice_id: Some(invoice_id.clone()),
            ..InvoiceRef::default()
        }),
        account: Some(AccountRef {
            code: Some("090".into()),
            ..AccountRef::default()
        }),
        date: chrono::NaiveDate::from_ymd_opt(2026, 10, 20),
        amount: Some(Decimal::new(amount, 2)),
        reference: Some("CHK 7".into()),
        ..Payment::default()
    };
    // Two equal payments in one batch are two payments; a third is never sent.
    let batch =
        WriteBatch::create_payments(&[payment(2000), payment(2000), payment(1000)]).unwrap();
    let first_two = batch.subset(&[0, 1]).unwrap();
    world
        .control("faults", always("lost_after_commit_rate"))
        .await;
    assert!(xero.send_batch(&first_two, "pl-pay").await.is_err());
    world.clear_faults().await;
    let age = Duration::from_secs(600);
    let found = xero.replay_batch(&batch, "pl-pay", age).await.unwrap();
    assert!(matches!(found.elements[0], ElementResult::Saved(_)));
    assert!(matches!(found.elements[1], ElementResult::Saved(_)));
    assert_ne!(
        ids(&found.elements[..2]).first(),
        ids(&found.elements[1..2]).first()
    );
    assert_eq!(found.missing(), vec![2]);
}

#[tokio::test]
async fn a_lost_contact_create_is_found_by_its_servicetitan_number() {
    let world = World::start(LimitMode::Off).await;
    let xero = world.connector();
    let customer = |name: &str| ledgerbridge_core::Customer {
        display_name: name.to_owned(),
        company_name: None,
        email: None,
        phone: None,
        billing_address: Default::default(),
        tax_exempt: true,
        currency: None,
        active: true,
    };
    let mappings = crate::helpers::mappings();
    let contacts = [
        ledgerbridge_xero::map::contact_to_xero(
            &customer("O'Brien & Sons"),
            501,
            None,
            "O'Brien & Sons",
            &mappings,
        ),
        ledgerbridge_xero::map::contact_to_xero(
            &customer("Nguyễn \"Bob\""),
            502,
            None,
            "Nguyễn \"Bob\"",
            &mappings,
        ),
    ];
    let batch = WriteBatch::create_contacts(&contacts).unwrap();
    world
        .control("faults", always("lost_after_commit_rate"))
        .await;
    assert!(xero.send_batch(&batch, "contacts-lost").await.is_err());
    world.clear_faults().await;
    let found = xero
        .replay_batch(&batch, "contacts-lost", Duration::from_secs(900))
        .await
        .unwrap();
    for (element, number) in found.elements.iter().zip(["ST-501", "ST-502"]) {
        let ElementResult::Saved(s) = element else {
            panic!("{element:?}")
        };
        assert!(s.found_by_lookup);
        assert_eq!(s.number.as_deref(), Some(number));
    }
    let stored = xero.contact_by_number("ST-501").await.unwrap().unwrap();
    assert_eq!(stored.name.as_deref(), Some("O'Brien & Sons"));
}
