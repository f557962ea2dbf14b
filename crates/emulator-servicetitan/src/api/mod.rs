//! The emulated routes and the helpers they share (ids, JSON bodies, sorting).

pub(crate) mod control;
pub(crate) mod crm;
pub(crate) mod crm_write;
pub(crate) mod invoice_edit;
pub(crate) mod invoices;
pub(crate) mod locations;
pub(crate) mod payments;
pub(crate) mod reference;

use std::cmp::Ordering;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use chrono::{DateTime, Utc};
use ledgerbridge_emulator::{FaultResponses, control_router, with_faults};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth;
use crate::error::{self, ApiError, ApiResult};
use crate::query::{Sort, SortField};
use crate::state::EmulatorState;

/// Most list endpoints document `ids` as "maximum 50".
pub(crate) const MAX_IDS: usize = 50;

pub(crate) fn tenant_id(raw: &str) -> ApiResult<u64> {
    raw.parse()
        .map_err(|_| ApiError::not_found("Tenant not found."))
}

pub(crate) fn parse_id(name: &str, raw: &str) -> ApiResult<i64> {
    raw.parse()
        .map_err(|_| ApiError::validation(name, format!("The value '{raw}' is not valid.")))
}

/// Refuses more than [`MAX_IDS`] ids.
pub(crate) fn check_ids(ids: &Option<Vec<i64>>) -> ApiResult<()> {
    match ids {
        Some(list) if list.len() > MAX_IDS => {
            Err(ApiError::validation("ids", "Maximum 50 ids are allowed."))
        }
        _ => Ok(()),
    }
}

/// Parses a JSON body. A non-JSON `Content-Type` is a 415, as ASP.NET Core answers for a
/// `[FromBody]` parameter (this is what servicepytan's form-encoded `update()` would get).
pub(crate) fn json_body<T: DeserializeOwned>(headers: &HeaderMap, body: &Bytes) -> ApiResult<T> {
    if let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        && !ct.to_ascii_lowercase().contains("json")
    {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type",
        ));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::validation(
            "",
            "A non-empty request body is required.",
        ));
    }
    serde_json::from_slice(body).map_err(|e| ApiError::validation("$", e.to_string()))
}

pub(crate) fn ok<T: Serialize>(value: &T) -> Response {
    axum::Json(value).into_response()
}

/// 200 with no body, for the operations whose spec response has no schema.
pub(crate) fn ok_empty() -> Response {
    StatusCode::OK.into_response()
}

/// A sort key of any record.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Key {
    Int(i64),
    Time(DateTime<Utc>),
    Text(String),
}

/// The sort key of a record that sorts by id, name, creation and modification (customers,
/// locations, reference data).
pub(crate) fn key_of(
    id: i64,
    name: &str,
    created: chrono::DateTime<chrono::Utc>,
    modified: chrono::DateTime<chrono::Utc>,
    f: SortField,
) -> Key {
    match f {
        SortField::Name => Key::Text(name.to_lowercase()),
        SortField::CreatedOn => Key::Time(created),
        SortField::ModifiedOn => Key::Time(modified),
        _ => Key::Int(id),
    }
}

/// Sorts by the requested field, ties broken by id so pages never overlap or skip.
pub(crate) fn sort_records<T>(items: &mut [&T], sort: Sort, key: impl Fn(&T, SortField) -> Key) {
    items.sort_by(|a, b| {
        let order: Ordering = key(a, sort.field)
            .cmp(&key(b, sort.field))
            .then_with(|| key(a, SortField::Id).cmp(&key(b, SortField::Id)));
        if sort.descending {
            order.reverse()
        } else {
            order
        }
    });
}

async fn not_found() -> Response {
    ApiError::not_found("The requested resource was not found.").into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed").into_response()
}

/// The API routes (`/{module}/v2/tenant/{tenant}/...` and `/connect/token`), behind the fault
/// plan, plus `/_sandbox/` (not behind faults, auth or limits).
pub fn router(state: EmulatorState) -> Router {
    const CRM: &str = "/crm/v2/tenant/{tenant}";
    const ACC: &str = "/accounting/v2/tenant/{tenant}";
    const SET: &str = "/settings/v2/tenant/{tenant}";
    let gated = Router::new()
        .route(
            &format!("{CRM}/customers"),
            get(crm::list_customers).post(crm::create_customer),
        )
        .route(
            &format!("{CRM}/customers/{{id}}"),
            get(crm::get_customer).patch(crm::patch_customer),
        )
        .route(
            &format!("{CRM}/customers/contacts"),
            get(crm::list_modified_contacts),
        )
        .route(
            &format!("{CRM}/customers/{{id}}/contacts"),
            get(crm::list_contacts).post(crm::create_contact),
        )
        .route(
            &format!("{CRM}/export/customers"),
            get(crm::export_customers),
        )
        .route(
            &format!("{CRM}/export/customers/contacts"),
            get(crm::export_contacts),
        )
        .route(&format!("{CRM}/locations"), get(locations::list_locations))
        .route(
            &format!("{CRM}/locations/{{id}}"),
            get(locations::get_location),
        )
        .route(
            &format!("{CRM}/export/locations"),
            get(locations::export_locations),
        )
        .route(
            &format!("{ACC}/invoices"),
            get(invoices::list).post(invoice_edit::create_adjustment),
        )
        .route(
            &format!("{ACC}/invoices/markasexported"),
            post(invoices::mark_as_exported),
        )
        .route(
            &format!("{ACC}/invoices/{{id}}"),
            patch(invoice_edit::patch_invoice),
        )
        .route(
            &format!("{ACC}/invoices/{{id}}/items"),
            patch(invoice_edit::patch_items),
        )
        .route(
            &format!("{ACC}/invoices/{{id}}/items/{{item}}"),
            delete(invoice_edit::delete_item),
        )
        .route(
            &format!("{ACC}/export/invoices"),
            get(invoices::export_invoices),
        )
        .route(
            &format!("{ACC}/export/invoice-items"),
            get(invoices::export_items),
        )
        .route(
            &format!("{ACC}/payments"),
            get(payments::list).post(payments::create),
        )
        .route(
            &format!("{ACC}/payments/status"),
            post(payments::update_status),
        )
        .route(&format!("{ACC}/payments/{{id}}"), patch(payments::update))
        .route(&format!("{ACC}/export/payments"), get(payments::export))
        .route(
            &format!("{ACC}/payment-types"),
            get(reference::payment_types),
        )
        .route(
            &format!("{ACC}/payment-types/{{id}}"),
            get(reference::payment_type),
        )
        .route(&format!("{ACC}/tax-zones"), get(reference::tax_zones))
        .route(
            &format!("{ACC}/gl-accounts"),
            get(reference::gl_accounts).post(reference::create_gl_account),
        )
        .route(
            &format!("{ACC}/gl-accounts/{{id}}"),
            get(reference::gl_account).patch(reference::patch_gl_account),
        )
        .route(
            &format!("{SET}/business-units"),
            get(reference::business_units),
        )
        .route(
            &format!("{SET}/business-units/{{id}}"),
            get(reference::business_unit),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), auth::gate))
        .route("/connect/token", post(auth::token))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());
    let faults = state.ctx().faults.clone();
    let api = with_faults(
        gated,
        faults,
        FaultResponses {
            server_error: error::server_error,
            throttled: error::throttled,
        },
    );
    let sandbox =
        control_router(Arc::new(state.clone()), state.ctx().clone()).merge(control::router(state));
    sandbox.merge(api)
}
