//! CRM v2: customers (list, get, create, PATCH), their contacts, and their export feeds.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::api::crm_write::{apply_customer_patch, insert_contact, insert_customer};
use crate::api::{check_ids, json_body, key_of, ok, parse_id, sort_records, tenant_id};
use crate::error::{ApiError, ApiResult};
use crate::export;
use crate::model::Customer;
use crate::query::{Paging, Query, Sort, SortField, paginate};
use crate::render::crm;
use crate::state::EmulatorState;

pub(crate) fn contains(hay: &str, needle: Option<&str>) -> bool {
    needle.is_none_or(|n| hay.to_lowercase().contains(&n.to_lowercase()))
}

/// `GET /customers`: `ids, name, street, city, state, zip, phone, active, created*/modified*,
/// externalData*` filters; `sort` by Id, ModifiedOn, CreatedOn (and Name).
pub(crate) async fn list_customers(
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
    let guid = q
        .get("externalDataApplicationGuid")
        .map(str::to_ascii_lowercase);
    let ext_key = q.get("externalDataKey");
    let ext_values = q.list("externalDataValues");
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let phone = q
        .get("phone")
        .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>());
    let phone_owners: Option<Vec<i64>> = phone.map(|digits| {
        t.contacts
            .values()
            .filter(|c| {
                c.active
                    && c.value
                        .chars()
                        .filter(char::is_ascii_digit)
                        .collect::<String>()
                        .contains(&digits)
            })
            .map(|c| c.customer_id)
            .collect()
    });
    let mut found: Vec<&Customer> = t
        .customers
        .values()
        .filter(|c| active.is_none_or(|a| c.active == a))
        .filter(|c| ids.as_ref().is_none_or(|ids| ids.contains(&c.id)))
        .filter(|c| window.admits(c.stamp.created_on, c.stamp.modified_on))
        .filter(|c| contains(&c.name, q.get("name")))
        .filter(|c| {
            contains(&c.address.street, q.get("street")) && contains(&c.address.city, q.get("city"))
        })
        .filter(|c| {
            contains(&c.address.state, q.get("state")) && contains(&c.address.zip, q.get("zip"))
        })
        .filter(|c| {
            phone_owners
                .as_ref()
                .is_none_or(|owners| owners.contains(&c.id))
        })
        .filter(|c| match (&guid, ext_key) {
            (Some(g), Some(key)) => c.external.get(g).is_some_and(|items| {
                items
                    .iter()
                    .any(|(k, v)| k == key && (ext_values.is_empty() || ext_values.contains(v)))
            }),
            _ => true,
        })
        .collect();
    sort_records(&mut found, sort, |c, f| {
        key_of(c.id, &c.name, c.stamp.created_on, c.stamp.modified_on, f)
    });
    let balances = t.customer_balances();
    Ok(ok(&paginate(found, paging, |c| {
        t.serve(
            "customers",
            c.id,
            crm::customer(c, &balances, guid.as_deref()),
        )
    })))
}

/// `GET /customers/{id}` (404 when missing; inactive customers are returned).
pub(crate) async fn get_customer(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let id = parse_id("id", &id)?;
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let c = t
        .customers
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("Customer with id={id} not found")))?;
    let guid = q
        .get("externalDataApplicationGuid")
        .map(str::to_ascii_lowercase);
    let wire = crm::customer(c, &t.customer_balances(), guid.as_deref());
    Ok(ok(&t.serve("customers", c.id, wire)))
}

/// `POST /customers` -> `CreatedCustomerResponse`.
pub(crate) async fn create_customer(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let request = json_body(&headers, &body)?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    let (id, guid) = insert_customer(t, request, now)?;
    tracing::info!(
        tenant = t.tenant_id,
        customer = id,
        "servicetitan customer created"
    );
    let c = &t.customers[&id];
    let mut wire = crm::customer(c, &t.customer_balances(), guid.as_deref());
    wire.locations = Some(
        t.locations
            .values()
            .filter(|l| l.customer_id == id)
            .map(|l| crm::location(l, guid.as_deref(), true))
            .collect(),
    );
    wire.contacts = Some(
        t.contacts
            .values()
            .filter(|k| k.customer_id == id)
            .map(|k| crm::ContactRef {
                id: k.id,
                kind: k.kind.clone(),
                value: k.value.clone(),
                memo: k.memo.clone(),
            })
            .collect(),
    );
    Ok(ok(&wire))
}

/// `PATCH /customers/{id}` -> `CustomerResponse`.
pub(crate) async fn patch_customer(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = parse_id("id", &id)?;
    let request = json_body(&headers, &body)?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    let guid = apply_customer_patch(t, id, request, now)?;
    tracing::info!(
        tenant = t.tenant_id,
        customer = id,
        "servicetitan customer updated"
    );
    Ok(ok(&crm::customer(
        &t.customers[&id],
        &t.customer_balances(),
        guid.as_deref(),
    )))
}

/// `GET /customers/{id}/contacts` (paged).
pub(crate) async fn list_contacts(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let paging = Paging::from_query(&q)?;
    let id = parse_id("id", &id)?;
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    if !t.customers.contains_key(&id) {
        return Err(ApiError::not_found(format!(
            "Customer with id={id} not found"
        )));
    }
    let found: Vec<_> = t
        .contacts
        .values()
        .filter(|c| c.customer_id == id && c.active)
        .collect();
    Ok(ok(&paginate(found, paging, |c| {
        t.serve("contacts", c.id, crm::contact(c, false))
    })))
}

/// `GET /customers/contacts` (the CRM spec's `Customers_GetModifiedContactsList`): contacts of
/// every customer, paged, with their `customerId`. The spec says "Either modifiedBefore or
/// modifiedOnOrAfter parameter must be specified", so a request with neither is a 400 (even with
/// `customerIds`); `customerIds` narrows the result to those customers.
pub(crate) async fn list_modified_contacts(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let paging = Paging::from_query(&q)?;
    if q.get("modifiedBefore").is_none() && q.get("modifiedOnOrAfter").is_none() {
        return Err(ApiError::validation(
            "modifiedOnOrAfter",
            "Either modifiedBefore or modifiedOnOrAfter parameter must be specified",
        ));
    }
    let window = q.window()?;
    let customers = q.ids("customerIds")?;
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let found: Vec<_> = t
        .contacts
        .values()
        .filter(|c| c.active)
        .filter(|c| {
            customers
                .as_ref()
                .is_none_or(|ids| ids.contains(&c.customer_id))
        })
        .filter(|c| window.admits(c.stamp.created_on, c.stamp.modified_on))
        .collect();
    Ok(ok(&paginate(found, paging, |c| {
        let mut wire = crm::contact(c, false);
        wire.customer_id = Some(c.customer_id);
        t.serve("contacts", c.id, wire)
    })))
}

/// `POST /customers/{id}/contacts` -> `CustomerContactWithModifiedOnResponse`.
pub(crate) async fn create_contact(
    State(state): State<EmulatorState>,
    Path((tenant, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = parse_id("id", &id)?;
    let request = json_body(&headers, &body)?;
    let now = state.now();
    let mut world = state.world();
    let t = world.tenant_mut(tenant_id(&tenant)?)?;
    if !t.customers.contains_key(&id) {
        return Err(ApiError::not_found(format!(
            "Customer with id={id} not found"
        )));
    }
    let contact_id = insert_contact(t, id, request, now)?;
    Ok(ok(&crm::contact(&t.contacts[&contact_id], false)))
}

/// `GET /export/customers`.
pub(crate) async fn export_customers(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let now = state.now();
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let page = export::page(
        "customers",
        &q,
        t.customers.values().map(|c| (c, c.stamp)).collect(),
        now,
    )?;
    let balances = t.customer_balances();
    Ok(ok(&export::ExportPage {
        has_more: page.has_more,
        continue_from: page.continue_from,
        data: page
            .data
            .into_iter()
            .map(|c| t.serve("customers", c.id, crm::customer(c, &balances, None)))
            .collect(),
    }))
}

/// `GET /export/customers/contacts`.
pub(crate) async fn export_contacts(
    State(state): State<EmulatorState>,
    Path(tenant): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref());
    let now = state.now();
    let world = state.world();
    let t = world.tenant(tenant_id(&tenant)?)?;
    let page = export::page(
        "customer-contacts",
        &q,
        t.contacts.values().map(|c| (c, c.stamp)).collect(),
        now,
    )?;
    Ok(ok(&export::ExportPage {
        has_more: page.has_more,
        continue_from: page.continue_from,
        data: page
            .data
            .into_iter()
            .map(|c| t.serve("contacts", c.id, crm::contact(c, true)))
            .collect(),
    }))
}
