//! GET handlers: lists (with the parameters each resource supports) and single records.

use axum::http::StatusCode;
use axum::response::Response;
use uuid::Uuid;

use super::errors::{json_response, not_found};
use super::list::{
    Listing, account_field, contact_field, doc_field, item_field, payment_field, tax_rate_field,
};
use super::query::Val;
use super::render;
use super::routes::Req;
use crate::books::{Books, DocKind};
use crate::wire::Json;

fn ok(key: &str, items: Vec<Json>, pagination: Option<Json>, req: &Req) -> Response {
    json_response(
        StatusCode::OK,
        &render::envelope(key, items, pagination, req.now),
    )
}

fn key_of(kind: DocKind) -> &'static str {
    match kind {
        DocKind::Invoice => "Invoices",
        DocKind::CreditNote => "CreditNotes",
    }
}

/// `GET /Invoices` and `GET /CreditNotes`. Without `page` Xero leaves out LineItems; with it
/// (forced by `Statuses` or `summaryOnly`) it pages and, unless `summaryOnly`, gives full detail.
pub(crate) fn list_docs(books: &Books, req: &Req, kind: DocKind) -> Response {
    let p = &req.params;
    let summary_only = p.flag("summaryOnly");
    let force = kind == DocKind::Invoice && (p.get("Statuses").is_some() || summary_only);
    let listing = match Listing::read(p, &req.headers, true, force) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let ids: Option<Vec<Uuid>> = p
        .list("IDs")
        .map(|v| v.iter().filter_map(|s| Uuid::parse_str(s).ok()).collect());
    let numbers = p.list("InvoiceNumbers");
    let contacts: Option<Vec<Uuid>> = p
        .list("ContactIDs")
        .map(|v| v.iter().filter_map(|s| Uuid::parse_str(s).ok()).collect());
    let statuses: Option<Vec<String>> = p
        .list("Statuses")
        .map(|v| v.iter().map(|s| s.to_uppercase()).collect());
    let search = p.get("searchTerm").map(str::to_lowercase);
    let docs = books.docs(kind).iter().filter(|d| {
        ids.as_ref().is_none_or(|ids| ids.contains(&d.id))
            && numbers.as_ref().is_none_or(|n| n.contains(&d.number))
            && contacts.as_ref().is_none_or(|c| c.contains(&d.contact_id))
            && statuses.as_ref().is_none_or(|s| s.contains(&d.status))
            && search.as_ref().is_none_or(|s| {
                d.number.to_lowercase().contains(s)
                    || d.reference
                        .as_deref()
                        .is_some_and(|r| r.to_lowercase().contains(s))
            })
    });
    let selected = listing.select(
        docs,
        |d, f| doc_field(books, d, f),
        |d| Some(d.updated),
        |d| d.id,
    );
    match selected {
        Ok((page, pagination)) => {
            let full = listing.page.is_some() && !summary_only;
            let items = page
                .into_iter()
                .map(|d| render::document(books, d, full, p.unitdp()))
                .collect();
            ok(key_of(kind), items, pagination, req)
        }
        Err(r) => r,
    }
}

pub(crate) fn get_doc(books: &Books, req: &Req, kind: DocKind, key: &str) -> Response {
    match books.doc_index(kind, key) {
        Some(i) => ok(
            key_of(kind),
            vec![render::document(
                books,
                &books.docs(kind)[i],
                true,
                req.params.unitdp(),
            )],
            None,
            req,
        ),
        None => not_found(),
    }
}

pub(crate) fn list_payments(books: &Books, req: &Req) -> Response {
    let listing = match Listing::read(&req.params, &req.headers, true, false) {
        Ok(l) => l,
        Err(r) => return r,
    };
    match listing.select(
        books.payments.iter(),
        |x, f| payment_field(books, x, f),
        |x| Some(x.updated),
        |x| x.id,
    ) {
        Ok((page, pagination)) => ok(
            "Payments",
            page.into_iter()
                .map(|x| render::payment(books, x))
                .collect(),
            pagination,
            req,
        ),
        Err(r) => r,
    }
}

pub(crate) fn get_payment(books: &Books, req: &Req, key: &str) -> Response {
    let id = Uuid::parse_str(key).ok();
    match books.payments.iter().find(|p| Some(p.id) == id) {
        Some(p) => ok("Payments", vec![render::payment(books, p)], None, req),
        None => not_found(),
    }
}

pub(crate) fn list_contacts(books: &Books, req: &Req) -> Response {
    let p = &req.params;
    let listing = match Listing::read(p, &req.headers, true, p.flag("summaryOnly")) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let ids: Option<Vec<Uuid>> = p
        .list("IDs")
        .map(|v| v.iter().filter_map(|s| Uuid::parse_str(s).ok()).collect());
    let archived = p.flag("includeArchived") || ids.is_some();
    let search = p.get("searchTerm").map(str::to_lowercase);
    let contacts = books.contacts.iter().filter(|c| {
        (archived || c.status != "ARCHIVED")
            && ids.as_ref().is_none_or(|ids| ids.contains(&c.id))
            && search.as_ref().is_none_or(|s| {
                [
                    Some(&c.name),
                    c.first_name.as_ref(),
                    c.last_name.as_ref(),
                    c.number.as_ref(),
                    c.email.as_ref(),
                ]
                .iter()
                .flatten()
                .any(|v| v.to_lowercase().contains(s))
            })
    });
    match listing.select(
        contacts,
        |c, f| contact_field(books, c, f),
        |c| Some(c.updated),
        |c| c.id,
    ) {
        Ok((page, pagination)) => ok(
            "Contacts",
            page.into_iter()
                .map(|c| render::contact(books, c))
                .collect(),
            pagination,
            req,
        ),
        Err(r) => r,
    }
}

pub(crate) fn get_contact(books: &Books, req: &Req, key: &str) -> Response {
    match books.contact_index(key) {
        Some(i) => ok(
            "Contacts",
            vec![render::contact(books, &books.contacts[i])],
            None,
            req,
        ),
        None => not_found(),
    }
}

pub(crate) fn list_items(books: &Books, req: &Req) -> Response {
    let listing = match Listing::read(&req.params, &req.headers, false, false) {
        Ok(l) => l,
        Err(r) => return r,
    };
    match listing.select(
        books.items.iter(),
        item_field,
        |i| Some(i.updated),
        |i| i.id,
    ) {
        Ok((page, _)) => ok(
            "Items",
            page.into_iter()
                .map(|i| render::item(i, req.params.unitdp()))
                .collect(),
            None,
            req,
        ),
        Err(r) => r,
    }
}

/// `GET /Items/{ItemID}`; the item's Code is accepted too (not confirmed for Xero, harmless).
pub(crate) fn get_item(books: &Books, req: &Req, key: &str) -> Response {
    let id = Uuid::parse_str(key).ok();
    match books
        .items
        .iter()
        .find(|i| Some(i.id) == id || i.code.eq_ignore_ascii_case(key))
    {
        Some(i) => ok(
            "Items",
            vec![render::item(i, req.params.unitdp())],
            None,
            req,
        ),
        None => not_found(),
    }
}

pub(crate) fn list_tax_rates(books: &Books, req: &Req, only: Option<&str>) -> Response {
    let listing = match Listing::read(&req.params, &req.headers, false, false) {
        Ok(l) => Listing { since: None, ..l },
        Err(r) => return r,
    };
    let wanted = only.or(req.params.get("TaxType"));
    let rates = books
        .tax_rates
        .iter()
        .filter(|t| wanted.is_none_or(|w| t.tax_type.eq_ignore_ascii_case(w)));
    // Tax rates carry no UpdatedDateUTC: the sort is stable, so they keep their seeded order.
    match listing.select(rates, tax_rate_field, |_| None, |_| Uuid::nil()) {
        Ok((page, _)) if only.is_some() && page.is_empty() => not_found(),
        Ok((page, _)) => ok(
            "TaxRates",
            page.into_iter().map(render::tax_rate).collect(),
            None,
            req,
        ),
        Err(r) => r,
    }
}

pub(crate) fn list_accounts(books: &Books, req: &Req, only: Option<&str>) -> Response {
    let listing = match Listing::read(&req.params, &req.headers, false, false) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let id = only.map(|k| Uuid::parse_str(k).ok());
    let accounts = books
        .accounts
        .iter()
        .filter(|a| id.is_none_or(|id| Some(a.id) == id));
    match listing.select(accounts, account_field, |a| Some(a.updated), |a| a.id) {
        Ok((page, _)) if only.is_some() && page.is_empty() => not_found(),
        Ok((page, _)) => ok(
            "Accounts",
            page.into_iter().map(render::account).collect(),
            None,
            req,
        ),
        Err(r) => r,
    }
}

pub(crate) fn list_tracking(books: &Books, req: &Req, only: Option<&str>) -> Response {
    let archived = req.params.flag("includeArchived");
    let id = only.map(|k| Uuid::parse_str(k).ok());
    let items: Vec<Json> = books
        .tracking
        .iter()
        .filter(|t| id.is_none_or(|id| Some(t.id) == id))
        .filter(|t| archived || only.is_some() || t.status == "ACTIVE")
        .filter(|t| match req.params.get("where") {
            // The only filter clients use on tracking categories is by name or status.
            Some(w) => super::query::parse_where(w).ok().is_some_and(|e| {
                super::query::eval(&e, &|f| match f {
                    "name" => Some(Val::Str(t.name.clone())),
                    "status" => Some(Val::Str(t.status.clone())),
                    "trackingcategoryid" => Some(Val::Guid(t.id)),
                    _ => None,
                })
                .unwrap_or(false)
            }),
            None => true,
        })
        .map(|t| render::tracking_category(t, archived))
        .collect();
    if only.is_some() && items.is_empty() {
        return not_found();
    }
    ok("TrackingCategories", items, None, req)
}

pub(crate) fn organisation(books: &Books, req: &Req) -> Response {
    ok(
        "Organisations",
        vec![render::organisation(books)],
        None,
        req,
    )
}
