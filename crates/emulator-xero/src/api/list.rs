//! Listing: `If-Modified-Since`, `where`, `order` (default `UpdatedDateUTC ASC` then id), and
//! `page`/`pageSize` (default 100, clamped to 1..=1000) with the `pagination` object; plus the
//! filterable fields of each resource.

use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::errors::api_exception;
use super::query::{Expr, Val, eval, parse_order, parse_where};
use crate::books::{Account, Books, Contact, Document, Item, Payment, PaymentTarget, TaxRate};
use crate::wire::dates::parse_since;
use crate::wire::{Json, Obj};

pub(crate) const DEFAULT_PAGE_SIZE: u32 = 100;
pub(crate) const MAX_PAGE_SIZE: u32 = 1000;

/// Query parameters with case-insensitive names.
#[derive(Clone, Debug, Default)]
pub(crate) struct Params(pub Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        Self(serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default())
    }
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
    pub(crate) fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }
    /// A comma-separated list parameter (`IDs`, `Statuses`, ...).
    pub(crate) fn list(&self, key: &str) -> Option<Vec<String>> {
        self.get(key).map(|v| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
    }
    /// `unitdp=4` asks for four decimal places on unit amounts; anything else means two.
    pub(crate) fn unitdp(&self) -> u32 {
        if self.get("unitdp") == Some("4") {
            4
        } else {
            2
        }
    }
}

pub(crate) struct Listing {
    pub(crate) page: Option<u32>,
    pub(crate) page_size: u32,
    pub(crate) filter: Option<Expr>,
    pub(crate) order: Vec<(String, bool)>,
    pub(crate) since: Option<DateTime<Utc>>,
}

fn query_error(message: &str) -> Response {
    api_exception(16, "QueryParseException", message)
}

impl Listing {
    /// Reads the list parameters; `force_page` turns paging on (Xero does for `Statuses`).
    pub(crate) fn read(
        params: &Params,
        headers: &HeaderMap,
        pageable: bool,
        force_page: bool,
    ) -> Result<Listing, Response> {
        let filter =
            match params.get("where").filter(|w| !w.trim().is_empty()) {
                Some(w) => Some(parse_where(w).map_err(|e| {
                    query_error(&format!("The where clause could not be parsed: {e}"))
                })?),
                None => None,
            };
        let page = if pageable {
            match params.get("page") {
                Some(p) => Some(
                    p.trim()
                        .parse::<u32>()
                        .map_err(|_| query_error("page must be a positive integer"))?
                        .max(1),
                ),
                None if force_page => Some(1),
                None => None,
            }
        } else {
            None
        };
        let page_size = params
            .get("pageSize")
            .and_then(|s| s.trim().parse::<i64>().ok())
            .map_or(DEFAULT_PAGE_SIZE, |n| {
                n.clamp(1, i64::from(MAX_PAGE_SIZE)) as u32
            });
        let since = match headers
            .get("If-Modified-Since")
            .and_then(|v| v.to_str().ok())
        {
            Some(text) => Some(
                parse_since(text)
                    .ok_or_else(|| query_error("If-Modified-Since is not a valid date"))?,
            ),
            None => None,
        };
        Ok(Listing {
            page,
            page_size,
            filter,
            order: params.get("order").map(parse_order).unwrap_or_default(),
            since,
        })
    }

    /// Filters, sorts and pages `items`; returns the page and the `pagination` object when paged.
    pub(crate) fn select<'a, T>(
        &self,
        items: impl Iterator<Item = &'a T>,
        field: impl Fn(&T, &str) -> Option<Val>,
        updated: impl Fn(&T) -> Option<DateTime<Utc>>,
        id: impl Fn(&T) -> Uuid,
    ) -> Result<(Vec<&'a T>, Option<Json>), Response> {
        let mut out = Vec::new();
        for item in items {
            if let (Some(since), Some(at)) = (self.since, updated(item)) {
                // Accurate to the second: compare whole seconds, inclusive.
                if at.timestamp() < since.timestamp() {
                    continue;
                }
            }
            if let Some(filter) = &self.filter
                && !eval(filter, &|name| field(item, name)).map_err(|e| query_error(&e))?
            {
                continue;
            }
            out.push(item);
        }
        for (name, _) in &self.order {
            if let Some(first) = out.first()
                && field(first, name).is_none()
            {
                return Err(query_error(&format!(
                    "No property or field '{name}' exists"
                )));
            }
        }
        out.sort_by(|a, b| {
            for (name, desc) in &self.order {
                let (x, y) = (
                    field(a, name).unwrap_or(Val::Null),
                    field(b, name).unwrap_or(Val::Null),
                );
                let ord = x.cmp_total(&y);
                if ord.is_ne() {
                    return if *desc { ord.reverse() } else { ord };
                }
            }
            updated(a).cmp(&updated(b)).then_with(|| id(a).cmp(&id(b)))
        });
        let Some(page) = self.page else {
            return Ok((out, None));
        };
        let count = out.len() as u32;
        let size = self.page_size;
        let pagination = Obj::new()
            .int("page", i64::from(page))
            .int("pageSize", i64::from(size))
            .int("pageCount", i64::from(count.div_ceil(size)))
            .int("itemCount", i64::from(count))
            .build();
        let skip = ((page - 1) as usize).saturating_mul(size as usize);
        Ok((
            out.into_iter().skip(skip).take(size as usize).collect(),
            Some(pagination),
        ))
    }
}

/// Filterable fields of invoices and credit notes.
pub(crate) fn doc_field(books: &Books, d: &Document, name: &str) -> Option<Val> {
    let contact = books.contact(d.contact_id);
    Some(match name {
        "type" => Val::Str(d.kind.clone()),
        "status" => Val::Str(d.status.clone()),
        "invoiceid" | "creditnoteid" => Val::Guid(d.id),
        "invoicenumber" | "creditnotenumber" => Val::Str(d.number.clone()),
        "reference" => Val::opt_str(d.reference.as_deref()),
        "date" => Val::date(d.date),
        "duedate" => d.due_date.map_or(Val::Null, Val::date),
        "fullypaidondate" => d.fully_paid_on.map_or(Val::Null, Val::date),
        "updateddateutc" => Val::Time(d.updated),
        "contact.contactid" | "contactid" => Val::Guid(d.contact_id),
        "contact.name" => Val::opt_str(contact.map(|c| c.name.as_str())),
        "contact.contactnumber" => Val::opt_str(contact.and_then(|c| c.number.as_deref())),
        "amountdue" | "remainingcredit" => Val::Num(d.amount_due()),
        "amountpaid" => Val::Num(d.amount_paid),
        "amountcredited" => Val::Num(d.amount_credited),
        "subtotal" => Val::Num(d.sub_total()),
        "totaltax" => Val::Num(d.total_tax()),
        "total" => Val::Num(d.total()),
        "currencycode" => Val::Str(d.currency.clone()),
        "senttocontact" => Val::Bool(d.sent_to_contact),
        _ => return None,
    })
}

pub(crate) fn contact_field(books: &Books, c: &Contact, name: &str) -> Option<Val> {
    Some(match name {
        "contactid" => Val::Guid(c.id),
        "name" => Val::Str(c.name.clone()),
        "contactnumber" => Val::opt_str(c.number.as_deref()),
        "accountnumber" => Val::opt_str(c.account_number.as_deref()),
        "contactstatus" => Val::Str(c.status.clone()),
        "firstname" => Val::opt_str(c.first_name.as_deref()),
        "lastname" => Val::opt_str(c.last_name.as_deref()),
        "emailaddress" => Val::opt_str(c.email.as_deref()),
        "updateddateutc" => Val::Time(c.updated),
        "iscustomer" => Val::Bool(is_party(books, c, "ACCREC")),
        "issupplier" => Val::Bool(is_party(books, c, "ACCPAY")),
        _ => return None,
    })
}

/// Whether a contact has a live document of `kind` (Xero derives IsCustomer/IsSupplier so).
pub(crate) fn is_party(books: &Books, c: &Contact, kind: &str) -> bool {
    books
        .invoices
        .iter()
        .any(|d| d.contact_id == c.id && d.kind == kind && d.status != "DELETED")
}

pub(crate) fn payment_field(books: &Books, p: &Payment, name: &str) -> Option<Val> {
    let (invoice, credit) = match p.target {
        PaymentTarget::Invoice(id) => (books.invoices.iter().find(|d| d.id == id), None),
        PaymentTarget::CreditNote(id) => (None, books.credit_notes.iter().find(|d| d.id == id)),
    };
    Some(match name {
        "paymentid" => Val::Guid(p.id),
        "status" => Val::Str(p.status.clone()),
        "paymenttype" => Val::Str(p.payment_type.clone()),
        "date" => Val::date(p.date),
        "amount" => Val::Num(p.amount),
        "reference" => Val::opt_str(p.reference.as_deref()),
        "isreconciled" => Val::Bool(p.is_reconciled),
        "updateddateutc" => Val::Time(p.updated),
        "invoice.invoiceid" => invoice.map_or(Val::Null, |d| Val::Guid(d.id)),
        "invoice.invoicenumber" => invoice.map_or(Val::Null, |d| Val::Str(d.number.clone())),
        "invoice.type" => invoice.map_or(Val::Null, |d| Val::Str(d.kind.clone())),
        "invoice.contact.contactid" => invoice
            .or(credit)
            .map_or(Val::Null, |d| Val::Guid(d.contact_id)),
        "creditnote.creditnoteid" => credit.map_or(Val::Null, |d| Val::Guid(d.id)),
        "account.accountid" => Val::Guid(p.account_id),
        "account.code" => Val::opt_str(books.account(p.account_id).map(|a| a.code.as_str())),
        _ => return None,
    })
}

pub(crate) fn item_field(i: &Item, name: &str) -> Option<Val> {
    Some(match name {
        "itemid" => Val::Guid(i.id),
        "code" => Val::Str(i.code.clone()),
        "name" => Val::Str(i.name.clone()),
        "description" => Val::opt_str(i.description.as_deref()),
        "issold" => Val::Bool(i.is_sold),
        "ispurchased" => Val::Bool(i.is_purchased),
        "updateddateutc" => Val::Time(i.updated),
        _ => return None,
    })
}

pub(crate) fn account_field(a: &Account, name: &str) -> Option<Val> {
    Some(match name {
        "accountid" => Val::Guid(a.id),
        "code" => Val::Str(a.code.clone()),
        "name" => Val::Str(a.name.clone()),
        "type" => Val::Str(a.kind.clone()),
        "class" => Val::Str(a.class.clone()),
        "status" => Val::Str(a.status.clone()),
        "taxtype" => Val::Str(a.tax_type.clone()),
        "enablepaymentstoaccount" => Val::Bool(a.enable_payments),
        "systemaccount" => Val::opt_str(a.system_account.as_deref()),
        "updateddateutc" => Val::Time(a.updated),
        _ => return None,
    })
}

pub(crate) fn tax_rate_field(t: &TaxRate, name: &str) -> Option<Val> {
    Some(match name {
        "name" => Val::Str(t.name.clone()),
        "taxtype" => Val::Str(t.tax_type.clone()),
        "status" => Val::Str(t.status.clone()),
        "reporttaxtype" => Val::Str(t.report_tax_type.clone()),
        "effectiverate" | "displaytaxrate" => Val::Num(t.rate()),
        _ => return None,
    })
}
