//! Idempotency-Key inside and after its window.

use ledgerbridge_emulator::LimitMode;
use reqwest::Method;

use crate::helpers::{Sandbox, invoice_json};

#[tokio::test]
async fn same_key_replays_inside_the_window_and_runs_anew_after_it() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let contact = sb.contact_id("Café Olé").await;
    // No InvoiceNumber: a second real run would get a new number and a new id.
    let body = format!(
        r#"{{"Invoices":[{}]}}"#,
        invoice_json(&contact, "", "50.00", "210").replace(r#""InvoiceNumber":"","#, "")
    );
    let key = [("Idempotency-Key", "0192f3a4-idem-key-1")];
    let first = sb.call(Method::PUT, "/Invoices", Some(&body), &key).await;
    assert_eq!(first.status, 200, "{}", first.text);
    sb.advance(5 * 60);
    let replay = sb.call(Method::PUT, "/Invoices", Some(&body), &key).await;
    assert_eq!(
        replay.text, first.text,
        "the original response, byte for byte"
    );
    let different = sb
        .call(
            Method::PUT,
            "/Invoices",
            Some(&body.replace("50.00", "51.00")),
            &key,
        )
        .await;
    assert_eq!(different.status, 400);
    assert_eq!(different.json()["Type"], "ValidationException");
    // Past 6 minutes from the first call the key is new again: a second invoice.
    sb.advance(2 * 60);
    let again = sb.call(Method::PUT, "/Invoices", Some(&body), &key).await;
    assert_eq!(again.status, 200);
    let (a, b) = (first.json(), again.json());
    assert_ne!(a["Invoices"][0]["InvoiceID"], b["Invoices"][0]["InvoiceID"]);
    assert_ne!(
        a["Invoices"][0]["InvoiceNumber"],
        b["Invoices"][0]["InvoiceNumber"]
    );
    let long = "k".repeat(129);
    let too_long = sb
        .call(
            Method::PUT,
            "/Invoices",
            Some(&body),
            &[("Idempotency-Key", long.as_str())],
        )
        .await;
    assert_eq!(too_long.status, 400);
}
