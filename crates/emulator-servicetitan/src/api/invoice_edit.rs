//! Invoice writes: `PATCH /invoices/{id}`, `PATCH /invoices/{id}/items`,
//! `DELETE /invoices/{id}/items/{itemId}` and the adjustment-invoice create (`POST /invoices`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::api::{json_body, ok, ok_empty, parse_id, tenant_id};
use crate::error::{ApiError, ApiResult};
use crate::model::{Invoice, InvoiceItem};
use crate::state::{EmulatorState, TenantData};
use crate::wire::{WireNumber, parse_ts, round_money};

/// `InvoiceItemUpdateRequest`: with `id` it updates that item, without it adds one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ItemIn {
    id: Option<i64>,
    sku_id: Option<i64>,
    sku_name: Option<String>,
    technician_id: Option<i64>,
    description: Option<String>,
    quantity: Option<WireNumber>,
    unit_price: Option<WireNumber>,
    cost: Option<WireNumber>,
}

/// `InvoiceUpdateRequest`, plus `adjustmentToId` for `AdjustmentInvoiceCreateRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InvoiceIn {
    number: Option<String>,
    invoiced_on: Option<String>,
    due_date: Option<String>,
    subtotal: Option<WireNumber>,
    tax: Option<WireNumber>,
    summary: Option<String>,
    royalty_status: Option<String>,
    royalty_memo: Option<String>,
    export_id: Option<String>,
    review_status: Option<String>,
    assigned_to_id: Option<i64>,
    items: Option<Vec<ItemIn>>,
    adjustment_to_id: Option<i64>,
}

fn date(field: &str, raw: &str) -> ApiResult<DateTime<Utc>> {
    parse_ts(raw)
        .ok_or_else(|| ApiError::validation(field, format!("The value '{raw}' is not valid.")))
}

/// Applies one item change to `inv` (not yet recomputed).
fn apply_item(
    t: &mut TenantData,
    inv: &mut Invoice,
    r: ItemIn,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    let sku = match r.sku_id {
        Some(id) => Some(
            t.skus
                .iter()
                .find(|s| s.id == id)
                .cloned()
                .ok_or_else(|| ApiError::validation("SkuId", format!("Sku {id} not found.")))?,
        ),
        None => None,
    };
    let mut item = match r.id {
        Some(id) => inv
            .items
            .iter()
            .find(|i| i.id == id && i.active)
            .cloned()
            .ok_or_else(|| {
                ApiError::validation(
                    "Id",
                    format!("Invoice item {id} not found on invoice {}.", inv.id),
                )
            })?,
        None => {
            let description = r.description.clone().filter(|d| !d.is_empty());
            let description = description.ok_or_else(|| {
                ApiError::validation("Description", "The Description field is required.")
            })?;
            if r.quantity.is_none() {
                return Err(ApiError::validation(
                    "Quantity",
                    "The Quantity field is required.",
                ));
            }
            let id = t.next_id();
            let order = inv.items.iter().map(|i| i.order).max().unwrap_or(0) + 1;
            InvoiceItem {
                id,
                sku_id: 0,
                sku_name: String::new(),
                kind: "Unspecified".to_owned(),
                description,
                quantity: Decimal::ZERO,
                price: Decimal::ZERO,
                cost: Decimal::ZERO,
                taxable: false,
                inventory: false,
                gl_account_id: None,
                business_unit_id: inv.business_unit_id,
                order,
                sold_hours: None,
                service_date: Some(now),
                technician_id: None,
                active: true,
                stamp: t.stamp(now),
            }
        }
    };
    if let Some(sku) = sku {
        item.sku_id = sku.id;
        item.sku_name = sku.name.clone();
        item.kind = sku.kind.clone();
        item.taxable = sku.taxable;
        item.inventory = sku.kind == "Material";
        item.gl_account_id = Some(sku.gl_account_id);
        if r.unit_price.is_none() && r.id.is_none() {
            item.price = sku.price;
        }
        if r.cost.is_none() && r.id.is_none() {
            item.cost = sku.cost;
        }
    }
    if let Some(name) = r.sku_name {
        item.sku_name = name;
    }
    if let Some(d) = r.description.filter(|d| !d.is_empty()) {
        item.description = d;
    }
    if let Some(q) = r.quantity {
        item.quantity = q.0;
    }
    if let Some(p) = r.unit_price {
        item.price = p.0;
    }
    if let Some(c) = r.cost {
        item.cost = c.0;
    }
    item.technician_id = r.technician_id.or(item.technician_id);
    t.touch(&mut item.stamp, now);
    let id = item.id;
    match inv.items.iter_mut().find(|i| i.id == id) {
        Some(slot) => *slot = item,
        None => inv.items.push(item),
    }
    Ok(id)
}

/// Applies the invoice-level fields and items of a PATCH (or an adjustment create).
fn apply_invoice(
    t: &mut TenantData,
    inv: &mut Invoice,
    r: InvoiceIn,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if let Some(n) = r.number.filter(|n| !n.is_empty()) {
        inv.number = n;
    }
    if let Some(d) = r.invoiced_on {
        inv.invoice_date = date("InvoicedOn", &d)?;
    }
    if let Some(d) = r.due_date {
        inv.due_date = date("DueDate", &d)?;
    }
    if let Some(s) = r.summary {
        inv.summary = Some(s);
    }
    if let Some(s) = r.review_status {
        inv.review_status = ["NeedsReview", "OnHold", "Reviewed"]
            .iter()
            .find(|v| v.eq_ignore_ascii_case(&s))
            .map(|v| (*v).to_owned())
            .ok_or_else(|| {
                ApiError::validation("ReviewStatus", format!("The value '{s}' is not valid."))
            })?;
    }
    inv.royalty_status = r.royalty_status.or(inv.royalty_status.take());
    inv.royalty_memo = r.royalty_memo.or(inv.royalty_memo.take());
    inv.export_id = r.export_id.or(inv.export_id.take());
    inv.assigned_to_id = r.assigned_to_id.or(inv.assigned_to_id);
    for item in r.items.unwrap_or_default() {
        apply_item(t, inv, item, now)?;
    }
    inv.recompute();
    // An explicit subtotal/tax overrides the computed one, as ServiceTitan lets a user do.
    if let Some(s) = r.subtotal {
        inv.sub_total = round_money(s.0);
    }
    if let Some(tax) = r.tax {
        inv.sales_tax = round_money(tax.0);
    }
    t.touch(&mut inv.stamp, now);
    Ok(())
}

fn load(t: &TenantData, id: i64) -> ApiResult<Invoice> {
    t.invoices
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Invoice with id={id} not found")))
}

/// `PATCH /invoices/{id}`: 200 with no body (the spec has no response schema). Exported
/// invoices are not locked and keep their `syncStatus`.
pub(crate) async fn patch_invoice(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = parse_id("id", &id)?;
    let request: InvoiceIn = json_body(&headers, &body)?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    let mut inv = load(t, id)?;
    apply_invoice(t, &mut inv, request, now)?;
    t.invoices.insert(id, inv);
    tracing::info!(
        tenant = t.tenant_id,
        invoice = id,
        "servicetitan invoice updated"
    );
    Ok(ok_empty())
}

/// `PATCH /invoices/{id}/items` (one `InvoiceItemUpdateRequest`): 200 with no body.
pub(crate) async fn patch_items(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = parse_id("invoiceId", &id)?;
    let request: ItemIn = json_body(&headers, &body)?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    let mut inv = load(t, id)?;
    let item = apply_item(t, &mut inv, request, now)?;
    inv.recompute();
    t.touch(&mut inv.stamp, now);
    t.invoices.insert(id, inv);
    tracing::info!(
        tenant = t.tenant_id,
        invoice = id,
        item,
        "servicetitan invoice item written"
    );
    Ok(ok_empty())
}

/// `DELETE /invoices/{id}/items/{itemId}`: the item turns inactive (the item export feed
/// still carries it, `active: false`).
pub(crate) async fn delete_item(
    State(state): State<EmulatorState>,
    Path((tenant, id, item)): Path<(String, String, String)>,
) -> ApiResult<Response> {
    let id = parse_id("invoiceId", &id)?;
    let item_id = parse_id("itemId", &item)?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    let mut inv = load(t, id)?;
    let mut item = inv
        .items
        .iter()
        .find(|i| i.id == item_id && i.active)
        .cloned()
        .ok_or_else(|| {
            ApiError::not_found(format!("Invoice item {item_id} not found on invoice {id}."))
        })?;
    item.active = false;
    t.touch(&mut item.stamp, now);
    if let Some(slot) = inv.items.iter_mut().find(|i| i.id == item_id) {
        *slot = item;
    }
    inv.recompute();
    t.touch(&mut inv.stamp, now);
    t.invoices.insert(id, inv);
    Ok(ok_empty())
}

/// `POST /invoices` (`AdjustmentInvoiceCreateRequest`): a new `Pending` invoice for the
/// original's customer, location and tax, numbered `<original>-<n>` unless `number` is
/// given; 200 with the new id as a bare JSON integer.
pub(crate) async fn create_adjustment(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let request: InvoiceIn = json_body(&headers, &body)?;
    let Some(original_id) = request.adjustment_to_id else {
        return Err(ApiError::validation(
            "AdjustmentToId",
            "The AdjustmentToId field is required.",
        ));
    };
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    let original = load(t, original_id).map_err(|_| {
        ApiError::validation(
            "AdjustmentToId",
            format!("Invoice {original_id} not found."),
        )
    })?;
    let siblings = t
        .invoices
        .values()
        .filter(|i| i.adjustment_to_id == Some(original_id))
        .count();
    let id = t.next_id();
    let stamp = t.stamp(now);
    let today = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
        .unwrap_or(now);
    let mut inv = Invoice {
        id,
        number: format!("{}-{}", original.number, siblings + 1),
        sync_status: "Pending".to_owned(),
        summary: None,
        invoice_date: today,
        due_date: today,
        items: Vec::new(),
        adjustment_to_id: Some(original_id),
        batch: None,
        created_by: "api".to_owned(),
        sent_status: "NotSent".to_owned(),
        review_status: "NeedsReview".to_owned(),
        active: true,
        import_id: None,
        export_id: None,
        sub_total: Decimal::ZERO,
        sales_tax: Decimal::ZERO,
        stamp,
        ..original
    };
    apply_invoice(t, &mut inv, request, now)?;
    t.invoices.insert(id, inv);
    tracing::info!(
        tenant = t.tenant_id,
        invoice = id,
        original = original_id,
        "servicetitan adjustment invoice created"
    );
    Ok(ok(&id))
}
