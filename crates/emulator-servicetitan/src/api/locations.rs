//! CRM v2 locations: list, get and the export feed.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;

use crate::api::crm::contains;
use crate::api::{check_ids, key_of, ok, parse_id, sort_records, tenant_id};
use crate::error::{ApiError, ApiResult};
use crate::export;
use crate::model::Location;
use crate::query::{Paging, Query, Sort, SortField, paginate};
use crate::render::crm;
use crate::state::EmulatorState;

/// `GET /locations`: `ids, name, customerId, address parts, active, created*/modified*`.
pub(crate) async fn list_locations(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let paging = Paging::from_query(&q)?;
    let sort = Sort::from_query(
        &q,
        &[
            SortField::Id,
            SortField::ModifiedOn,
            SortField::CreatedOn,
            SortField::Name,
        ],
    )?;
    let window = q.window()?;
    let ids = q.ids("ids")?;
    check_ids(&ids)?;
    let active = q.active()?;
    let customer = q.i64("customerId")?;
    let guid = q
        .get("externalDataApplicationGuid")
        .map(str::to_ascii_lowercase);
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let mut found: Vec<&Location> = t
        .locations
        .values()
        .filter(|l| active.is_none_or(|a| l.active == a))
        .filter(|l| ids.as_ref().is_none_or(|ids| ids.contains(&l.id)))
        .filter(|l| customer.is_none_or(|c| l.customer_id == c))
        .filter(|l| window.admits(l.stamp.created_on, l.stamp.modified_on))
        .filter(|l| {
            contains(&l.name, q.get("name")) && contains(&l.address.street, q.get("street"))
        })
        .filter(|l| {
            contains(&l.address.city, q.get("city")) && contains(&l.address.zip, q.get("zip"))
        })
        .collect();
    sort_records(&mut found, sort, |l, f| {
        key_of(l.id, &l.name, l.stamp.created_on, l.stamp.modified_on, f)
    });
    Ok(ok(&paginate(found, paging, |l| {
        t.serve("locations", l.id, crm::location(l, guid.as_deref(), false))
    })))
}

/// `GET /locations/{id}`.
pub(crate) async fn get_location(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let id = parse_id("id", &id)?;
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let l = t
        .locations
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("Location with id={id} not found")))?;
    let guid = q
        .get("externalDataApplicationGuid")
        .map(str::to_ascii_lowercase);
    Ok(ok(&t.serve(
        "locations",
        l.id,
        crm::location(l, guid.as_deref(), false),
    )))
}

/// `GET /export/locations`.
pub(crate) async fn export_locations(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let now = state.now();
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let page = export::page(
        "locations",
        &q,
        t.locations.values().map(|l| (l, l.stamp)).collect(),
        now,
    )?;
    Ok(ok(&export::ExportPage {
        has_more: page.has_more,
        continue_from: page.continue_from,
        data: page
            .data
            .into_iter()
            .map(|l| t.serve("locations", l.id, crm::location(l, None, false)))
            .collect(),
    }))
}
