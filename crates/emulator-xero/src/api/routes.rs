//! Resource routing (case-insensitive resource names) and the write endpoints.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::batch::{Outcome, WriteOpts, elements, respond};
use super::errors::{json_response, method_not_allowed, not_found};
use super::list::Params;
use super::{contacts, doc_write, payments, reads, render, settings};
use crate::books::{Books, DocKind};
use crate::state::EmulatorState;
use crate::wire::{Json, Obj};

/// One accounting request, read.
pub(crate) struct Req {
    pub(crate) method: Method,
    /// Path segments after `/api.xro/2.0/`, percent-decoded, case kept.
    pub(crate) segs: Vec<String>,
    pub(crate) params: Params,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) now: DateTime<Utc>,
}

impl Req {
    fn opts(&self, path_id: Option<&str>) -> WriteOpts {
        WriteOpts {
            now: self.now,
            unitdp: self.params.unitdp(),
            // Xero's live default is summarised errors; only an explicit false turns them off.
            summarize: !self
                .params
                .get("summarizeErrors")
                .is_some_and(|v| v.eq_ignore_ascii_case("false")),
            create_only: self.method == Method::PUT,
            path_id: path_id.map(str::to_owned),
        }
    }
}

/// Runs `write` for every element of the body and answers in Xero's batch shape.
fn batch(
    books: &mut Books,
    req: &Req,
    key: &str,
    flag: &str,
    path_id: Option<&str>,
    mut write: impl FnMut(&mut Books, &Json, &WriteOpts) -> Result<(Uuid, Vec<String>), Vec<String>>,
    render_one: impl Fn(&Books, Uuid, &WriteOpts) -> Json,
) -> Response {
    let opts = req.opts(path_id);
    let items = match elements(&req.body, key) {
        Ok(items) => items,
        Err(r) => return r,
    };
    let mut results = Vec::with_capacity(items.len());
    for input in items {
        let outcome = match write(books, &input, &opts) {
            Ok((id, warnings)) => Outcome::Saved(render_one(books, id, &opts), warnings),
            Err(errors) => Outcome::Invalid(errors),
        };
        results.push((input, outcome));
    }
    respond(key, flag, results, &opts)
}

fn doc_json(books: &Books, kind: DocKind, id: Uuid, opts: &WriteOpts) -> Json {
    books
        .doc_by_id(kind, id)
        .map(|i| render::document(books, &books.docs(kind)[i], true, opts.unitdp))
        .unwrap_or(Json::Null)
}

fn docs(books: &mut Books, req: &Req, kind: DocKind, rest: &[String]) -> Response {
    let key = match kind {
        DocKind::Invoice => "Invoices",
        DocKind::CreditNote => "CreditNotes",
    };
    let write = |b: &mut Books, j: &Json, o: &WriteOpts| doc_write::write(b, kind, j, o);
    let render_one = |b: &Books, id: Uuid, o: &WriteOpts| doc_json(b, kind, id, o);
    match (&req.method, rest) {
        (&Method::GET, []) => reads::list_docs(books, req, kind),
        (&Method::PUT | &Method::POST, []) => {
            batch(books, req, key, "HasErrors", None, write, render_one)
        }
        (&Method::GET, [id]) => reads::get_doc(books, req, kind, id),
        (&Method::POST, [id]) => match books.doc_index(kind, id) {
            Some(_) => batch(books, req, key, "HasErrors", Some(id), write, render_one),
            None => not_found(),
        },
        (&Method::PUT, [id, sub])
            if kind == DocKind::CreditNote && sub.eq_ignore_ascii_case("Allocations") =>
        {
            let Some(i) = books.doc_index(kind, id) else {
                return not_found();
            };
            let allocate = |b: &mut Books, j: &Json, o: &WriteOpts| payments::allocate(b, i, j, o);
            let render_alloc = |b: &Books, id: Uuid, _: &WriteOpts| allocation_json(b, id);
            batch(
                books,
                req,
                "Allocations",
                "HasErrors",
                None,
                allocate,
                render_alloc,
            )
        }
        (&Method::DELETE, [id, sub, alloc])
            if kind == DocKind::CreditNote && sub.eq_ignore_ascii_case("Allocations") =>
        {
            let Some(i) = books.doc_index(kind, id) else {
                return not_found();
            };
            let cn = books.credit_notes[i].id;
            match payments::deallocate(books, cn, alloc, &req.opts(None)) {
                Some(a) => {
                    let mut json = allocation_json(books, a);
                    json.set("IsDeleted", Json::Bool(true));
                    json_response(StatusCode::OK, &json)
                }
                None => not_found(),
            }
        }
        (_, [] | [_]) => method_not_allowed(),
        _ => not_found(),
    }
}

fn allocation_json(books: &Books, id: Uuid) -> Json {
    let Some(a) = books.allocations.iter().find(|a| a.id == id) else {
        return Json::Null;
    };
    let number = |kind: DocKind, doc: Uuid| {
        books
            .doc_by_id(kind, doc)
            .map(|i| books.docs(kind)[i].number.clone())
            .unwrap_or_default()
    };
    Obj::new()
        .s("AllocationID", a.id.to_string())
        .n("Amount", a.amount, 2)
        .s("Date", crate::wire::dates::ms_date(a.date))
        .j(
            "Invoice",
            Obj::new()
                .s("InvoiceID", a.invoice_id.to_string())
                .s("InvoiceNumber", number(DocKind::Invoice, a.invoice_id))
                .build(),
        )
        .j(
            "CreditNote",
            Obj::new()
                .s("CreditNoteID", a.credit_note_id.to_string())
                .s(
                    "CreditNoteNumber",
                    number(DocKind::CreditNote, a.credit_note_id),
                )
                .build(),
        )
        .b("IsDeleted", a.deleted)
        .build()
}

fn payment_json(books: &Books, id: Uuid) -> Json {
    books
        .payments
        .iter()
        .find(|p| p.id == id)
        .map(|p| render::payment(books, p))
        .unwrap_or(Json::Null)
}

fn contact_json(books: &Books, id: Uuid) -> Json {
    books
        .contact(id)
        .map(|c| render::contact(books, c))
        .unwrap_or(Json::Null)
}

fn item_json(books: &Books, id: Uuid, opts: &WriteOpts) -> Json {
    books
        .items
        .iter()
        .find(|i| i.id == id)
        .map(|i| render::item(i, opts.unitdp))
        .unwrap_or(Json::Null)
}

fn tax_rates_write(books: &mut Books, req: &Req) -> Response {
    let opts = req.opts(None);
    let items = match elements(&req.body, "TaxRates") {
        Ok(items) => items,
        Err(r) => return r,
    };
    let results = items
        .into_iter()
        .map(|input| {
            let outcome = match settings::write_tax_rate(books, &input, &opts) {
                Ok(tax_type) => {
                    let rate = books
                        .tax_rate(&tax_type)
                        .map(render::tax_rate)
                        .unwrap_or(Json::Null);
                    Outcome::Saved(rate, Vec::new())
                }
                Err(e) => Outcome::Invalid(e),
            };
            (input, outcome)
        })
        .collect();
    respond("TaxRates", "HasValidationErrors", results, &opts)
}

/// Dispatches one request to its resource.
pub(crate) fn route(state: &EmulatorState, req: &Req) -> Response {
    let Some(resource) = req.segs.first().map(|s| s.to_ascii_lowercase()) else {
        return not_found();
    };
    let rest = &req.segs[1..];
    let mut guard = state.books();
    let books = &mut *guard;
    let m = &req.method;
    match resource.as_str() {
        "invoices" => docs(books, req, DocKind::Invoice, rest),
        "creditnotes" => docs(books, req, DocKind::CreditNote, rest),
        "payments" => match (m, rest) {
            (&Method::GET, []) => reads::list_payments(books, req),
            (&Method::GET, [id]) => reads::get_payment(books, req, id),
            (&Method::PUT | &Method::POST, []) => batch(
                books,
                req,
                "Payments",
                "HasValidationErrors",
                None,
                payments::write,
                |b, id, _| payment_json(b, id),
            ),
            (&Method::POST, [id]) => batch(
                books,
                req,
                "Payments",
                "HasValidationErrors",
                Some(id),
                payments::write,
                |b, id, _| payment_json(b, id),
            ),
            _ => method_not_allowed(),
        },
        "contacts" => match (m, rest) {
            (&Method::GET, []) => reads::list_contacts(books, req),
            (&Method::GET, [id]) => reads::get_contact(books, req, id),
            (&Method::PUT | &Method::POST, []) => batch(
                books,
                req,
                "Contacts",
                "HasValidationErrors",
                None,
                contacts::write,
                |b, id, _| contact_json(b, id),
            ),
            (&Method::POST, [id]) if books.contact_index(id).is_some() => batch(
                books,
                req,
                "Contacts",
                "HasValidationErrors",
                Some(id),
                contacts::write,
                |b, id, _| contact_json(b, id),
            ),
            (&Method::POST, [_]) => not_found(),
            _ => method_not_allowed(),
        },
        "items" => match (m, rest) {
            (&Method::GET, []) => reads::list_items(books, req),
            (&Method::GET, [id]) => reads::get_item(books, req, id),
            (&Method::PUT | &Method::POST, []) => batch(
                books,
                req,
                "Items",
                "HasValidationErrors",
                None,
                settings::write_item,
                item_json,
            ),
            (&Method::POST, [id]) => batch(
                books,
                req,
                "Items",
                "HasValidationErrors",
                Some(id),
                settings::write_item,
                item_json,
            ),
            (&Method::DELETE, [id]) => {
                let before = books.items.len();
                books
                    .items
                    .retain(|i| i.id.to_string() != id.to_lowercase());
                if books.items.len() == before {
                    not_found()
                } else {
                    StatusCode::NO_CONTENT.into_response()
                }
            }
            _ => method_not_allowed(),
        },
        "taxrates" => match (m, rest) {
            (&Method::GET, []) => reads::list_tax_rates(books, req, None),
            (&Method::GET, [t]) => reads::list_tax_rates(books, req, Some(t)),
            (&Method::PUT | &Method::POST, []) => tax_rates_write(books, req),
            _ => method_not_allowed(),
        },
        "accounts" => match (m, rest) {
            (&Method::GET, []) => reads::list_accounts(books, req, None),
            (&Method::GET, [id]) => reads::list_accounts(books, req, Some(id)),
            (&Method::PUT, []) => batch(
                books,
                req,
                "Accounts",
                "HasValidationErrors",
                None,
                settings::create_account,
                |b, id, _| b.account(id).map(render::account).unwrap_or(Json::Null),
            ),
            _ => method_not_allowed(),
        },
        "trackingcategories" => match (m, rest) {
            (&Method::GET, []) => reads::list_tracking(books, req, None),
            (&Method::GET, [id]) => reads::list_tracking(books, req, Some(id)),
            (&Method::PUT, []) => batch(
                books,
                req,
                "TrackingCategories",
                "HasValidationErrors",
                None,
                |b, j, _| settings::create_tracking_category(b, j),
                |b, id, _| {
                    b.tracking
                        .iter()
                        .find(|t| t.id == id)
                        .map(|t| render::tracking_category(t, true))
                        .unwrap_or(Json::Null)
                },
            ),
            (&Method::PUT, [id, sub]) if sub.eq_ignore_ascii_case("Options") => {
                let Some(i) = books
                    .tracking
                    .iter()
                    .position(|t| t.id.to_string() == id.to_lowercase())
                else {
                    return not_found();
                };
                let cat = books.tracking[i].id;
                batch(
                    books,
                    req,
                    "Options",
                    "HasValidationErrors",
                    None,
                    |b, j, _| settings::create_tracking_option(b, i, j),
                    move |b, id, _| {
                        let c = b.tracking.iter().find(|t| t.id == cat);
                        let o = c.and_then(|c| c.options.iter().find(|o| o.id == id));
                        o.map(|o| {
                            Obj::new()
                                .s("TrackingOptionID", o.id.to_string())
                                .s("Name", o.name.clone())
                                .s("Status", o.status.clone())
                                .build()
                        })
                        .unwrap_or(Json::Null)
                    },
                )
            }
            _ => method_not_allowed(),
        },
        "organisation" => match (m, rest) {
            (&Method::GET, []) => reads::organisation(books, req),
            _ => method_not_allowed(),
        },
        _ => not_found(),
    }
}
