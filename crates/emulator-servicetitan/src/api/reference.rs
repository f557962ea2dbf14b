//! Reference data: payment types, tax zones, GL accounts (list, get, create, PATCH) and the
//! settings module's business units.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::api::{check_ids, json_body, key_of, ok, parse_id, sort_records, tenant_id};
use crate::error::{ApiError, ApiResult};
use crate::model::{BusinessUnit, GlAccount, TaxZone};
use crate::query::{Paging, Query, Sort, SortField, paginate};
use crate::render::reference as render;
use crate::state::{EmulatorState, TenantData};

/// `GET /payment-types` (`ids, active, createdBefore, createdOnOrAfter`, paged).
pub(crate) async fn payment_types(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let paging = Paging::from_query(&q)?;
    let ids = q.ids("ids")?;
    check_ids(&ids)?;
    let active = q.active()?;
    let window = q.window()?;
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let found: Vec<_> = t
        .payment_types
        .values()
        .filter(|p| {
            active.is_none_or(|a| p.active == a)
                && ids.as_ref().is_none_or(|ids| ids.contains(&p.id))
        })
        .filter(|p| window.admits(p.stamp.created_on, p.stamp.modified_on))
        .collect();
    Ok(ok(&paginate(found, paging, render::payment_type)))
}

/// `GET /payment-types/{id}`.
pub(crate) async fn payment_type(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = parse_id("id", &id)?;
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let p = t
        .payment_types
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("Payment type with id={id} not found")))?;
    Ok(ok(&render::payment_type(p)))
}

/// `GET /tax-zones` (`ids, active, created*/modified*`, `sort` by Id, Name, CreatedOn).
pub(crate) async fn tax_zones(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let paging = Paging::from_query(&q)?;
    let sort = Sort::from_query(&q, &[SortField::Id, SortField::Name, SortField::CreatedOn])?;
    let ids = q.ids("ids")?;
    check_ids(&ids)?;
    let active = q.active()?;
    let window = q.window()?;
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let mut found: Vec<&TaxZone> = t
        .tax_zones
        .values()
        .filter(|z| {
            active.is_none_or(|a| z.active == a)
                && ids.as_ref().is_none_or(|ids| ids.contains(&z.id))
        })
        .filter(|z| window.admits(z.stamp.created_on, z.stamp.modified_on))
        .collect();
    sort_records(&mut found, sort, |z, f| {
        key_of(z.id, &z.name, z.stamp.created_on, z.stamp.modified_on, f)
    });
    Ok(ok(&paginate(found, paging, render::tax_zone)))
}

/// `GET /gl-accounts`, paged as in the 2026 portal spec (the 2025 file says a bare array but
/// documents `page`/`pageSize`/`includeTotal`); filters `ids, names, numbers, types,
/// subtypes, source, active, created*/modified*`.
pub(crate) async fn gl_accounts(
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
            SortField::Name,
            SortField::CreatedOn,
            SortField::ModifiedOn,
        ],
    )?;
    let ids = q.ids("ids")?;
    check_ids(&ids)?;
    let active = q.active()?;
    let window = q.window()?;
    let (names, numbers, types, subtypes) = (
        q.list("names"),
        q.list("numbers"),
        q.list("types"),
        q.list("subtypes"),
    );
    let source = q.get("source");
    let any = |list: &[String], v: &str| {
        list.is_empty() || list.iter().any(|x| x.eq_ignore_ascii_case(v))
    };
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let mut found: Vec<&GlAccount> = t
        .gl_accounts
        .values()
        .filter(|a| {
            active.is_none_or(|x| a.active == x)
                && ids.as_ref().is_none_or(|ids| ids.contains(&a.id))
        })
        .filter(|a| window.admits(a.stamp.created_on, a.stamp.modified_on))
        .filter(|a| any(&names, &a.name) && any(&numbers, &a.number) && any(&types, &a.kind))
        .filter(|a| {
            any(&subtypes, a.subtype.as_deref().unwrap_or(""))
                && source.is_none_or(|s| a.source.eq_ignore_ascii_case(s))
        })
        .collect();
    sort_records(&mut found, sort, |a, f| {
        key_of(a.id, &a.name, a.stamp.created_on, a.stamp.modified_on, f)
    });
    Ok(ok(&paginate(found, paging, render::gl_account)))
}

/// `GET /gl-accounts/{accountId}` (404 when missing).
pub(crate) async fn gl_account(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let id = parse_id("accountId", &id)?;
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let a = t
        .gl_accounts
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("GL account with id={id} not found")))?;
    Ok(ok(&render::gl_account(a)))
}

/// `GlAccountCreateRequest` / `GlAccountUpdateRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GlIn {
    name: Option<String>,
    number: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    subtype: Option<String>,
    active: Option<bool>,
}

fn name_taken(t: &TenantData, name: &str, except: Option<i64>) -> bool {
    t.gl_accounts
        .values()
        .any(|a| a.name.eq_ignore_ascii_case(name) && Some(a.id) != except)
}

/// `POST /gl-accounts` -> 201; 409 when the name exists.
pub(crate) async fn create_gl_account(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let r: GlIn = json_body(&headers, &body)?;
    let name = r
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::validation("Name", "The Name field is required."))?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    if name_taken(t, &name, None) {
        return Err(ApiError::conflict(format!(
            "A GL account named '{name}' already exists."
        )));
    }
    let id = t.next_id();
    let stamp = t.stamp(now);
    let account = GlAccount {
        id,
        name,
        number: r.number.unwrap_or_default(),
        description: r.description,
        kind: r.kind.unwrap_or_else(|| "Income".to_owned()),
        subtype: r.subtype,
        active: true,
        source: "PublicApi".to_owned(),
        default_account_type: None,
        stamp,
    };
    let wire = render::gl_account(&account);
    t.gl_accounts.insert(id, account);
    Ok((StatusCode::CREATED, axum::Json(wire)).into_response())
}

/// `PATCH /gl-accounts/{accountId}`: 404 when missing, 409 on a duplicate name or when
/// deactivating an account a payment type or price-book item uses.
pub(crate) async fn patch_gl_account(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = parse_id("accountId", &id)?;
    let r: GlIn = json_body(&headers, &body)?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    let mut a = t
        .gl_accounts
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("GL account with id={id} not found")))?;
    if let Some(name) = r.name.filter(|n| !n.trim().is_empty()) {
        if name_taken(t, &name, Some(id)) {
            return Err(ApiError::conflict(format!(
                "A GL account named '{name}' already exists."
            )));
        }
        a.name = name;
    }
    if r.active == Some(false) && a.active {
        let in_use = t
            .payment_types
            .values()
            .any(|p| p.active && p.gl_account_id == id)
            || t.skus.iter().any(|s| s.gl_account_id == id);
        if in_use {
            return Err(ApiError::conflict(
                "The GL account is in use and cannot be deactivated.",
            ));
        }
    }
    a.active = r.active.unwrap_or(a.active);
    a.number = r.number.unwrap_or(a.number);
    a.description = r.description.or(a.description);
    a.kind = r.kind.unwrap_or(a.kind);
    a.subtype = r.subtype.or(a.subtype);
    t.touch(&mut a.stamp, now);
    let wire = render::gl_account(&a);
    t.gl_accounts.insert(id, a);
    Ok(ok(&wire))
}

/// `GET /settings/v2/tenant/{tenant}/business-units` (`ids, name, active, created*/modified*,
/// externalDataApplicationGuid`, paged).
pub(crate) async fn business_units(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let paging = Paging::from_query(&q)?;
    let ids = q.ids("ids")?;
    check_ids(&ids)?;
    let active = q.active()?;
    let window = q.window()?;
    let name = q.get("name").map(str::to_lowercase);
    let guid = q
        .get("externalDataApplicationGuid")
        .map(str::to_ascii_lowercase);
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let found: Vec<&BusinessUnit> = t
        .business_units
        .values()
        .filter(|b| {
            active.is_none_or(|a| b.active == a)
                && ids.as_ref().is_none_or(|ids| ids.contains(&b.id))
        })
        .filter(|b| window.admits(b.stamp.created_on, b.stamp.modified_on))
        .filter(|b| {
            name.as_ref()
                .is_none_or(|n| b.name.to_lowercase().contains(n))
        })
        .collect();
    Ok(ok(&paginate(found, paging, |b| {
        render::business_unit(t, b, guid.as_deref())
    })))
}

/// `GET /settings/v2/tenant/{tenant}/business-units/{id}` (404 when missing).
pub(crate) async fn business_unit(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let id = parse_id("id", &id)?;
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let b = t
        .business_units
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("Business unit with id={id} not found")))?;
    let guid = q
        .get("externalDataApplicationGuid")
        .map(str::to_ascii_lowercase);
    Ok(ok(&render::business_unit(t, b, guid.as_deref())))
}
