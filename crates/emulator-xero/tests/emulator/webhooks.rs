//! Outgoing webhooks: intent to receive first, then signed events; payments as INVOICE UPDATEs.

use ledgerbridge_emulator::LimitMode;
use ledgerbridge_emulator_xero::{WEBHOOK_KEY, XERO_TENANT_ID};
use serde_json::{Value, json};

use crate::helpers::{Sandbox, invoice_json};
use crate::receiver::{Hit, Receiver};

async fn set_webhooks(sb: &Sandbox, body: Value) -> (u16, Value) {
    let response = sb
        .http
        .post(sb.url("/_sandbox/webhooks"))
        .json(&body)
        .send()
        .await
        .expect("control");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

async fn webhook_status(sb: &Sandbox) -> Value {
    sb.http
        .get(sb.url("/_sandbox/webhooks"))
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("JSON")
}

/// Waits until `test` holds for the emulator's webhook status.
async fn wait_status(sb: &Sandbox, what: &str, test: impl Fn(&Value) -> bool) -> Value {
    // The emulator's own status has no notification: it is read until it holds; the deadline
    // only guards against a hang (minutes), it is not what the test measures.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    while std::time::Instant::now() < deadline {
        let status = webhook_status(sb).await;
        if test(&status) {
            return status;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("never {what}: {}", webhook_status(sb).await);
}

async fn create_invoice(sb: &Sandbox, number: &str) -> String {
    let contact = sb.contact_id("Café Olé").await;
    let reply = sb
        .put(
            "/Invoices",
            &invoice_json(&contact, number, "100.00", "200"),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["Invoices"][0]["InvoiceID"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// The events of every hit, with the hit's index.
fn events(hits: &[Hit]) -> Vec<(usize, Value)> {
    hits.iter()
        .enumerate()
        .flat_map(|(i, h)| {
            h.json()["events"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(move |e| (i, e))
        })
        .collect()
}

fn find(hits: &[Hit], category: &str, kind: &str, id: &str) -> Option<(usize, Value)> {
    events(hits).into_iter().find(|(_, e)| {
        e["eventCategory"] == category && e["eventType"] == kind && e["resourceId"] == id
    })
}

#[tokio::test]
async fn a_verifying_receiver_passes_intent_to_receive_then_gets_signed_events() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let receiver = Receiver::verifying().await;
    let (status, body) = set_webhooks(&sb, json!({ "url": receiver.url })).await;
    assert_eq!(status, 200, "{body}");
    wait_status(&sb, "passed intent to receive", |s| {
        s["intent_to_receive"]["passed"] == true
    })
    .await;
    let probes = receiver.hits();
    assert!(
        probes
            .iter()
            .all(|h| h.is_probe() && h.path == "/webhooks/xero")
    );
    assert!(probes.iter().any(Hit::correctly_signed));
    assert!(probes.iter().any(|h| !h.correctly_signed()));
    for probe in &probes {
        let body = probe.json();
        assert_eq!(
            (&body["firstEventSequence"], &body["lastEventSequence"]),
            (&json!(0), &json!(0))
        );
        assert!(body["entropy"].as_str().is_some_and(|e| !e.is_empty()));
    }

    let id = create_invoice(&sb, "WH-X1").await;
    let (hit, event) = receiver
        .wait_for("the invoice's CREATE", |hits| {
            find(hits, "INVOICE", "CREATE", &id)
        })
        .await;
    let delivery = &receiver.hits()[hit];
    assert!(
        delivery.correctly_signed(),
        "x-xero-signature = base64(HMAC-SHA256(body, key))"
    );
    assert_eq!(event["tenantId"], XERO_TENANT_ID);
    assert_eq!(event["tenantType"], "ORGANISATION");
    let resource = event["resourceUrl"].as_str().expect("resourceUrl");
    assert_eq!(resource, sb.url(&format!("/api.xro/2.0/Invoices/{id}")));
    let date = event["eventDateUtc"].as_str().expect("eventDateUtc");
    assert!(chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%S%.3f").is_ok());
    let body = delivery.json();
    let (first, last) = (
        body["firstEventSequence"].as_u64().expect("first"),
        body["lastEventSequence"].as_u64().expect("last"),
    );
    assert!(first >= 1);
    assert_eq!(
        last + 1 - first,
        body["events"].as_array().expect("events").len() as u64
    );

    // A payment: Xero has no payment category, the paid invoice is UPDATEd.
    let payment = format!(
        r#"{{"Payments":[{{"Invoice":{{"InvoiceID":"{id}"}},"Account":{{"Code":"090"}},"Date":"2026-10-12","Amount":40.00}}]}}"#
    );
    let reply = sb.put("/Payments", &payment).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let (later, _) = receiver
        .wait_for("the paid invoice's UPDATE", |hits| {
            find(hits, "INVOICE", "UPDATE", &id)
        })
        .await;
    assert!(later > hit);
    assert!(receiver.hits()[later].correctly_signed());
    assert!(events(&receiver.hits()).iter().all(|(_, e)| {
        ["INVOICE", "CONTACT", "CREDITNOTE"]
            .contains(&e["eventCategory"].as_str().unwrap_or_default())
    }));
}

#[tokio::test]
async fn a_receiver_that_accepts_bad_signatures_never_gets_events() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let receiver = Receiver::answering(200).await;
    set_webhooks(&sb, json!({ "url": receiver.url })).await;
    let id = create_invoice(&sb, "WH-X2").await;
    let failed = wait_status(&sb, "failed intent to receive", |s| {
        s["intent_to_receive"]["failures"].as_u64() >= Some(1)
    })
    .await;
    assert_eq!(failed["intent_to_receive"]["passed"], false);
    // The series repeats on the sandbox clock, and still sends no event.
    let runs = failed["intent_to_receive"]["runs"].as_u64().expect("runs");
    sb.advance(10);
    wait_status(&sb, "repeated the series", |s| {
        s["intent_to_receive"]["runs"].as_u64() > Some(runs)
    })
    .await;
    assert!(
        receiver.hits().iter().all(Hit::is_probe),
        "no event before the receiver passes"
    );

    // Fixed receiver: the next series passes and the waiting event follows.
    receiver.verify();
    sb.advance(60);
    receiver
        .wait_for("the invoice's CREATE after the series passed", |hits| {
            find(hits, "INVOICE", "CREATE", &id)
        })
        .await;
}

#[tokio::test]
async fn a_failing_delivery_is_retried_on_the_sandbox_clock() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let receiver = Receiver::verifying().await;
    set_webhooks(&sb, json!({ "url": receiver.url })).await;
    wait_status(&sb, "passed intent to receive", |s| {
        s["intent_to_receive"]["passed"] == true
    })
    .await;
    // The receiver breaks after verification: every POST gets a 503.
    receiver.answer(503);
    let contact = sb.contact_id("Café Olé").await;
    let reply = sb
        .post(
            &format!("/Contacts/{contact}"),
            r#"{"Contacts":[{"EmailAddress":"webhooks@example.com"}]}"#,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let failed = wait_status(&sb, "failed a delivery", |s| {
        s["in_flight"]["failures"].as_u64() >= Some(1)
    })
    .await;
    // The wait after the n-th failure, read from the emulator's own count (on a loaded
    // machine wall time alone may already have made a retry due).
    let failures = failed["in_flight"]["failures"].as_u64().expect("failures") as usize;
    let time = |v: &Value| -> chrono::DateTime<chrono::Utc> {
        v.as_str().and_then(|t| t.parse().ok()).expect("a time")
    };
    let wait = time(&failed["in_flight"]["next_attempt_at"]) - time(&failed["last_attempt_at"]);
    assert_eq!(
        wait.num_seconds(),
        [10, 30, 60, 300][failures - 1],
        "{failed}"
    );
    receiver.verify();
    sb.advance(60);
    wait_status(&sb, "delivered the retried body", |s| {
        s["delivered"].as_u64() >= Some(1)
    })
    .await;
    let (hit, _) = find(&receiver.hits(), "CONTACT", "UPDATE", &contact).expect("sent");
    let hits = receiver.hits();
    let copies: Vec<&Hit> = hits[hit..]
        .iter()
        .filter(|h| h.body == hits[hit].body)
        .collect();
    assert!(
        copies.len() >= 2,
        "the failed body is sent again, unchanged"
    );
    assert!(copies.iter().all(|h| h.correctly_signed()));
}

#[tokio::test]
async fn the_control_route_checks_its_body_and_info_names_the_key() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let (status, _) = set_webhooks(&sb, json!({ "url": "nope" })).await;
    assert_eq!(status, 400);
    let (status, _) = set_webhooks(&sb, json!({ "format": "legacy" })).await;
    assert_eq!(status, 400, "Xero has one format");
    let (status, body) = set_webhooks(&sb, json!({ "url": "http://127.0.0.1:9" })).await;
    assert_eq!(
        (status, body["url"].as_str()),
        (200, Some("http://127.0.0.1:9"))
    );
    let (_, body) = set_webhooks(&sb, json!({ "url": null })).await;
    assert_eq!(body["url"], Value::Null);
    assert_eq!(sb.state.info()["webhook_key"], WEBHOOK_KEY);
}
