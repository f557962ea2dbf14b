//! Accounting payments: list, create (as in the 2025 spec: absent from the 2026 one), PATCH,
//! `POST /payments/status` and the export feed.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::api::invoices::sync_status;
use crate::api::{Key, check_ids, json_body, ok, ok_empty, parse_id, sort_records, tenant_id};
use crate::error::{ApiError, ApiResult};
use crate::export;
use crate::model::{Payment, Split};
use crate::query::{Paging, Query, Sort, SortField, paginate};
use crate::render::{payments as render, reference};
use crate::state::{EmulatorState, TenantData};
use crate::wire::{WireNumber, parse_ts};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SplitIn {
    invoice_id: Option<i64>,
    amount: Option<WireNumber>,
}

/// `PaymentCreateRequest` / `PaymentUpdateRequest` (the latter adds `active`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentIn {
    type_id: Option<i64>,
    active: Option<bool>,
    memo: Option<String>,
    paid_on: Option<String>,
    auth_code: Option<String>,
    check_number: Option<String>,
    export_id: Option<String>,
    status: Option<String>,
    splits: Option<Vec<SplitIn>>,
}

/// Validates `typeId` and `splits` (required on create and, per the spec, on update too) and
/// builds the splits; returns them with the customer and business unit of the first invoice.
fn splits(t: &mut TenantData, r: &mut PaymentIn) -> ApiResult<(Vec<Split>, i64, Option<i64>)> {
    let type_id = r
        .type_id
        .ok_or_else(|| ApiError::validation("TypeId", "The TypeId field is required."))?;
    if !t.payment_types.get(&type_id).is_some_and(|p| p.active) {
        return Err(ApiError::validation(
            "TypeId",
            format!("Payment type {type_id} not found."),
        ));
    }
    let given = r
        .splits
        .take()
        .ok_or_else(|| ApiError::validation("Splits", "The Splits field is required."))?;
    if given.is_empty() {
        return Err(ApiError::validation(
            "Splits",
            "At least one split is required.",
        ));
    }
    let mut owner: Option<(i64, Option<i64>)> = None;
    let mut out = Vec::with_capacity(given.len());
    for (n, s) in given.into_iter().enumerate() {
        let amount = s.amount.ok_or_else(|| {
            ApiError::validation(
                format!("Splits[{n}].Amount"),
                "The Amount field is required.",
            )
        })?;
        if let Some(inv_id) = s.invoice_id {
            let inv = t
                .invoices
                .get(&inv_id)
                .filter(|i| i.active)
                .ok_or_else(|| {
                    ApiError::validation(
                        format!("Splits[{n}].InvoiceId"),
                        format!("Invoice {inv_id} not found."),
                    )
                })?;
            match owner {
                None => owner = Some((inv.customer_id, inv.business_unit_id)),
                Some((c, _)) if c != inv.customer_id => {
                    return Err(ApiError::validation(
                        format!("Splits[{n}].InvoiceId"),
                        "All invoices of a payment must belong to one customer.",
                    ));
                }
                Some(_) => {}
            }
        }
        out.push(Split {
            applied_id: t.next_id(),
            invoice_id: s.invoice_id,
            amount: amount.0,
        });
    }
    let (customer, bu) = owner.ok_or_else(|| {
        ApiError::validation("Splits", "At least one split must name an invoice.")
    })?;
    Ok((out, customer, bu))
}

fn paid_on(raw: Option<&str>, default: DateTime<Utc>) -> ApiResult<DateTime<Utc>> {
    raw.map(|d| {
        parse_ts(d)
            .ok_or_else(|| ApiError::validation("PaidOn", format!("The value '{d}' is not valid.")))
    })
    .transpose()
    .map(|d| d.unwrap_or(default))
}

/// `POST /payments` -> `PaymentResponse`. New payments are `Pending` unless `status` says
/// otherwise; the customer is the invoices' customer.
pub(crate) async fn create(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let mut r: PaymentIn = json_body(&headers, &body)?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    let status = r
        .status
        .as_deref()
        .map(|s| sync_status("Status", s))
        .transpose()?
        .unwrap_or_else(|| "Pending".to_owned());
    let paid = paid_on(r.paid_on.as_deref(), now)?;
    let (splits, customer_id, business_unit_id) = splits(t, &mut r)?;
    let id = t.next_id();
    let stamp = t.stamp(now);
    let payment = Payment {
        id,
        sync_status: status,
        reference_number: id.to_string(),
        paid_on: paid,
        type_id: r.type_id.unwrap_or_default(),
        memo: r.memo,
        customer_id,
        business_unit_id,
        batch: None,
        created_by: "api".to_owned(),
        auth_code: r.auth_code,
        check_number: r.check_number,
        export_id: r.export_id,
        active: true,
        splits,
        stamp,
    };
    let wire = reference::payment_response(&payment);
    t.payments.insert(id, payment);
    tracing::info!(
        tenant = t.tenant_id,
        payment = id,
        "servicetitan payment created"
    );
    Ok(ok(&wire))
}

/// `PATCH /payments/{id}` ("patch mode", but `typeId` and `splits` are required and replace
/// the applications) -> `PaymentResponse`. `active: false` voids it.
pub(crate) async fn update(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = parse_id("id", &id)?;
    let mut r: PaymentIn = json_body(&headers, &body)?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    let mut p = t
        .payments
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Payment with id={id} not found")))?;
    if let Some(s) = r.status.as_deref() {
        p.sync_status = sync_status("Status", s)?;
    }
    p.paid_on = paid_on(r.paid_on.as_deref(), p.paid_on)?;
    let (splits, customer_id, business_unit_id) = splits(t, &mut r)?;
    p.type_id = r.type_id.unwrap_or(p.type_id);
    p.splits = splits;
    p.customer_id = customer_id;
    p.business_unit_id = business_unit_id.or(p.business_unit_id);
    p.active = r.active.unwrap_or(p.active);
    p.memo = r.memo.or(p.memo);
    p.auth_code = r.auth_code.or(p.auth_code);
    p.check_number = r.check_number.or(p.check_number);
    p.export_id = r.export_id.or(p.export_id);
    t.touch(&mut p.stamp, now);
    let wire = reference::payment_response(&p);
    t.payments.insert(id, p);
    tracing::info!(
        tenant = t.tenant_id,
        payment = id,
        "servicetitan payment updated"
    );
    Ok(ok(&wire))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatusIn {
    status: Option<String>,
    payment_ids: Option<Vec<i64>>,
}

/// `POST /payments/status` `{status, paymentIds}`: all or nothing (an unknown id is a 400
/// and changes nothing); 200 with no body.
pub(crate) async fn update_status(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let r: StatusIn = json_body(&headers, &body)?;
    let status = sync_status("Status", r.status.as_deref().unwrap_or(""))?;
    let ids = r
        .payment_ids
        .ok_or_else(|| ApiError::validation("PaymentIds", "The PaymentIds field is required."))?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !t.payments.contains_key(id))
        .map(i64::to_string)
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::validation(
            "PaymentIds",
            format!("Payments not found: {}.", missing.join(", ")),
        ));
    }
    for id in ids.into_iter().collect::<BTreeSet<_>>() {
        let mut p = t.payments[&id].clone();
        p.sync_status = status.clone();
        t.touch(&mut p.stamp, now);
        t.payments.insert(id, p);
    }
    Ok(ok_empty())
}

fn payment_key(p: &Payment, f: SortField) -> Key {
    match f {
        SortField::ModifiedOn => Key::Time(p.stamp.modified_on),
        SortField::CreatedOn => Key::Time(p.stamp.created_on),
        _ => Key::Int(p.id),
    }
}

/// `GET /payments`. Voided (inactive) payments are left out unless `activeState` asks for
/// them: the 2025 list item has no `active` field to tell them apart.
pub(crate) async fn list(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let paging = Paging::from_query(&q)?;
    let sort = Sort::from_query(
        &q,
        &[SortField::Id, SortField::ModifiedOn, SortField::CreatedOn],
    )?;
    let window = q.window()?;
    let ids = q.ids("ids")?;
    check_ids(&ids)?;
    let applied_to = q.ids("appliedToInvoiceIds")?;
    let applied_ref = q.get("appliedToReferenceNumber");
    let statuses = q
        .list("statuses")
        .iter()
        .map(|s| sync_status("statuses", s))
        .collect::<ApiResult<Vec<_>>>()?;
    let (paid_after, paid_before) = (q.date("paidOnAfter")?, q.date("paidOnBefore")?);
    let bus = q.ids("businessUnitIds")?;
    let customer = q.i64("customerId")?;
    let (total_gt, total_lt) = (q.decimal("totalGreater")?, q.decimal("totalLess")?);
    let active = match q.get("activeState").map(str::to_ascii_lowercase).as_deref() {
        None | Some("activeonly") => Some(true),
        Some("inactiveonly") => Some(false),
        Some("all") => None,
        Some(other) => {
            return Err(ApiError::validation(
                "activeState",
                format!("The value '{other}' is not valid."),
            ));
        }
    };
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let mut found: Vec<&Payment> = t
        .payments
        .values()
        .filter(|p| active.is_none_or(|a| p.active == a))
        .filter(|p| ids.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .filter(|p| window.admits(p.stamp.created_on, p.stamp.modified_on))
        .filter(|p| {
            applied_to.as_ref().is_none_or(|inv| {
                p.splits
                    .iter()
                    .any(|s| s.invoice_id.is_some_and(|i| inv.contains(&i)))
            })
        })
        .filter(|p| {
            applied_ref.is_none_or(|r| {
                p.splits.iter().any(|s| {
                    s.invoice_id
                        .and_then(|i| t.invoices.get(&i))
                        .is_some_and(|i| i.number == r)
                })
            })
        })
        .filter(|p| statuses.is_empty() || statuses.contains(&p.sync_status))
        .filter(|p| {
            paid_after.is_none_or(|d| p.paid_on >= d) && paid_before.is_none_or(|d| p.paid_on < d)
        })
        .filter(|p| {
            bus.as_ref()
                .is_none_or(|b| p.business_unit_id.is_some_and(|x| b.contains(&x)))
        })
        .filter(|p| customer.is_none_or(|c| p.customer_id == c))
        .filter(|p| {
            total_gt.is_none_or(|x| p.total() > x) && total_lt.is_none_or(|x| p.total() < x)
        })
        .collect();
    sort_records(&mut found, sort, payment_key);
    Ok(ok(&paginate(found, paging, |p| {
        t.serve("payments", p.id, render::payment(t, p, false))
    })))
}

/// `GET /export/payments`: active and voided payments in change order.
pub(crate) async fn export(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let now = state.now();
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let page = export::page(
        "payments",
        &q,
        t.payments.values().map(|p| (p, p.stamp)).collect(),
        now,
    )?;
    Ok(ok(&export::ExportPage {
        has_more: page.has_more,
        continue_from: page.continue_from,
        data: page
            .data
            .into_iter()
            .map(|p| t.serve("payments", p.id, render::payment(t, p, true)))
            .collect(),
    }))
}
