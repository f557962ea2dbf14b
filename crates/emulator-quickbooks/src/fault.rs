//! The QuickBooks `Fault` envelope and the documented error codes.
//!
//! Shape: `{"Fault":{"Error":[{"Message","Detail","code","element"}],"type"},"time"}` with
//! `code` a string. The codes and texts come from `shared/api/quickbooks.md` §8 and Intuit's
//! error-code list (developer.intuit.com .../troubleshooting/error-codes). The 401 body has its
//! own lower-case shape ([`unauthorized`]).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};

use crate::json::{Json, Obj};
use crate::obj;
use crate::time::format_envelope_time;

/// One `Error` item.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultError {
    pub code: String,
    pub message: String,
    pub detail: String,
    pub element: String,
}

/// A fault: the HTTP status it travels with, its `type` and its errors.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    pub status: StatusCode,
    pub kind: &'static str,
    pub errors: Vec<FaultError>,
}

impl Fault {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        code: u32,
        message: &str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            kind,
            errors: vec![FaultError {
                code: code.to_string(),
                message: message.to_owned(),
                detail: detail.into(),
                element: String::new(),
            }],
        }
    }

    fn validation(code: u32, message: &str, detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "ValidationFault",
            code,
            message,
            detail,
        )
    }

    /// Names the offending field in `element`.
    pub fn with_element(mut self, element: &str) -> Self {
        if let Some(e) = self.errors.first_mut() {
            e.element = element.to_owned();
        }
        self
    }

    pub fn code(&self) -> &str {
        self.errors.first().map(|e| e.code.as_str()).unwrap_or("")
    }

    /// 5010: the SyncToken sent is not the current one.
    pub fn stale(kind: &str, id: &str) -> Self {
        Self::validation(
            5010,
            "Stale Object Error",
            format!(
                "Stale Object Error : You and another user were working on the same thing ({kind} Id={id}). \
                 The other user finished before you did, so your work was not saved."
            ),
        )
    }

    /// 6240: the name is taken (customers share one name space with vendors and employees).
    pub fn duplicate_name(existing_id: &str) -> Self {
        Self::validation(
            6240,
            "Duplicate Name Exists Error",
            format!(
                "The name supplied already exists. : Another customer, vendor or employee is already using this name. \
                 Please use a different name. Id={existing_id}"
            ),
        )
        .with_element("DisplayName")
    }

    /// 6140: the document number is used by another sales form.
    pub fn duplicate_doc_number(doc: &str, txn_type: &str, txn_id: &str) -> Self {
        Self::validation(
            6140,
            "Duplicate Document Number Error",
            format!(
                "Duplicate Document Number Error : You must specify a different number. This number has already been used. \
                 DocNumber={doc} is assigned to TxnType={txn_type} with TxnId={txn_id}"
            ),
        )
        .with_element("DocNumber")
    }

    /// 610 for an id that does not exist (or was deleted).
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::validation(
            610,
            "Object Not Found",
            format!("Object Not Found : {kind} with Id={id} does not exist"),
        )
    }

    /// 610 for a reference to an inactive or missing name-list object.
    pub fn inactive_reference(element: &str) -> Self {
        Self::validation(
            610,
            "Object Not Found",
            "Object Not Found : Something you're trying to use has been made inactive. \
             Check the fields with accounts, customers, items, vendors or employees.",
        )
        .with_element(element)
    }

    /// 4000: the statement does not parse.
    pub fn query_parse(detail: impl std::fmt::Display) -> Self {
        Self::validation(
            4000,
            "Error parsing query",
            format!("QueryParserError: {detail}"),
        )
    }

    /// 4001: the statement parses but is not allowed.
    pub fn query_invalid(detail: impl std::fmt::Display) -> Self {
        Self::validation(
            4001,
            "Invalid query",
            format!("QueryValidationError: {detail}"),
        )
    }

    pub fn required(field: &str) -> Self {
        Self::validation(
            2020,
            "Required param missing, need to supply the required value for the API",
            format!("Required parameter {field} is missing in the request"),
        )
        .with_element(field)
    }

    pub fn invalid_number(field: &str) -> Self {
        Self::validation(
            2080,
            "Invalid Number Format",
            format!("Illegal number format: {field}"),
        )
        .with_element(field)
    }

    pub fn invalid_date(field: &str, value: &str) -> Self {
        Self::validation(2070, "Invalid Date", format!("Supplied value: {value}"))
            .with_element(field)
    }

    pub fn length(field: &str, max: usize, supplied: usize) -> Self {
        Self::validation(
            2050,
            "String length is either shorter or longer than supported by specification",
            format!("String length specified does not match the supported length. Min:0 Max:{max} supplied length:{supplied}"),
        )
        .with_element(field)
    }

    pub fn invalid_enum(field: &str, value: &str) -> Self {
        Self::validation(2170, "Invalid Enumeration", format!("Invalid Enum {value}"))
            .with_element(field)
    }

    pub fn invalid_object_name(name: &str) -> Self {
        Self::validation(
            2000,
            "Invalid or unsupported object name",
            format!("Object Name: {name}"),
        )
    }

    pub fn invalid_request(detail: impl Into<String>) -> Self {
        Self::validation(2010, "Request has invalid or unsupported property", detail)
    }

    /// 500: the entity does not support the operation.
    pub fn unsupported(operation: &str) -> Self {
        Self::validation(
            500,
            "Unsupported Operation",
            format!("Operation {operation} is not supported."),
        )
    }

    /// 6000: a business rule refused the write.
    pub fn business(detail: impl std::fmt::Display) -> Self {
        Self::validation(
            6000,
            "A business validation error has occurred while processing your request",
            format!("Business Validation Error: {detail}"),
        )
    }

    /// 6200: the transaction is dated on or before the books' closing date.
    pub fn period_closed(txn_date: NaiveDate, close: NaiveDate) -> Self {
        Self::validation(
            6200,
            "Account Period Closed",
            format!(
                "The account period has closed. TxnDate={txn_date} is on or before the closing date {close}; \
                 change the closing date in QuickBooks to post here."
            ),
        )
        .with_element("TxnDate")
    }

    pub fn amount_calculation(supplied: &str, calculated: &str) -> Self {
        Self::validation(
            6070,
            "Amount calculation incorrect in the request",
            format!("Amount is not equal to UnitPrice * Qty. Supplied value:{supplied}, Calculated value:{calculated}"),
        )
        .with_element("Amount")
    }

    pub fn no_name() -> Self {
        Self::validation(
            6080,
            "No Name Provided",
            "Fill out values for at least one of the following: Title, GivenName, MiddleName, FamilyName, DisplayName, Suffix.",
        )
    }

    pub fn discount_line() -> Self {
        Self::validation(
            6090,
            "Discount Line missing required info",
            "A discount amount or percent is required.",
        )
    }

    pub fn line_tax_code(value: &str) -> Self {
        Self::validation(
            6100,
            "Invalid Line TaxCode in the request",
            format!(
                "The TaxCode value isn't valid. For US, specify TAX or NON. Supplied value: {value}"
            ),
        )
        .with_element("TaxCodeRef")
    }

    pub fn batch_too_large(max: usize) -> Self {
        Self::validation(
            1040,
            "Batch size exceeds allowed limit",
            format!("Batch size exceeds allowed limit: {max}"),
        )
    }

    /// 403: the token may not act on this company.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "AuthorizationFault",
            120,
            "Authorization Failure",
            "AuthorizationFailure: the access token is not authorized for this company, statusCode: 403",
        )
    }

    /// 429 with code 3001 (`type` as observed: `SERVICE`).
    pub fn throttled() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "SERVICE",
            3001,
            "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            "The request limit was reached.  Try again later",
        )
    }

    /// 500 with code 10000.
    pub fn system() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SystemFault",
            10000,
            "An application error has occurred while processing your request",
            "System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again.",
        )
    }

    /// `{"Error":[..],"type":..}` (the value under `Fault`, also used in batch items).
    pub fn to_obj(&self) -> Obj {
        let errors: Vec<Json> = self
            .errors
            .iter()
            .map(|e| {
                Json::Obj(obj! {
                    "Message" => e.message.as_str(),
                    "Detail" => e.detail.as_str(),
                    "code" => e.code.as_str(),
                    "element" => e.element.as_str(),
                })
            })
            .collect();
        obj! { "Error" => Json::Arr(errors), "type" => self.kind }
    }

    /// The full response: `{"Fault":..,"time":..}` with this fault's status.
    pub fn response(&self, now: DateTime<Utc>) -> Response {
        let body = obj! { "Fault" => self.to_obj(), "time" => format_envelope_time(now) };
        json_response(self.status, &Json::Obj(body))
    }
}

/// A JSON response from an exact tree.
pub fn json_response(status: StatusCode, body: &Json) -> Response {
    (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/json;charset=UTF-8",
        )],
        body.to_text(),
    )
        .into_response()
}

/// `{"<key>": value, "time": now}` with status 200.
pub fn envelope(now: DateTime<Utc>, key: &str, value: Json) -> Response {
    let body = obj! { key => value, "time" => format_envelope_time(now) };
    json_response(StatusCode::OK, &Json::Obj(body))
}

/// The 401 in its own lower-case shape (captured in routablehq/python-quickbooks#250), with
/// `time` in epoch milliseconds as captured.
pub fn unauthorized(detail: &str, now: DateTime<Utc>) -> Response {
    let error = obj! {
        "message" => "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        "detail" => detail,
        "code" => "3200",
        "element" => Json::Null,
    };
    let body = obj! {
        "warnings" => Json::Null,
        "intuitObject" => Json::Null,
        "fault" => obj! { "error" => Json::Arr(vec![Json::Obj(error)]), "type" => "AUTHENTICATION" },
        "report" => Json::Null,
        "queryResponse" => Json::Null,
        "batchItemResponse" => Json::Arr(vec![]),
        "attachableResponse" => Json::Arr(vec![]),
        "syncErrorResponse" => Json::Null,
        "requestId" => Json::Null,
        "time" => Json::int(now.timestamp_millis()),
        "status" => Json::Null,
        "cdcresponse" => Json::Arr(vec![]),
    };
    let mut response = json_response(StatusCode::UNAUTHORIZED, &Json::Obj(body));
    response.headers_mut().insert(
        axum::http::header::WWW_AUTHENTICATE,
        axum::http::HeaderValue::from_static("Bearer realm=\"Intuit\", error=\"invalid_token\""),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_envelope_has_string_codes_and_the_element() {
        let fault = Fault::stale("Invoice", "12");
        let text = Json::Obj(fault.to_obj()).to_text();
        assert!(
            text.starts_with(r#"{"Error":[{"Message":"Stale Object Error""#),
            "{text}"
        );
        assert!(text.contains(r#""code":"5010""#));
        assert_eq!(fault.status, StatusCode::BAD_REQUEST);
        assert_eq!(Fault::duplicate_name("4").errors[0].element, "DisplayName");
        assert_eq!(Fault::throttled().status, StatusCode::TOO_MANY_REQUESTS);
    }
}
