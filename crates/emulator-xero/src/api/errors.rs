//! Xero's error shapes: 404 as plain text, 401/403 as PascalCase problem JSON, 400
//! `ValidationException` (ErrorNumber 10) with the offending elements, other 400s in the same
//! ApiException shape, 429 and the injected 5xx.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::wire::{Json, Obj};

pub(crate) const JSON_TYPE: &str = "application/json; charset=utf-8";

/// A JSON response from the lossless tree (amounts keep their exact text).
pub(crate) fn json_response(status: StatusCode, body: &Json) -> Response {
    let mut response = (status, body.to_text()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_TYPE));
    response
}

fn text(status: StatusCode, body: &'static str) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// Xero's 404: plain text, not JSON (Xero-OpenAPI#163, "Wontfix").
pub(crate) fn not_found() -> Response {
    text(
        StatusCode::NOT_FOUND,
        "The resource you're looking for cannot be found",
    )
}

/// 405 for a known resource and a method it does not support.
pub(crate) fn method_not_allowed() -> Response {
    text(
        StatusCode::METHOD_NOT_ALLOWED,
        "The requested method is not supported by this resource",
    )
}

/// 406: the real API would answer in XML; the sandbox only speaks JSON (see crate docs).
pub(crate) fn not_acceptable() -> Response {
    text(
        StatusCode::NOT_ACCEPTABLE,
        "The Xero sandbox only serves JSON: send Accept: application/json (the real API answers XML without it)",
    )
}

/// The RFC-7807-like body of Xero's 401/403/429.
pub(crate) fn problem(status: StatusCode, detail: &str) -> Response {
    let title = match status {
        StatusCode::UNAUTHORIZED => "Unauthorized",
        StatusCode::FORBIDDEN => "Forbidden",
        StatusCode::TOO_MANY_REQUESTS => "Too Many Requests",
        _ => "Error",
    };
    let body = Obj::new()
        .j("Type", Json::Null)
        .s("Title", title)
        .int("Status", i64::from(status.as_u16()))
        .s("Detail", detail)
        .s("Instance", Uuid::new_v4().to_string())
        .j("Extensions", Json::Obj(Vec::new()))
        .build();
    json_response(status, &body)
}

pub(crate) fn forbidden() -> Response {
    problem(StatusCode::FORBIDDEN, "AuthenticationUnsuccessful")
}

/// 400 in Xero's ApiException shape for errors that are not about one element.
pub(crate) fn api_exception(number: i64, kind: &str, message: &str) -> Response {
    let body = Obj::new()
        .int("ErrorNumber", number)
        .s("Type", kind)
        .s("Message", message)
        .build();
    json_response(StatusCode::BAD_REQUEST, &body)
}

/// 400 `ValidationException` listing the offending elements (each with `ValidationErrors`).
pub(crate) fn validation_exception(elements: Vec<Json>) -> Response {
    let body = Obj::new()
        .int("ErrorNumber", 10)
        .s("Type", "ValidationException")
        .s("Message", "A validation exception occurred")
        .arr("Elements", elements)
        .build();
    json_response(StatusCode::BAD_REQUEST, &body)
}

/// A request body that is not JSON (or not the expected shape).
pub(crate) fn bad_body(detail: &str) -> Response {
    api_exception(
        14,
        "PostDataInvalidException",
        &format!("The request body could not be read: {detail}"),
    )
}

/// The injected 5xx (fault plan): Xero's documented 503 text.
pub(crate) fn server_error() -> Response {
    text(
        StatusCode::SERVICE_UNAVAILABLE,
        "The Xero API is temporarily unavailable",
    )
}

/// A 429 with Xero's headers; `problem` is the `X-Rate-Limit-Problem` value.
pub(crate) fn throttled_with(problem_name: &'static str, retry_after: u64) -> Response {
    let mut response = problem(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("Rate limit exceeded: {problem_name}"),
    );
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    headers.insert(
        "X-Rate-Limit-Problem",
        HeaderValue::from_static(problem_name),
    );
    response
}

/// The injected throttle (fault plan) looks like the minute limit.
pub(crate) fn throttled(retry_after: u64) -> Response {
    throttled_with("minute", retry_after)
}
