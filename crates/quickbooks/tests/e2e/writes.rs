//! Batch writes: per-item outcomes, duplicate names, requestid replay, stale SyncTokens,
//! voids, payments, credit memos, refunds, tax totals.

use std::collections::HashMap;

use ledgerbridge_core::SourceRef;
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_quickbooks::map::read as map_read;
use ledgerbridge_quickbooks::map::write::InvoiceContext;
use ledgerbridge_quickbooks::wire;
use ledgerbridge_quickbooks::{
    BatchItem, Entity, FaultReaction, ItemOutcome, Operation, PreparedWrite, QuickBooks, WriteOp,
};
use rust_decimal::Decimal;
use serde_json::json;

use crate::fixtures::{customer, invoice, mappings, saved, usd};
use crate::helpers::World;

/// A fresh idempotency key, as the ledger makes them (UUIDv7, 36 characters).
pub(crate) fn key() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub(crate) async fn connected(world: &World) -> QuickBooks {
    let qbo = world.connector().await;
    let m = mappings(&qbo).await;
    qbo.with_mappings(m)
}

/// Creates a customer and returns its QuickBooks id.
pub(crate) async fn create_customer(qbo: &QuickBooks, name: &str, st: i64) -> String {
    let c = customer(name);
    let prepared = qbo
        .prepare_ops(&[WriteOp::CreateCustomer {
            servicetitan_id: st,
            customer: &c,
            disambiguate: false,
        }])
        .unwrap();
    let results = qbo.send_write(&key(), &prepared.write).await.unwrap();
    saved(&results, "0").id.clone()
}

#[tokio::test]
async fn a_batch_with_one_bad_item_saves_the_others_and_maps_outcomes_by_bid() {
    let world = World::start(LimitMode::Off).await;
    let qbo = connected(&world).await;
    let customer_id = create_customer(&qbo, "Batch Customer", 1).await;
    let no_lines = HashMap::new();
    let cx = InvoiceContext {
        servicetitan_id: 5001,
        customer_id: &customer_id,
        line_ids: &no_lines,
        home_currency: ledgerbridge_core::Currency::USD,
    };
    let good = invoice("ST-5001", 1);
    let mut other = invoice("ST-5002", 1);
    other.lines.truncate(1);
    other.subtotal = usd("120.50");
    other.tax = usd("0.00");
    other.total = usd("120.50");
    let bad_customer = "999999";
    let bad_cx = InvoiceContext {
        customer_id: bad_customer,
        ..cx
    };
    let bad = invoice("ST-5003", 2);
    let prepared = qbo
        .prepare_ops(&[
            WriteOp::CreateInvoice { invoice: &good, cx },
            WriteOp::CreateInvoice {
                invoice: &bad,
                cx: bad_cx,
            },
            WriteOp::CreateInvoice {
                invoice: &other,
                cx,
            },
        ])
        .unwrap();
    let results = qbo.send_write(&key(), &prepared.write).await.unwrap();
    assert_eq!(results.len(), 3);
    let first = saved(&results, "0");
    let third = saved(&results, "2");
    assert_eq!(first.doc_number.as_deref(), Some("ST-5001"));
    assert_eq!(third.doc_number.as_deref(), Some("ST-5002"));
    match &results.iter().find(|r| r.bid == "1").unwrap().outcome {
        ItemOutcome::Failed(f) => assert!(
            matches!(f.reaction, FaultReaction::NotFound | FaultReaction::Invalid),
            "{f}"
        ),
        other => panic!("bad item: {other:?}"),
    }
    // ServiceTitan's tax wins over QuickBooks' own computation: the totals match exactly.
    assert_eq!(first.total, Some(Decimal::new(16545, 2)));
    // Line ids are recorded against ServiceTitan's line keys.
    let links = prepared.drafts[0].as_ref().unwrap().line_links(first);
    assert_eq!(
        links.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
        vec![SourceRef::ServiceTitan(101), SourceRef::ServiceTitan(102)]
    );
    // And reading it back gives ServiceTitan's numbers.
    let remote = qbo
        .read::<wire::Invoice>(Entity::Invoice, &first.id)
        .await
        .unwrap()
        .unwrap();
    let cx = map_read::ReadContext {
        lines: links
            .iter()
            .map(|(k, id)| ((first.id.clone(), id.clone()), k.servicetitan_id().unwrap()))
            .collect(),
        items: qbo
            .mappings()
            .items
            .iter()
            .map(|(k, v)| (v.clone(), k.clone()))
            .collect(),
        ..map_read::ReadContext::default()
    };
    let back = map_read::invoice(&remote, &cx).unwrap();
    assert_eq!(
        (back.total, back.tax, back.subtotal),
        (good.total, good.tax, good.subtotal)
    );
    assert_eq!(back.lines[0].key, SourceRef::ServiceTitan(101));
    assert_eq!(back.lines[0].quantity, good.lines[0].quantity);
    assert_eq!(back.memo, good.memo);
}

#[tokio::test]
async fn a_taken_display_name_gets_a_readable_suffix_never_a_merge_and_quotes_are_escaped() {
    let world = World::start(LimitMode::Off).await;
    let qbo = connected(&world).await;
    let name = "O'Brien's Plumbing & Heating \\ Zoë 🔧";
    let first = create_customer(&qbo, name, 7).await;
    let twin = customer(name);
    let prepared = qbo
        .prepare_ops(&[WriteOp::CreateCustomer {
            servicetitan_id: 8,
            customer: &twin,
            disambiguate: false,
        }])
        .unwrap();
    let results = qbo.send_write(&key(), &prepared.write).await.unwrap();
    let ItemOutcome::Failed(fault) = &results[0].outcome else {
        panic!("{:?}", results[0].outcome);
    };
    assert_eq!(fault.reaction, FaultReaction::DuplicateName);
    let prepared = qbo
        .prepare_ops(&[WriteOp::CreateCustomer {
            servicetitan_id: 8,
            customer: &twin,
            disambiguate: true,
        }])
        .unwrap();
    let results = qbo.send_write(&key(), &prepared.write).await.unwrap();
    let second = saved(&results, "0").id.clone();
    assert_ne!(first, second, "two customers, never merged");
    let found = qbo.find_customers_by_display_name(name).await.unwrap();
    assert_eq!(
        found.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        vec![first]
    );
    let suffixed = qbo
        .find_customers_by_display_name(&format!("{name} (ST 8)"))
        .await
        .unwrap();
    assert_eq!(suffixed.len(), 1);
    let back = map_read::customer(&suffixed[0].record, Some(8)).unwrap();
    assert_eq!(back.display_name, name, "the suffix is ours, not a change");
}

#[tokio::test]
async fn a_lost_response_is_replayed_with_the_same_requestid_and_bytes_and_creates_nothing_twice() {
    let world = World::start(LimitMode::Off).await;
    let qbo = connected(&world).await;
    let customer_id = create_customer(&qbo, "Replay Customer", 3).await;
    let lines = HashMap::new();
    let cx = InvoiceContext {
        servicetitan_id: 6001,
        customer_id: &customer_id,
        line_ids: &lines,
        home_currency: ledgerbridge_core::Currency::USD,
    };
    let inv = invoice("ST-6001", 3);
    let prepared = qbo
        .prepare_ops(&[WriteOp::CreateInvoice { invoice: &inv, cx }])
        .unwrap();
    // The ledger would store these: key, method, path, body.
    let row = (
        key(),
        prepared.write.method.to_string(),
        prepared.write.path.clone(),
        prepared.write.body.to_vec(),
    );
    world
        .control(
            "faults",
            json!({ "seed": 1, "lost_after_commit_rate": 1.0 }),
        )
        .await;
    let mut config = world.config(qbo.realm_id());
    config.http.retry = ledgerbridge_connector::RetryPolicy::none();
    let once = world.connector_for(config);
    let err = once.send_write(&row.0, &prepared.write).await.unwrap_err();
    assert!(
        matches!(
            err,
            ledgerbridge_connector::ConnectorError::OutcomeUnknown { .. }
        ),
        "{err:?}"
    );
    world.clear_faults().await;
    // After a "crash": rebuild the request from the stored row and replay it.
    let stored = PreparedWrite::from_stored(&row.1, &row.2, row.3.clone()).unwrap();
    assert_eq!(stored, prepared.write);
    let results = qbo.send_write(&row.0, &stored).await.unwrap();
    let replayed = saved(&results, "0").id.clone();
    let found = qbo.find_invoices_by_doc_number("ST-6001").await.unwrap();
    assert_eq!(
        found.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        vec![replayed]
    );

    // Beyond QuickBooks' memory of request ids, the look-up by DocNumber is what finds it.
    let second = invoice("ST-6002", 3);
    let prepared = qbo
        .prepare_ops(&[WriteOp::CreateInvoice {
            invoice: &second,
            cx: InvoiceContext {
                servicetitan_id: 6002,
                ..cx
            },
        }])
        .unwrap();
    world
        .control(
            "faults",
            json!({ "seed": 2, "lost_after_commit_rate": 1.0 }),
        )
        .await;
    assert!(once.send_write(&key(), &prepared.write).await.is_err());
    world.clear_faults().await;
    world.advance_clock(25 * 3_600).await;
    let found = qbo.find_invoice("ST-6002").await.unwrap();
    assert_eq!(
        found.len(),
        1,
        "the committed invoice is found, so it is linked, not re-created"
    );
}

#[tokio::test]
async fn a_concurrent_edit_answers_5010_with_the_fresh_version() {
    let world = World::start(LimitMode::Off).await;
    let qbo = connected(&world).await;
    let customer_id = create_customer(&qbo, "Stale Customer", 4).await;
    let lines = HashMap::new();
    let cx = InvoiceContext {
        servicetitan_id: 7001,
        customer_id: &customer_id,
        line_ids: &lines,
        home_currency: ledgerbridge_core::Currency::USD,
    };
    let mut inv = invoice("ST-7001", 4);
    let prepared = qbo
        .prepare_ops(&[WriteOp::CreateInvoice { invoice: &inv, cx }])
        .unwrap();
    let created = saved(&qbo.send_write(&key(), &prepared.write).await.unwrap(), "0").clone();
    let line_ids: HashMap<SourceRef, String> = prepared.drafts[0]
        .as_ref()
        .unwrap()
        .line_links(&created)
        .into_iter()
        .collect();
    // The accountant edits it in QuickBooks (a sparse note change) ...
    let edit = BatchItem::new(
        0,
        Operation::Update,
        Entity::Invoice,
        &json!({ "Id": created.id, "SyncToken": created.sync_token, "sparse": true, "PrivateNote": "checked by accountant" }),
    )
    .unwrap();
    let edited = saved(
        &qbo.send_write(&key(), &qbo.prepare_batch(&[edit]).unwrap())
            .await
            .unwrap(),
        "0",
    )
    .clone();
    assert_ne!(edited.sync_token, created.sync_token);
    // ... while the bridge updates with the version it stored.
    inv.memo = Some("Replaced capacitor and fan".into());
    let cx = InvoiceContext {
        line_ids: &line_ids,
        ..cx
    };
    let prepared = qbo
        .prepare_ops(&[WriteOp::UpdateInvoice {
            invoice: &inv,
            cx,
            id: &created.id,
            version: &created.sync_token,
        }])
        .unwrap();
    let results = qbo.send_write(&key(), &prepared.write).await.unwrap();
    match &results[0].outcome {
        ItemOutcome::Stale { fault, current } => {
            assert_eq!(fault.code, "5010");
            let current = current.as_ref().expect("fresh version re-read");
            assert_eq!(current.sync_token, edited.sync_token);
            // Retrying at the fresh version succeeds and keeps the line ids.
            let retry = qbo
                .prepare_ops(&[WriteOp::UpdateInvoice {
                    invoice: &inv,
                    cx,
                    id: &created.id,
                    version: &current.sync_token,
                }])
                .unwrap();
            let updated = saved(&qbo.send_write(&key(), &retry.write).await.unwrap(), "0").clone();
            assert_eq!(updated.line_ids, created.line_ids);
        }
        other => panic!("{other:?}"),
    }
}
