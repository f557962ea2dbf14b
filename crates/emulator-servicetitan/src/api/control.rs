//! Sandbox-only routes for what a person does in the ServiceTitan UI and the API cannot do
//! (CONTRACTS.md), under `/_sandbox/servicetitan/{tenant}/`, outside auth, limits and faults:
//!
//! * `POST invoices/{id}/void` — deactivates an invoice (`active: false`), as voiding does.
//! * `POST invoices/{id}/post` — posts a Pending invoice (`syncStatus: Posted`), as closing its
//!   batch does.
//! * `POST bulk-invoices` `{"count": N}` — adds N invoices for volume tests
//!   ([`EmulatorState::seed_bulk_invoices`]).
//! * `POST malformed` `{"entity", "id", "patch"}` — from now on serves that record
//!   (`entity`: `invoices`, `payments`, `customers`, `contacts` or `locations`) with `patch`
//!   merged into its JSON (RFC 7386: `{"total": "one hundred"}` makes the total non-numeric,
//!   `{"createdOn": null}` removes a required field), in its list, look-up and export feed,
//!   and records the change so the feed serves it again. For proving a connector's
//!   quarantine against the emulator itself; `reset` clears it.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::api::{ok, parse_id, tenant_id};
use crate::error::{ApiError, ApiResult};
use crate::state::EmulatorState;

/// Applies `change` to an invoice and records it as a change (new `modifiedOn`).
fn change_invoice(
    state: &EmulatorState,
    tenant: &str,
    id: &str,
    change: impl FnOnce(&mut crate::model::Invoice) -> ApiResult<()>,
) -> ApiResult<Response> {
    let id = parse_id("id", id)?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(tenant)?)?;
    let mut inv = t
        .invoices
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Invoice with id={id} not found")))?;
    change(&mut inv)?;
    t.touch(&mut inv.stamp, now);
    let body = json!({ "id": id, "active": inv.active, "syncStatus": inv.sync_status });
    t.invoices.insert(id, inv);
    Ok(ok(&body))
}

async fn void_invoice(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    change_invoice(&state, &tenant, &id, |inv| {
        inv.active = false;
        Ok(())
    })
}

async fn post_invoice(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    change_invoice(&state, &tenant, &id, |inv| {
        if inv.sync_status == "Pending" {
            inv.sync_status = "Posted".to_owned();
        }
        Ok(())
    })
}

#[derive(Deserialize)]
struct BulkRequest {
    count: usize,
}

async fn bulk(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    Json(request): Json<BulkRequest>,
) -> ApiResult<Response> {
    let tenant = tenant_id(&tenant)?;
    let ids = state
        .seed_bulk_invoices(tenant, request.count)
        .map_err(ApiError::not_found)?;
    Ok(ok(
        &json!({ "created": ids.len(), "first_id": ids.first(), "last_id": ids.last() }),
    ))
}

#[derive(Deserialize)]
struct MalformRequest {
    entity: String,
    id: i64,
    patch: serde_json::Value,
}

async fn malform(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    Json(request): Json<MalformRequest>,
) -> ApiResult<Response> {
    let MalformRequest { entity, id, patch } = request;
    if !crate::malformed::KINDS.contains(&entity.as_str()) {
        return Err(ApiError::validation(
            "entity",
            format!("One of {} is required.", crate::malformed::KINDS.join(", ")),
        ));
    }
    if !patch.is_object() {
        return Err(ApiError::validation("patch", "A JSON object is required."));
    }
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    // The record changes as served, so it gets a new version and shows in its feed again.
    let mut stamp = match entity.as_str() {
        "invoices" => t.invoices.get(&id).map(|r| r.stamp),
        "payments" => t.payments.get(&id).map(|r| r.stamp),
        "customers" => t.customers.get(&id).map(|r| r.stamp),
        "contacts" => t.contacts.get(&id).map(|r| r.stamp),
        _ => t.locations.get(&id).map(|r| r.stamp),
    }
    .ok_or_else(|| ApiError::not_found(format!("No {entity} record with id={id}.")))?;
    t.touch(&mut stamp, now);
    let slot = match entity.as_str() {
        "invoices" => t.invoices.get_mut(&id).map(|r| &mut r.stamp),
        "payments" => t.payments.get_mut(&id).map(|r| &mut r.stamp),
        "customers" => t.customers.get_mut(&id).map(|r| &mut r.stamp),
        "contacts" => t.contacts.get_mut(&id).map(|r| &mut r.stamp),
        _ => t.locations.get_mut(&id).map(|r| &mut r.stamp),
    };
    if let Some(slot) = slot {
        *slot = stamp;
    }
    t.malformed
        .entry(entity.clone())
        .or_default()
        .insert(id, patch);
    tracing::info!(tenant = t.tenant_id, entity, id, "record malformed");
    Ok(ok(&json!({ "entity": entity, "id": id })))
}

pub(crate) fn router(state: EmulatorState) -> Router {
    Router::new()
        .route(
            "/_sandbox/servicetitan/{tenant}/invoices/{id}/void",
            post(void_invoice),
        )
        .route(
            "/_sandbox/servicetitan/{tenant}/invoices/{id}/post",
            post(post_invoice),
        )
        .route("/_sandbox/servicetitan/{tenant}/bulk-invoices", post(bulk))
        .route("/_sandbox/servicetitan/{tenant}/malformed", post(malform))
        .with_state(state)
}
