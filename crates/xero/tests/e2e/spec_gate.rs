//! Every write body the connector sends is checked against Xero's OpenAPI schemas, strictly
//! (an undeclared property is refused), before the emulator sees it: a misspelled or
//! mis-nested field fails the connector's tests here instead of being ignored in production.
//! A body that does not validate is answered 422 with the errors, so the test that sent it
//! fails where it happened.

use std::sync::OnceLock;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledgerbridge_emulator::spec_check::SpecValidator;
use serde_json::Value;

fn spec() -> &'static SpecValidator {
    static SPEC: OnceLock<SpecValidator> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../emulator-xero/spec/xero_accounting.schemas.json"
        ))
        .expect("the Xero spec (emulator-xero/spec)");
        let doc = serde_json::from_str(&text).expect("spec is JSON");
        SpecValidator::strict(doc, &[]).expect("valid OpenAPI")
    })
}

/// The (wrapper, element) schemas of a write to `segments` (after `/api.xro/2.0/`).
fn schemas(segments: &[&str]) -> Option<(&'static str, &'static str)> {
    let resource = segments.first()?.to_ascii_lowercase();
    Some(match (resource.as_str(), segments.len()) {
        ("invoices", 1 | 2) => ("Invoices", "Invoice"),
        ("creditnotes", 1 | 2) => ("CreditNotes", "CreditNote"),
        ("creditnotes", 3) => ("Allocations", "Allocation"),
        ("payments", 1) => ("Payments", "Payment"),
        ("payments", 2) => ("PaymentDelete", "PaymentDelete"),
        ("contacts", 1 | 2) => ("Contacts", "Contact"),
        ("items", 1 | 2) => ("Items", "Item"),
        _ => return None,
    })
}

/// The layer: validates PUT/POST bodies of the accounting API.
pub(crate) async fn gate(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let writes = matches!(*request.method(), Method::PUT | Method::POST);
    let Some(rest) = path.strip_prefix("/api.xro/2.0/").filter(|_| writes) else {
        return next.run(request).await;
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let Some((wrapper, element)) = schemas(&segments) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    if let Ok(json) = serde_json::from_slice::<Value>(&bytes) {
        let wrapped = json
            .as_object()
            .is_some_and(|o| o.contains_key(wrapper) || wrapper == "PaymentDelete");
        let schema = if wrapped { wrapper } else { element };
        if let Err(errors) = spec().validate(schema, &json) {
            let message = format!("request body of {path} is not a valid {schema}: {errors:?}");
            return (StatusCode::UNPROCESSABLE_ENTITY, message).into_response();
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[test]
fn the_gate_refuses_an_undeclared_property() {
    let good: Value = serde_json::json!({"Invoices": [{"Type": "ACCREC", "Reference": "x"}]});
    assert_eq!(spec().validate("Invoices", &good), Ok(()));
    let bad: Value = serde_json::json!({"Invoices": [{"Type": "ACCREC", "Refrence": "x"}]});
    assert!(spec().validate("Invoices", &bad).is_err());
    assert_eq!(
        schemas(&["CreditNotes", "id", "Allocations"]),
        Some(("Allocations", "Allocation"))
    );
}
