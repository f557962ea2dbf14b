//! Outgoing webhooks: signed, in both formats, coalesced, retried on the sandbox clock.

use chrono::{DateTime, Utc};
use ledgerbridge_emulator_quickbooks::{REALM_ID, WEBHOOK_VERIFIER_TOKEN};
use serde_json::{Value, json};

use crate::receiver::{Hit, Receiver, expected_signature};
use crate::support::Sandbox;

async fn set_webhooks(sb: &Sandbox, body: Value) -> (u16, Value) {
    let response = sb
        .http
        .post(format!("{}/_sandbox/webhooks", sb.base()))
        .json(&body)
        .send()
        .await
        .expect("control");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

async fn webhook_status(sb: &Sandbox) -> Value {
    sb.http
        .get(format!("{}/_sandbox/webhooks", sb.base()))
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("JSON")
}

/// The CloudEvents of every hit, flattened, with the hit's index.
fn cloud_events(hits: &[Hit]) -> Vec<(usize, Value)> {
    hits.iter()
        .enumerate()
        .flat_map(|(i, h)| {
            h.json()
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |e| (i, e))
        })
        .collect()
}

fn find_event(hits: &[Hit], kind: &str, id: &str) -> Option<(usize, Value)> {
    cloud_events(hits)
        .into_iter()
        .find(|(_, e)| e["type"] == kind && e["intuitentityid"] == id)
}

fn assert_signed(hit: &Hit) {
    assert_eq!(hit.path, "/webhooks/quickbooks");
    assert_eq!(
        hit.signature.as_deref(),
        Some(expected_signature(WEBHOOK_VERIFIER_TOKEN, &hit.body).as_str()),
        "intuit-signature is base64(HMAC-SHA256(verifier token, raw body))"
    );
}

#[tokio::test]
async fn an_invoice_and_its_payment_arrive_as_signed_cloud_events() {
    let sb = Sandbox::start().await;
    let receiver = Receiver::start(200).await;
    let (status, body) = set_webhooks(&sb, json!({ "url": receiver.url })).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["format"], "cloudevents");

    let invoice = sb.invoice("WH-1", "80.00", "").await;
    assert_eq!(invoice.status, 200, "{}", invoice.text);
    let id = invoice.str("Invoice.Id").to_owned();
    let (hit, event) = receiver
        .wait_for("the invoice's created event", |hits| {
            find_event(hits, "qbo.invoice.created.v1", &id)
        })
        .await;
    assert_signed(&receiver.hits()[hit]);
    assert_eq!(event["specversion"], "1.0");
    assert_eq!(event["intuitaccountid"], REALM_ID);
    assert_eq!(event["datacontenttype"], "application/json");
    assert_eq!(event["data"], json!({}));
    assert!(
        event["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("intuit."))
    );
    assert!(event["id"].as_str().is_some_and(|s| s.len() == 36));
    let time = event["time"].as_str().expect("time");
    assert!(time.ends_with('Z') && DateTime::parse_from_rfc3339(time).is_ok());

    let payment = sb
        .post(
            "/payment",
            &format!(
                r#"{{"CustomerRef":{{"value":"1"}},"TotalAmt":30.00,"Line":[{{"Amount":30.00,"LinkedTxn":[{{"TxnId":"{id}","TxnType":"Invoice"}}]}}]}}"#
            ),
        )
        .await;
    assert_eq!(payment.status, 200, "{}", payment.text);
    let payment_id = payment.str("Payment.Id").to_owned();
    let (hit, _) = receiver
        .wait_for("the payment's created event", |hits| {
            find_event(hits, "qbo.payment.created.v1", &payment_id)
        })
        .await;
    assert_signed(&receiver.hits()[hit]);
    receiver
        .wait_for("the paid invoice's updated event", |hits| {
            find_event(hits, "qbo.invoice.updated.v1", &id)
        })
        .await;
    assert!(
        cloud_events(&receiver.hits())
            .iter()
            .all(|(_, e)| e["type"] != "qbo.taxcode.created.v1"),
        "TaxCode/TaxRate are never notified"
    );
}

#[tokio::test]
async fn the_legacy_format_names_realm_entity_and_operation() {
    let sb = Sandbox::start().await;
    let receiver = Receiver::start(200).await;
    let (status, body) =
        set_webhooks(&sb, json!({ "url": receiver.url, "format": "legacy" })).await;
    assert_eq!(status, 200, "{body}");
    let id = sb
        .invoice("WH-L", "12.00", "")
        .await
        .str("Invoice.Id")
        .to_owned();
    let (hit, entity) = receiver
        .wait_for("a legacy notification", |hits| {
            hits.iter().enumerate().find_map(|(i, h)| {
                let body = h.json();
                let note = &body["eventNotifications"][0];
                (note["realmId"] == REALM_ID).then_some(())?;
                note["dataChangeEvent"]["entities"]
                    .as_array()?
                    .iter()
                    .find(|e| e["name"] == "Invoice" && e["id"] == id.as_str())
                    .map(|e| (i, e.clone()))
            })
        })
        .await;
    assert_signed(&receiver.hits()[hit]);
    assert_eq!(entity["operation"], "Create");
    let updated = entity["lastUpdated"].as_str().expect("lastUpdated");
    assert!(
        DateTime::parse_from_str(updated, "%Y-%m-%dT%H:%M:%S%z").is_ok(),
        "{updated} is shaped like 2015-10-05T14:42:19-0700"
    );
}

fn at(status: &Value, key: &str) -> DateTime<Utc> {
    status[key]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{key} in {status}"))
}

/// Waits until the emulator recorded at least `attempts` deliveries.
async fn wait_attempts(sb: &Sandbox, attempts: u64) -> Value {
    // The emulator's own status has no notification: it is read until it holds; the deadline
    // only guards against a hang (minutes), it is not what the test measures.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while std::time::Instant::now() < deadline {
        let status = webhook_status(sb).await;
        if status["attempts"].as_u64() >= Some(attempts) {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!(
        "never reached {attempts} attempts: {}",
        webhook_status(sb).await
    );
}

#[tokio::test]
async fn a_failing_receiver_is_retried_on_the_documented_schedule_of_the_sandbox_clock() {
    let sb = Sandbox::start().await;
    let receiver = Receiver::start(500).await;
    set_webhooks(&sb, json!({ "url": receiver.url })).await;
    let id = sb
        .invoice("WH-R", "5.00", "")
        .await
        .str("Invoice.Id")
        .to_owned();

    // The waits after the 1st..5th failure; read from the emulator's own failure count, so
    // a loaded machine whose wall time alone makes a retry due cannot confuse the test.
    let schedule = [10, 20, 30, 300, 1200];
    let mut status = wait_attempts(&sb, 1).await;
    loop {
        let failures = status["in_flight"]["failures"].as_u64().expect("in flight");
        let next = status["in_flight"]["next_attempt_at"]
            .as_str()
            .expect("due");
        let next: DateTime<Utc> = next.parse().expect("a time");
        let wait = schedule[failures as usize - 1];
        assert_eq!((next - at(&status, "last_attempt_at")).num_seconds(), wait);
        if failures == 5 {
            break;
        }
        sb.advance(wait).await;
        status = wait_attempts(&sb, failures + 1).await;
    }
    // A change made while the head fails waits behind it.
    let customer = sb
        .post("/customer", r#"{"DisplayName":"Webhook Retry Customer"}"#)
        .await;
    let customer_id = customer.str("Customer.Id").to_owned();
    receiver.answer(200);
    sb.advance(1200).await;
    wait_attempts(&sb, 6).await;
    let hits = receiver.hits();
    assert!(
        hits[..6].windows(2).all(|w| w[0].body == w[1].body),
        "the same body is retried"
    );
    assert!(find_event(&hits[..6], "qbo.invoice.created.v1", &id).is_some());
    let (later, _) = receiver
        .wait_for("the customer created during the failures", |hits| {
            find_event(hits, "qbo.customer.created.v1", &customer_id)
        })
        .await;
    assert!(
        later >= 6,
        "sent only after the failing body was acknowledged"
    );
    let status = webhook_status(&sb).await;
    assert!(status["delivered"].as_u64() >= Some(2), "{status}");
}

#[tokio::test]
async fn the_control_route_sets_checks_and_clears_the_url() {
    let sb = Sandbox::start().await;
    let (status, _) = set_webhooks(&sb, json!({ "url": "ftp://example" })).await;
    assert_eq!(status, 400);
    let (status, _) = set_webhooks(&sb, json!({ "format": "xml" })).await;
    assert_eq!(status, 400);
    let (status, body) = set_webhooks(&sb, json!({ "url": "http://127.0.0.1:9/" })).await;
    assert_eq!(
        (status, body["url"].as_str()),
        (200, Some("http://127.0.0.1:9"))
    );
    let (_, body) = set_webhooks(&sb, json!({ "format": "legacy" })).await;
    assert_eq!(body["url"], "http://127.0.0.1:9", "a missing url keeps it");
    assert_eq!(body["format"], "legacy");
    let (_, body) = set_webhooks(&sb, json!({ "url": null })).await;
    assert_eq!(body["url"], Value::Null);
    let info: Value = sb
        .http
        .get(format!("{}/_sandbox/info", sb.base()))
        .send()
        .await
        .expect("info")
        .json()
        .await
        .expect("JSON");
    assert_eq!(info["webhook_verifier_token"], WEBHOOK_VERIFIER_TOKEN);
}
