//! A malformed record is quarantined with its reason; the rest of its page is read.

use futures::TryStreamExt;
use ledgerbridge_core::EntityKind;
use ledgerbridge_servicetitan::{Credentials, Endpoints, ServiceTitan, ServiceTitanConfig};
use secrecy::SecretString;
use serde_json::json;
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn invoice(id: i64, total: &str) -> serde_json::Value {
    json!({
        "id": id, "syncStatus": "Posted", "referenceNumber": format!("INV-{id}"),
        "invoiceDate": "2025-01-10T00:00:00Z", "dueDate": "2025-02-10T00:00:00Z",
        "subTotal": "100.00", "salesTax": "9.50", "total": total, "balance": total,
        "customer": {"id": 11, "name": "Jane Roe"}, "createdOn": "2025-01-10T00:00:00Z",
        "modifiedOn": "2025-01-10T18:00:00.1234567Z", "sentStatus": "Sent", "reviewStatus": "Reviewed",
        "active": true,
        "items": [{"id": id * 10, "type": "Service", "skuId": 5, "skuName": "SVC-1", "description": "<p>Repair</p>",
                   "quantity": "1", "price": "100.00", "total": "100.00", "taxable": true,
                   "inventory": false, "membershipTypeId": 0, "createdOn": "2025-01-10T00:00:00Z",
                   "modifiedOn": "2025-01-10T00:00:00Z", "order": 1, "addOn": false}]
    })
}

#[tokio::test]
async fn a_malformed_invoice_is_quarantined_and_its_page_goes_on() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/connect/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"access_token": "t", "expires_in": 900, "token_type": "Bearer"}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/accounting/v2/tenant/8450/export/invoices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "hasMore": false, "continueFrom": "tok-2",
            "data": [invoice(1, "109.50"), invoice(2, "one hundred"), invoice(3, "109.50"), {"id": 4, "active": true}]
        })))
        .mount(&server)
        .await;
    let endpoints = Endpoints {
        api_base: Url::parse(&server.uri()).unwrap(),
        token_url: Url::parse(&format!("{}/connect/token", server.uri())).unwrap(),
    };
    let credentials = Credentials {
        client_id: "cid.x".into(),
        client_secret: SecretString::from("cs1.x".to_owned()),
        app_key: SecretString::from("ak1.x".to_owned()),
    };
    let st = ServiceTitan::new(ServiceTitanConfig::new(endpoints, 8450, credentials)).unwrap();
    let batches: Vec<_> = st.invoice_changes(None).try_collect().await.unwrap();
    assert_eq!(batches.len(), 1);
    let batch = &batches[0];
    assert_eq!(
        batch.records.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![1, 3]
    );
    assert_eq!(batch.records[0].record.lines[0].description, "Repair");
    assert_eq!(batch.cursor.as_str(), "tok-2");
    assert!(batch.caught_up);
    let reasons: Vec<_> = batch
        .quarantined
        .iter()
        .map(|q| (q.entity, q.id, q.reason.clone()))
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert_eq!((reasons[0].0, reasons[0].1), (EntityKind::Invoice, Some(2)));
    assert!(reasons[0].2.contains("one hundred"), "{}", reasons[0].2);
    assert_eq!(reasons[1].1, Some(4));
    assert!(batch.quarantined[0].raw().contains("\"id\":2"));
}
