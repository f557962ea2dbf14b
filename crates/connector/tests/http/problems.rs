//! Failed responses: RFC 7807 bodies and vendor problem parsers, classified by the layer.

use std::time::Duration;

use http::Method;
use ledgerbridge_connector::{ApiRequest, ConnectorError, Idempotency, RemoteProblem};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{layer, mount_token, provider, url};

#[tokio::test]
async fn rfc7807_errors_surface_with_their_trace_id_and_are_not_retried() {
    let server = MockServer::start().await;
    mount_token(&server, 900).await;
    Mock::given(method("PATCH"))
        .and(path("/invoices/5"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "type": "https://tools.ietf.org/html/rfc7231#section-6.5.1",
            "title": "One or more validation errors occurred.", "status": 400,
            "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
            "errors": {"Summary": ["too long"]}, "data": {}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let layer = layer();
    let auth = provider(&server, &layer);
    let request = ApiRequest::json(
        "patch invoice",
        Method::PATCH,
        url(&server, "/invoices/5"),
        "t1",
        &json!({"summary": "x"}),
        Idempotency::Idempotent,
    )
    .unwrap();
    let err = layer.send(&auth, &request).await.unwrap_err();
    let ConnectorError::Validation { problem } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(problem.errors["Summary"], vec!["too long".to_owned()]);
    assert_eq!(
        err.trace_id(),
        Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
    );
}

/// A vendor that is not RFC 7807 (Xero's `ValidationException`, `X-Rate-Limit-Problem`).
fn pascal_case_problem(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    trace_id: Option<String>,
) -> RemoteProblem {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    RemoteProblem {
        status,
        title: value["Message"].as_str().map(str::to_owned),
        kind: headers
            .get("x-rate-limit-problem")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        trace_id,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_vendor_problem_parser_reads_failed_bodies_and_headers_while_classification_stays() {
    let server = MockServer::start().await;
    mount_token(&server, 3600).await;
    Mock::given(method("PUT"))
        .and(path("/api.xro/2.0/Invoices"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api.xro/2.0/Invoices"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3000")
                .insert_header("x-rate-limit-problem", "day"),
        )
        .mount(&server)
        .await;
    let layer = layer().with_problem_parser(pascal_case_problem);
    let auth = provider(&server, &layer);

    let body = json!({ "Invoices": [] });
    let put = ApiRequest::json(
        "create invoices",
        Method::PUT,
        url(&server, "/api.xro/2.0/Invoices"),
        "tenant-1",
        &body,
        Idempotency::Keyed("key-1".into()),
    )
    .unwrap();
    match layer.send(&auth, &put).await {
        Err(ConnectorError::Validation { problem }) => {
            assert_eq!(
                problem.title.as_deref(),
                Some("A validation exception occurred")
            );
        }
        other => panic!("expected a validation error, got {other:?}"),
    }

    let get = ApiRequest::get(
        "list invoices",
        url(&server, "/api.xro/2.0/Invoices"),
        "tenant-1",
    );
    match layer.send(&auth, &get).await {
        Err(e @ ConnectorError::RateLimited { .. }) => {
            assert_eq!(e.problem().and_then(|p| p.kind.as_deref()), Some("day"));
            assert_eq!(e.retry_after(), Some(Duration::from_secs(3000)));
        }
        other => panic!("expected rate limited, got {other:?}"),
    }
}
