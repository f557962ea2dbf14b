//! Writes: mark exported in batches, payments (status, create with typeId and splits),
//! invoice and item patches, adjustment invoices, and "not supported" for payment create.

use chrono::NaiveDate;
use futures::TryStreamExt;
use ledgerbridge_connector::{ConnectorError, ExportMark};
use ledgerbridge_core::{Allocation, Currency, Money, Payment, PaymentStatus, SourceRef};
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_servicetitan::{
    AdjustmentInvoice, InvoiceItemPatch, InvoicePatch, NewPayment, ServiceTitan,
};
use rust_decimal::Decimal;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::World;

#[tokio::test]
async fn invoices_are_marked_exported_in_batches_with_per_invoice_results() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let st = world.connector();
    let ids = world.seed_invoices(120);
    let mut marks: Vec<ExportMark> = ids
        .iter()
        .map(|id| ExportMark {
            invoice_id: *id,
            external_id: format!("QBO-{id}"),
            message: Some("Exported to QuickBooks Online".into()),
        })
        .collect();
    marks.push(ExportMark {
        invoice_id: 987_654_321,
        external_id: "QBO-x".into(),
        message: None,
    });
    let results = st.mark_invoices_exported(&marks).await.unwrap();
    assert_eq!(results.len(), 121);
    assert!(
        results[..120].iter().all(|r| r.outcome.is_ok()),
        "{:?}",
        results.iter().find(|r| r.outcome.is_err())
    );
    assert!(
        results[120].outcome.is_err(),
        "an unknown invoice is refused on its own"
    );
    let reread = st.invoices_by_id(&ids[..60]).await.unwrap();
    assert_eq!(reread.len(), 60);
    for r in &reread {
        assert_eq!(
            r.export_id.as_deref(),
            Some(format!("QBO-{}", r.id).as_str())
        );
        assert_eq!(r.remote_status.as_deref(), Some("Exported"));
    }
}

#[tokio::test]
async fn payments_are_created_with_type_and_splits_then_marked_exported() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let st = world.connector();
    let invoice = st
        .invoices_by_id(&world.seed_invoices(1))
        .await
        .unwrap()
        .remove(0);
    let payment_type = st.payment_types().await.unwrap().remove(0);
    let half = Money::rounded(invoice.record.total.amount() / Decimal::TWO, Currency::USD).unwrap();
    let payment = Payment {
        date: NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
        amount: half,
        payment_type: payment_type.name.clone(),
        reference: Some("5521".into()),
        customer: invoice.record.customer.clone(),
        allocations: vec![Allocation {
            invoice: SourceRef::ServiceTitan(invoice.id),
            amount: half,
        }],
        unapplied: Money::zero(Currency::USD),
        memo: Some("QBO payment 88".into()),
        status: PaymentStatus::Posted,
    };
    let id = st.record_payment(&payment, "QBO-PMT-88").await.unwrap();
    st.mark_payments_exported(&[id]).await.unwrap();
    let read = st.payments_by_id(&[id]).await.unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].remote_status.as_deref(), Some("Exported"));
    assert_eq!(read[0].record.allocations, payment.allocations);
    assert_eq!(read[0].record.amount, half);

    let unknown_type = Payment {
        payment_type: "Barter".into(),
        ..payment
    };
    assert!(matches!(
        st.record_payment(&unknown_type, "x").await,
        Err(ConnectorError::Validation { .. })
    ));
}

#[tokio::test]
async fn invoices_and_items_are_patched_and_adjustments_created() {
    let world = World::start(Scenario::Demo, LimitMode::Off).await;
    let st = world.connector();
    let id = world.seed_invoices(1)[0];
    st.patch_invoice(
        id,
        &InvoicePatch {
            summary: Some("Technician added a part".into()),
            ..InvoicePatch::default()
        },
    )
    .await
    .unwrap();
    let before = st.invoices_by_id(&[id]).await.unwrap().remove(0);
    assert_eq!(
        before.record.memo.as_deref(),
        Some("Technician added a part")
    );
    let line = &before.record.lines[0];
    let item_id = line.servicetitan_item_id().unwrap();
    let new_quantity = line.quantity + Decimal::ONE;
    let patch = InvoiceItemPatch {
        id: Some(item_id),
        description: line.description.clone(),
        quantity: new_quantity,
        unit_price: Some(line.unit_price),
        sku_id: None,
    };
    st.patch_invoice_item(id, &patch).await.unwrap();
    let after = st.invoices_by_id(&[id]).await.unwrap().remove(0);
    let changed = after
        .record
        .lines
        .iter()
        .find(|l| l.servicetitan_item_id() == Some(item_id))
        .unwrap();
    assert_eq!(changed.quantity, new_quantity);
    assert!(after.modified_on > before.modified_on);

    let adjustment = AdjustmentInvoice {
        adjustment_to_id: id,
        number: None,
        summary: Some("Adjustment".into()),
        items: vec![InvoiceItemPatch {
            id: None,
            description: "Extra part".into(),
            quantity: Decimal::ONE,
            unit_price: Some(Decimal::new(2500, 2)),
            sku_id: None,
        }],
    };
    let new_id = st.create_adjustment_invoice(&adjustment).await.unwrap();
    assert_ne!(new_id, id);
    let pages: Vec<_> = st.invoice_pages(None).try_collect().await.unwrap();
    assert!(
        pages
            .iter()
            .flat_map(|p| &p.records)
            .any(|r| r.id == new_id),
        "the adjustment is listed"
    );
}

#[tokio::test]
async fn payment_create_answering_404_or_405_is_not_supported_and_not_retried() {
    for status in [404, 405] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/connect/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"access_token": "t", "expires_in": 900, "token_type": "Bearer"}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/accounting/v2/tenant/1/payments"))
            .respond_with(
                ResponseTemplate::new(status).set_body_json(
                    json!({"title": "Not Found", "status": status, "traceId": "t-1"}),
                ),
            )
            .expect(1)
            .mount(&server)
            .await;
        let endpoints = ledgerbridge_servicetitan::Endpoints {
            api_base: url::Url::parse(&server.uri()).unwrap(),
            token_url: url::Url::parse(&format!("{}/connect/token", server.uri())).unwrap(),
        };
        let credentials = ledgerbridge_servicetitan::Credentials {
            client_id: "cid".into(),
            client_secret: secrecy::SecretString::from("cs".to_owned()),
            app_key: secrecy::SecretString::from("ak".to_owned()),
        };
        let st = ServiceTitan::new(ledgerbridge_servicetitan::ServiceTitanConfig::new(
            endpoints,
            1,
            credentials,
        ))
        .unwrap();
        let payment = NewPayment {
            type_id: 1,
            paid_on: chrono::Utc::now(),
            memo: None,
            check_number: None,
            export_id: "x".into(),
            splits: vec![(1, Decimal::ONE)],
        };
        let err = st.create_payment(&payment).await.unwrap_err();
        assert!(
            matches!(err, ConnectorError::NotSupported { .. }),
            "{status}: {err:?}"
        );
        assert_eq!(
            err.to_string(),
            "create payment is not supported for this tenant"
        );
        assert_eq!(err.trace_id(), Some("t-1"));
    }
}
