//! Payments split over invoices, credit memos, refund receipts, voids and the stale
//! versions linked transactions cause.

use std::collections::HashMap;

use ledgerbridge_core::SourceRef;
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_quickbooks::map::read as map_read;
use ledgerbridge_quickbooks::map::write::{InvoiceContext, PaymentContext};
use ledgerbridge_quickbooks::wire;
use ledgerbridge_quickbooks::{Entity, ItemOutcome, WriteOp};
use rust_decimal::Decimal;

use crate::fixtures::{invoice, payment, saved, usd};
use crate::helpers::World;
use crate::writes::{connected, create_customer, key};

#[tokio::test]
async fn payments_credit_memos_refunds_and_voids() {
    let world = World::start(LimitMode::Off).await;
    let qbo = connected(&world).await;
    let customer_id = create_customer(&qbo, "Payer", 1).await;
    let lines = HashMap::new();
    let cx = InvoiceContext {
        servicetitan_id: 8001,
        customer_id: &customer_id,
        line_ids: &lines,
        home_currency: ledgerbridge_core::Currency::USD,
    };
    let a = invoice("ST-8001", 1);
    let b = invoice("ST-8002", 1);
    let note = invoice("CM-8003", 1);
    let prepared = qbo
        .prepare_ops(&[
            WriteOp::CreateInvoice { invoice: &a, cx },
            WriteOp::CreateInvoice {
                invoice: &b,
                cx: InvoiceContext {
                    servicetitan_id: 8002,
                    ..cx
                },
            },
            WriteOp::CreateCreditNote {
                note: &note,
                cx: InvoiceContext {
                    servicetitan_id: 8003,
                    ..cx
                },
            },
        ])
        .unwrap();
    let results = qbo.send_write(&key(), &prepared.write).await.unwrap();
    let (inv_a, inv_b) = (saved(&results, "0").clone(), saved(&results, "1").clone());
    assert_eq!(saved(&results, "2").entity, Entity::CreditMemo);
    // One payment split across two invoices with an overpayment left unapplied.
    let pay = payment("250.00", &[(8001, "165.45"), (8002, "50.00")]);
    let refund = {
        let mut r = payment("-20.00", &[]);
        r.payment_type = "Refund".into();
        r
    };
    let ids = HashMap::from([
        (SourceRef::ServiceTitan(8001), inv_a.id.clone()),
        (SourceRef::ServiceTitan(8002), inv_b.id.clone()),
    ]);
    let pcx = PaymentContext {
        servicetitan_id: 9001,
        customer_id: &customer_id,
        invoice_ids: &ids,
        home_currency: ledgerbridge_core::Currency::USD,
    };
    let prepared = qbo
        .prepare_ops(&[
            WriteOp::CreatePayment {
                payment: &pay,
                cx: pcx,
            },
            WriteOp::CreateRefund {
                refund: &refund,
                cx: pcx,
            },
        ])
        .unwrap();
    let results = qbo.send_write(&key(), &prepared.write).await.unwrap();
    let paid = saved(&results, "0").clone();
    assert_eq!(saved(&results, "1").entity, Entity::RefundReceipt);
    // Applying the payment changed invoice B (its balance), so the version the bridge
    // stored is stale: the void comes back with the fresh one, and succeeds with it.
    let void = qbo
        .prepare_ops(&[WriteOp::VoidInvoice {
            id: &inv_b.id,
            version: &inv_b.sync_token,
        }])
        .unwrap();
    let results = qbo.send_write(&key(), &void.write).await.unwrap();
    let ItemOutcome::Stale {
        current: Some(current),
        ..
    } = &results[0].outcome
    else {
        panic!("{:?}", results[0].outcome);
    };
    let void = qbo
        .prepare_ops(&[WriteOp::VoidInvoice {
            id: &inv_b.id,
            version: &current.sync_token,
        }])
        .unwrap();
    saved(&qbo.send_write(&key(), &void.write).await.unwrap(), "0");
    let remote = qbo
        .read::<wire::Payment>(Entity::Payment, &paid.id)
        .await
        .unwrap()
        .unwrap();
    let rcx = map_read::ReadContext {
        invoices: HashMap::from([(inv_a.id.clone(), 8001), (inv_b.id.clone(), 8002)]),
        ..map_read::ReadContext::default()
    };
    let back = map_read::payment(&remote, &rcx).unwrap();
    assert_eq!(back.amount, usd("250.00"));
    assert_eq!(back.allocations[0].invoice, SourceRef::ServiceTitan(8001));
    let a_now = qbo
        .read::<wire::Invoice>(Entity::Invoice, &inv_a.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a_now.record.balance, Some(Decimal::ZERO), "fully paid");
    let b_now = qbo
        .read::<wire::Invoice>(Entity::Invoice, &inv_b.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        map_read::invoice(&b_now, &rcx).unwrap().status,
        ledgerbridge_core::InvoiceStatus::Voided
    );
    // Voiding invoice B unlinked the payment from it (a new payment version); voiding the
    // payment goes through the documented payment endpoint at its current version.
    let current = qbo
        .read::<wire::Payment>(Entity::Payment, &paid.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(current.sync_token, paid.sync_token);
    // Outside a batch a stale version is a conflict that carries its fault code (the shared
    // HTTP layer reads QuickBooks' Fault envelope, not only RFC 7807).
    let stale = qbo
        .prepare_void(Entity::Payment, &paid.id, &paid.sync_token)
        .unwrap();
    match qbo.send_write(&key(), &stale).await {
        Err(e @ ledgerbridge_connector::ConnectorError::Conflict { .. }) => {
            assert_eq!(e.problem().and_then(|p| p.kind.as_deref()), Some("5010"));
        }
        other => panic!("expected a 5010 conflict, got {other:?}"),
    }
    let void = qbo
        .prepare_void(Entity::Payment, &paid.id, &current.sync_token)
        .unwrap();
    let results = qbo.send_write(&key(), &void).await.unwrap();
    saved(&results, "0");
    let voided = qbo
        .read::<wire::Payment>(Entity::Payment, &paid.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        map_read::payment(&voided, &rcx).unwrap().status,
        ledgerbridge_core::PaymentStatus::Voided
    );
}
