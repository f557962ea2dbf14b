//! Every write body the connector sends is checked against ServiceTitan's published specs,
//! strictly (an undeclared property is refused), before the emulator sees it (issue 21: spec
//! validation of request bodies on every route). A body that does not validate is answered
//! 422 with the errors, so the test that sent it fails where it happened.

use std::sync::OnceLock;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ledgerbridge_emulator::spec_check::SpecValidator;
use serde_json::Value;

fn load(name: &str) -> SpecValidator {
    let path = format!(
        "{}/../emulator-servicetitan/spec/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc = serde_json::from_str(&std::fs::read_to_string(&path).expect("spec file"))
        .expect("spec is JSON");
    SpecValidator::strict(doc, &[]).expect("spec parses")
}

fn accounting() -> &'static SpecValidator {
    static SPEC: OnceLock<SpecValidator> = OnceLock::new();
    SPEC.get_or_init(|| load("tenant-accounting-v2.json"))
}

fn crm() -> &'static SpecValidator {
    static SPEC: OnceLock<SpecValidator> = OnceLock::new();
    SPEC.get_or_init(|| load("tenant-crm-v2.json"))
}

/// The spec, request schema and whether the body is an array of it, for a write to
/// `/{module}/v2/tenant/{t}/{rest}`.
fn schema(
    method: &Method,
    module: &str,
    rest: &[&str],
) -> Option<(&'static SpecValidator, &'static str, bool)> {
    let patch = method == Method::PATCH;
    Some(match (module, rest, patch) {
        ("accounting", ["invoices", "markasexported"], false) => (
            accounting(),
            "Accounting.V2.MarkInvoiceAsExportedUpdateRequest",
            true,
        ),
        ("accounting", ["invoices"], false) => (
            accounting(),
            "Accounting.V2.AdjustmentInvoiceCreateRequest",
            false,
        ),
        ("accounting", ["invoices", _], true) => {
            (accounting(), "Accounting.V2.InvoiceUpdateRequest", false)
        }
        ("accounting", ["invoices", _, "items"], true) => (
            accounting(),
            "Accounting.V2.InvoiceItemUpdateRequest",
            false,
        ),
        ("accounting", ["payments"], false) => {
            (accounting(), "Accounting.V2.PaymentCreateRequest", false)
        }
        ("accounting", ["payments", "status"], false) => (
            accounting(),
            "Accounting.V2.PaymentStatusBatchRequest",
            false,
        ),
        ("accounting", ["payments", _], true) => {
            (accounting(), "Accounting.V2.PaymentUpdateRequest", false)
        }
        ("crm", ["customers"], false) => (crm(), "Crm.V2.Customers.CreateCustomerRequest", false),
        ("crm", ["customers", _], true) => (crm(), "Crm.V2.Customers.UpdateCustomerRequest", false),
        _ => return None,
    })
}

fn validate(spec: &SpecValidator, name: &str, many: bool, body: &Value) -> Result<(), Vec<String>> {
    match (many, body) {
        (true, Value::Array(items)) => items.iter().try_for_each(|i| spec.validate(name, i)),
        (true, _) => Err(vec!["expected an array".into()]),
        (false, _) => spec.validate(name, body),
    }
}

/// The layer: validates POST/PATCH bodies of the tenant APIs.
pub(crate) async fn gate(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let found = match segments.as_slice() {
        [module, "v2", "tenant", _, rest @ ..] => schema(request.method(), module, rest),
        _ => None,
    };
    let Some((spec, name, many)) = found else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 64 * 1024 * 1024).await.unwrap_or_default();
    if let Ok(json) = serde_json::from_slice::<Value>(&bytes)
        && let Err(errors) = validate(spec, name, many, &json)
    {
        let message = format!("request body of {path} is not a valid {name}: {errors:?}");
        return (StatusCode::UNPROCESSABLE_ENTITY, message).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[test]
fn the_gate_refuses_an_undeclared_property() {
    let (spec, name, many) =
        schema(&Method::POST, "accounting", &["invoices", "markasexported"]).expect("known");
    let good: Value =
        serde_json::json!([{"invoiceId": 1, "externalId": "x", "externalMessage": "m"}]);
    assert_eq!(validate(spec, name, many, &good), Ok(()));
    let bad: Value = serde_json::json!([{"invoiceId": 1, "externalID": "x"}]);
    assert!(validate(spec, name, many, &bad).is_err());
}
