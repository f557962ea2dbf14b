//! Accounting invoices: the filtered list, the export feeds and `markasexported`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::api::{Key, check_ids, json_body, ok, sort_records, tenant_id};
use crate::error::{ApiError, ApiResult};
use crate::export;
use crate::model::{Invoice, InvoiceItem, Stamp};
use crate::query::{Paging, Query, Sort, SortField, paginate};
use crate::render::accounting::{self as render, InvoiceCtx};
use crate::state::EmulatorState;

const STATUSES: [&str; 3] = ["Pending", "Posted", "Exported"];

/// Canonical spelling of a `syncStatus` value, case-insensitively.
pub(crate) fn sync_status(field: &str, value: &str) -> ApiResult<String> {
    STATUSES
        .iter()
        .find(|s| s.eq_ignore_ascii_case(value.trim()))
        .map(|s| (*s).to_owned())
        .ok_or_else(|| ApiError::validation(field, format!("The value '{value}' is not valid.")))
}

fn invoice_key(i: &Invoice, f: SortField) -> Key {
    match f {
        SortField::ModifiedOn => Key::Time(i.stamp.modified_on),
        SortField::CreatedOn => Key::Time(i.stamp.created_on),
        SortField::InvoiceDate => Key::Time(i.invoice_date),
        SortField::Number | SortField::Name => Key::Text(i.number.clone()),
        SortField::Id => Key::Int(i.id),
    }
}

/// `GET /invoices` with the 2025 spec's filters. Without `activeState` (a 2026 addition:
/// `ActiveOnly|InactiveOnly|All`) every invoice is listed, active or not: the 2025 spec has no
/// active filter and "all invoices will be returned regardless of status"; `active` is in
/// each record.
pub(crate) async fn list(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let paging = Paging::from_query(&q)?;
    let allowed = [
        SortField::Id,
        SortField::ModifiedOn,
        SortField::CreatedOn,
        SortField::InvoiceDate,
        SortField::Number,
    ];
    let mut sort = Sort::from_query(&q, &allowed)?;
    if q.get("sort").is_none()
        && let Some(order_by) = q.get("orderBy")
    {
        let desc = q
            .get("orderByDirection")
            .is_some_and(|d| d.to_ascii_lowercase().starts_with("desc"));
        let alt = Query::parse(Some(&format!(
            "sort={}{order_by}",
            if desc { "-" } else { "%2B" }
        )));
        sort = Sort::from_query(&alt, &allowed)?;
    }
    let window = q.window()?;
    let ids = q.ids("ids")?;
    check_ids(&ids)?;
    let statuses = q
        .list("statuses")
        .iter()
        .map(|s| sync_status("statuses", s))
        .collect::<ApiResult<Vec<_>>>()?;
    let reviews = q.list("reviewStatuses");
    let active = match q.get("activeState").map(str::to_ascii_lowercase).as_deref() {
        None | Some("all") => None,
        Some("activeonly") => Some(true),
        Some("inactiveonly") => Some(false),
        Some(other) => {
            return Err(ApiError::validation(
                "activeState",
                format!("The value '{other}' is not valid."),
            ));
        }
    };
    let (customer, bu, adj, job_id) = (
        q.i64("customerId")?,
        q.i64("businessUnitId")?,
        q.i64("adjustmentToId")?,
        q.i64("jobId")?,
    );
    let (batch_id, batch_number) = (q.i64("batchId")?, q.get("batchNumber"));
    let (inv_from, inv_before) = (q.date("invoicedOnOrAfter")?, q.date("invoicedOnBefore")?);
    let (due_from, due_before) = (q.date("dueDateOnOrAfter")?, q.date("dueDateBefore")?);
    let (total_gt, total_lt) = (q.decimal("totalGreater")?, q.decimal("totalLess")?);
    let balance = q.decimal("balanceFilter.Balance")?;
    let comparer = q
        .get("balanceFilter.Comparer")
        .unwrap_or("Equals")
        .to_ascii_lowercase();
    let (number, job_number) = (q.get("number"), q.get("jobNumber"));
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let applied = t.applications();
    let balance_of = |i: &Invoice| i.total() - applied.get(&i.id).map(|a| a.0).unwrap_or_default();
    let mut found: Vec<&Invoice> = t
        .invoices
        .values()
        .filter(|i| ids.as_ref().is_none_or(|ids| ids.contains(&i.id)))
        .filter(|i| active.is_none_or(|a| i.active == a))
        .filter(|i| window.admits(i.stamp.created_on, i.stamp.modified_on))
        .filter(|i| statuses.is_empty() || statuses.contains(&i.sync_status))
        .filter(|i| {
            reviews.is_empty()
                || reviews
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(&i.review_status))
        })
        .filter(|i| {
            customer.is_none_or(|c| i.customer_id == c)
                && bu.is_none_or(|b| i.business_unit_id == Some(b))
        })
        .filter(|i| adj.is_none_or(|a| i.adjustment_to_id == Some(a)))
        .filter(|i| job_id.is_none_or(|j| i.job.as_ref().is_some_and(|job| job.id == j)))
        .filter(|i| job_number.is_none_or(|n| i.job.as_ref().is_some_and(|job| job.number == n)))
        .filter(|i| batch_id.is_none_or(|b| i.batch.as_ref().is_some_and(|x| x.0 == b)))
        .filter(|i| batch_number.is_none_or(|b| i.batch.as_ref().is_some_and(|x| x.1 == b)))
        .filter(|i| number.is_none_or(|n| i.number == n))
        .filter(|i| {
            inv_from.is_none_or(|d| i.invoice_date >= d)
                && inv_before.is_none_or(|d| i.invoice_date < d)
        })
        .filter(|i| {
            due_from.is_none_or(|d| i.due_date >= d) && due_before.is_none_or(|d| i.due_date < d)
        })
        .filter(|i| {
            total_gt.is_none_or(|x| i.total() > x) && total_lt.is_none_or(|x| i.total() < x)
        })
        .filter(|i| {
            balance.is_none_or(|b| match comparer.as_str() {
                "notequals" => balance_of(i) != b,
                "greater" => balance_of(i) > b,
                "less" => balance_of(i) < b,
                _ => balance_of(i) == b,
            })
        })
        .collect();
    sort_records(&mut found, sort, invoice_key);
    let cx = InvoiceCtx {
        t,
        applied: &applied,
    };
    Ok(ok(&paginate(found, paging, |i| {
        t.serve("invoices", i.id, render::invoice(&cx, i))
    })))
}

/// `GET /export/invoices`: active and inactive invoices in change order.
pub(crate) async fn export_invoices(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let now = state.now();
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let page = export::page(
        "invoices",
        &q,
        t.invoices.values().map(|i| (i, i.stamp)).collect(),
        now,
    )?;
    let applied = t.applications();
    let cx = InvoiceCtx {
        t,
        applied: &applied,
    };
    Ok(ok(&export::ExportPage {
        has_more: page.has_more,
        continue_from: page.continue_from,
        data: page
            .data
            .into_iter()
            .map(|i| t.serve("invoices", i.id, render::invoice(&cx, i)))
            .collect(),
    }))
}

/// `GET /export/invoice-items`: every item (deleted ones with `active: false`) with its
/// `invoiceId`, in change order.
pub(crate) async fn export_items(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let now = state.now();
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let owned: Vec<((i64, &InvoiceItem), Stamp)> = t
        .invoices
        .values()
        .flat_map(|inv| inv.items.iter().map(move |it| ((inv.id, it), it.stamp)))
        .collect();
    let page = export::page(
        "invoice-items",
        &q,
        owned.iter().map(|(k, s)| (k, *s)).collect(),
        now,
    )?;
    Ok(ok(&export::ExportPage {
        has_more: page.has_more,
        continue_from: page.continue_from,
        data: page
            .data
            .into_iter()
            .map(|(inv, it)| render::item(t, it, Some(*inv)))
            .collect(),
    }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MarkIn {
    invoice_id: Option<i64>,
    external_id: Option<String>,
    external_message: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MarkOut {
    invoice_id: i64,
    success: bool,
    error_message: Option<String>,
}

/// `POST /invoices/markasexported`: one result per item. Posted (or already Exported)
/// invoices become `Exported`, take `externalId` as their `exportId` and count as changed
/// (new `modifiedOn`); a repeat is a success. Unknown or still-Pending invoices fail alone.
/// Exported invoices stay editable.
pub(crate) async fn mark_as_exported(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let items: Vec<MarkIn> = json_body(&headers, &body)?;
    if items.is_empty() {
        return Err(ApiError::validation(
            "request",
            "At least one invoice is required.",
        ));
    }
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    let mut out = Vec::with_capacity(items.len());
    for (n, item) in items.into_iter().enumerate() {
        let Some(id) = item.invoice_id else {
            return Err(ApiError::validation(
                format!("[{n}].InvoiceId"),
                "The InvoiceId field is required.",
            ));
        };
        let Some(mut inv) = t.invoices.get(&id).cloned() else {
            out.push(MarkOut {
                invoice_id: id,
                success: false,
                error_message: Some(format!("Invoice {id} not found.")),
            });
            continue;
        };
        if inv.sync_status == "Pending" {
            let message =
                format!("Invoice {id} is Pending; only Posted invoices can be marked as exported.");
            out.push(MarkOut {
                invoice_id: id,
                success: false,
                error_message: Some(message),
            });
            continue;
        }
        inv.sync_status = "Exported".to_owned();
        if item.external_id.is_some() {
            inv.export_id = item.external_id;
        }
        // `externalMessage` has no field to show in any response; it is accepted and dropped.
        let _ = item.external_message;
        t.touch(&mut inv.stamp, now);
        t.invoices.insert(id, inv);
        tracing::info!(
            tenant = t.tenant_id,
            invoice = id,
            "servicetitan invoice marked exported"
        );
        out.push(MarkOut {
            invoice_id: id,
            success: true,
            error_message: None,
        });
    }
    Ok(ok(&out))
}
