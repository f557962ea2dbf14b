//! Batched writes: `{"Invoices": [...]}` (or a bare element), each element validated and saved
//! on its own, and Xero's two error modes. With `summarizeErrors=false`: 200 and every element
//! with `StatusAttributeString` OK / WARNING / ERROR. Without it (Xero's real default, whatever
//! the spec says): any invalid element makes the request a 400 `ValidationException` listing the
//! invalid elements, while the valid ones are still saved (non-transactional, as reported).

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::errors::{bad_body, json_response, validation_exception};
use super::render::envelope;
use crate::wire::{Json, Obj};

/// The outcome of one element.
pub(crate) enum Outcome {
    /// Saved; the rendered record and any warnings.
    Saved(Json, Vec<String>),
    /// Not saved; the messages.
    Invalid(Vec<String>),
}

/// How a batch is being written.
#[derive(Clone, Debug)]
pub(crate) struct WriteOpts {
    pub(crate) now: DateTime<Utc>,
    pub(crate) unitdp: u32,
    pub(crate) summarize: bool,
    /// PUT: create only.
    pub(crate) create_only: bool,
    /// `POST /Resource/{id}`: the record named in the path.
    pub(crate) path_id: Option<String>,
}

/// The elements of a write body: the plural key's array, or one bare object.
pub(crate) fn elements(body: &[u8], key: &str) -> Result<Vec<Json>, Response> {
    let text = std::str::from_utf8(body).map_err(|_| bad_body("not UTF-8"))?;
    if text.trim().is_empty() {
        return Err(bad_body("the body is empty"));
    }
    let json = Json::parse(text).map_err(|e| bad_body(&e))?;
    match &json {
        Json::Obj(_) => match json.get(key) {
            Some(Json::Arr(items)) => Ok(items.clone()),
            Some(other @ Json::Obj(_)) => Ok(vec![other.clone()]),
            Some(_) => Err(bad_body(&format!("{key} must be an array"))),
            None => Ok(vec![json.clone()]),
        },
        Json::Arr(items) => Ok(items.clone()),
        _ => Err(bad_body("expected a JSON object")),
    }
}

fn messages(list: &[String]) -> Json {
    Json::Arr(
        list.iter()
            .map(|m| Obj::new().s("Message", m.clone()).build())
            .collect(),
    )
}

/// Whether a saved element of a `key` batch carries `StatusAttributeString: OK`: only the
/// entities whose schema in Xero's OpenAPI document declares it (Invoice, CreditNote,
/// Payment, Contact, Item, Allocation); TaxRate, Account and the tracking schemas do not, and
/// no recording shows otherwise (issue 21: responses validated strictly).
fn carries_status_attribute(key: &str) -> bool {
    matches!(
        key,
        "Invoices" | "CreditNotes" | "Payments" | "Contacts" | "Items" | "Allocations"
    )
}

/// Builds the response of a batch: `key` is the plural name, `error_flag` the entity's error
/// boolean (`HasErrors` on invoices and credit notes, `HasValidationErrors` elsewhere).
pub(crate) fn respond(
    key: &str,
    error_flag: &str,
    results: Vec<(Json, Outcome)>,
    opts: &WriteOpts,
) -> Response {
    let any_invalid = results
        .iter()
        .any(|(_, o)| matches!(o, Outcome::Invalid(_)));
    if opts.summarize && any_invalid {
        let elements = results
            .into_iter()
            .filter_map(|(mut input, outcome)| match outcome {
                Outcome::Invalid(errors) => {
                    input.set(error_flag, Json::Bool(true));
                    input.set("ValidationErrors", messages(&errors));
                    Some(input)
                }
                Outcome::Saved(..) => None,
            })
            .collect();
        return validation_exception(elements);
    }
    let items = results
        .into_iter()
        .map(|(input, outcome)| match outcome {
            Outcome::Saved(mut record, warnings) => {
                if warnings.is_empty() {
                    if carries_status_attribute(key) {
                        record.set("StatusAttributeString", Json::str("OK"));
                    }
                } else {
                    record.set("StatusAttributeString", Json::str("WARNING"));
                    record.set("Warnings", messages(&warnings));
                }
                record
            }
            Outcome::Invalid(errors) => {
                let mut input = super::error_shape::as_stored(key, input);
                input.set(error_flag, Json::Bool(true));
                input.set("StatusAttributeString", Json::str("ERROR"));
                input.set("ValidationErrors", messages(&errors));
                input
            }
        })
        .collect();
    json_response(StatusCode::OK, &envelope(key, items, None, opts.now))
}
