//! CRM writes: the request bodies (`CreateCustomerRequest`, `UpdateCustomerRequest`,
//! `CreateCustomerContactRequest`) and how they change the records.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::model::{Address, Contact, CustomField, Customer, ExternalData, Location};
use crate::state::TenantData;
use crate::wire::WireNumber;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AddressIn {
    street: Option<String>,
    unit: Option<String>,
    city: Option<String>,
    state: Option<String>,
    zip: Option<String>,
    country: Option<String>,
    latitude: Option<WireNumber>,
    longitude: Option<WireNumber>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContactIn {
    #[serde(rename = "type")]
    kind: Option<String>,
    value: Option<String>,
    memo: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomFieldIn {
    type_id: i64,
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct KeyValueIn {
    key: String,
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExternalIn {
    application_guid: Option<String>,
    #[serde(default)]
    external_data: Vec<KeyValueIn>,
    patch_mode: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewLocationIn {
    name: Option<String>,
    address: Option<AddressIn>,
    #[serde(default)]
    contacts: Vec<ContactIn>,
    #[serde(default)]
    tag_type_ids: Vec<i64>,
    external_data: Option<ExternalIn>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateCustomerIn {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    do_not_mail: Option<bool>,
    do_not_service: Option<bool>,
    locations: Option<Vec<NewLocationIn>>,
    address: Option<AddressIn>,
    #[serde(default)]
    contacts: Vec<ContactIn>,
    #[serde(default)]
    custom_fields: Vec<CustomFieldIn>,
    #[serde(default)]
    tag_type_ids: Vec<i64>,
    external_data: Option<ExternalIn>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateCustomerIn {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    address: Option<AddressIn>,
    custom_fields: Option<Vec<CustomFieldIn>>,
    external_data: Option<ExternalIn>,
    do_not_mail: Option<bool>,
    do_not_service: Option<bool>,
    active: Option<bool>,
    tag_type_ids: Option<Vec<i64>>,
}

/// The custom field types the sandbox tenants define.
const CUSTOM_FIELD_TYPES: [(i64, &str); 2] = [(101, "Lead Source"), (102, "Gate Code")];

fn required(field: &str, value: Option<String>) -> ApiResult<String> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(ApiError::validation(
            field,
            format!("The {field} field is required."),
        )),
    }
}

fn new_address(prefix: &str, a: Option<AddressIn>) -> ApiResult<Address> {
    let a =
        a.ok_or_else(|| ApiError::validation(prefix, format!("The {prefix} field is required.")))?;
    Ok(Address {
        street: required(&format!("{prefix}.Street"), a.street)?,
        unit: a.unit.filter(|u| !u.is_empty()),
        city: required(&format!("{prefix}.City"), a.city)?,
        state: required(&format!("{prefix}.State"), a.state)?,
        zip: required(&format!("{prefix}.Zip"), a.zip)?,
        country: required(&format!("{prefix}.Country"), a.country)?,
        latitude: a.latitude.map(|n| n.0),
        longitude: a.longitude.map(|n| n.0),
    })
}

fn customer_type(kind: Option<String>) -> ApiResult<String> {
    match kind.as_deref() {
        None => Ok("Residential".to_owned()),
        Some(k) if k.eq_ignore_ascii_case("residential") => Ok("Residential".to_owned()),
        Some(k) if k.eq_ignore_ascii_case("commercial") => Ok("Commercial".to_owned()),
        Some(k) => Err(ApiError::validation(
            "Type",
            format!("The value '{k}' is not valid."),
        )),
    }
}

fn contact_type(kind: Option<&str>) -> ApiResult<String> {
    let k = kind.ok_or_else(|| ApiError::validation("Type", "The Type field is required."))?;
    ["Phone", "Email", "Fax", "MobilePhone"]
        .iter()
        .find(|t| {
            t.eq_ignore_ascii_case(k) || (k.eq_ignore_ascii_case("LandlinePhone") && **t == "Phone")
        })
        .map(|t| (*t).to_owned())
        .ok_or_else(|| ApiError::validation("Type", format!("The value '{k}' is not valid.")))
}

fn custom_fields(fields: Vec<CustomFieldIn>) -> ApiResult<Vec<CustomField>> {
    fields
        .into_iter()
        .map(|f| {
            let name = CUSTOM_FIELD_TYPES
                .iter()
                .find(|(id, _)| *id == f.type_id)
                .map(|(_, n)| (*n).to_owned());
            let name = name.ok_or_else(|| {
                ApiError::validation(
                    "CustomFields",
                    format!("Custom field type {} not found.", f.type_id),
                )
            })?;
            Ok(CustomField {
                type_id: f.type_id,
                name,
                value: f.value.unwrap_or_default(),
            })
        })
        .collect()
}

/// Applies an `externalData` block; returns the (lowercased) application GUID it was for.
fn apply_external(target: &mut ExternalData, ext: Option<ExternalIn>) -> ApiResult<Option<String>> {
    let Some(ext) = ext else { return Ok(None) };
    let guid = required("ExternalData.ApplicationGuid", ext.application_guid)?.to_ascii_lowercase();
    if uuid::Uuid::parse_str(&guid).is_err() {
        return Err(ApiError::validation(
            "ExternalData.ApplicationGuid",
            "The value is not a valid GUID.",
        ));
    }
    let merge = ext
        .patch_mode
        .as_deref()
        .is_some_and(|m| m.eq_ignore_ascii_case("merge"));
    let entry = target.entry(guid.clone()).or_default();
    if !merge {
        entry.clear();
    }
    for kv in ext.external_data {
        entry.retain(|(k, _)| *k != kv.key);
        if let Some(v) = kv.value {
            entry.push((kv.key, v));
        }
    }
    Ok(Some(guid))
}

/// The tax zone a new location gets: the zone named after its city, if the tenant has one.
fn zone_for(t: &TenantData, address: &Address) -> Option<i64> {
    t.tax_zones
        .values()
        .find(|z| z.name.to_lowercase().contains(&address.city.to_lowercase()))
        .map(|z| z.id)
}

pub(crate) fn insert_contact(
    t: &mut TenantData,
    customer_id: i64,
    c: ContactIn,
    now: DateTime<Utc>,
) -> ApiResult<i64> {
    let kind = contact_type(c.kind.as_deref())?;
    let value = required("Value", c.value)?;
    let id = t.next_id();
    let stamp = t.stamp(now);
    t.contacts.insert(
        id,
        Contact {
            id,
            customer_id,
            kind,
            value,
            memo: c.memo,
            do_not_text: false,
            active: true,
            stamp,
        },
    );
    Ok(id)
}

/// Creates a customer with its locations and contacts; returns its id and the GUID of the
/// external data written, if any.
pub(crate) fn insert_customer(
    t: &mut TenantData,
    r: CreateCustomerIn,
    now: DateTime<Utc>,
) -> ApiResult<(i64, Option<String>)> {
    let name = required("Name", r.name)?;
    let address = new_address("Address", r.address)?;
    let locations = r
        .locations
        .ok_or_else(|| ApiError::validation("Locations", "The Locations field is required."))?;
    let kind = customer_type(r.kind)?;
    let fields = custom_fields(r.custom_fields)?;
    let mut new_locations = Vec::new();
    for (i, l) in locations.into_iter().enumerate() {
        let lname = required(&format!("Locations[{i}].Name"), l.name)?;
        let laddr = new_address(&format!("Locations[{i}].Address"), l.address)?;
        let contacts = l
            .contacts
            .into_iter()
            .map(|c| {
                Ok((
                    contact_type(c.kind.as_deref())?,
                    required("Value", c.value)?,
                    c.memo,
                ))
            })
            .collect::<ApiResult<Vec<_>>>()?;
        new_locations.push((lname, laddr, contacts, l.tag_type_ids, l.external_data));
    }
    for c in &r.contacts {
        contact_type(c.kind.as_deref())?;
    }
    let mut external = ExternalData::new();
    let guid = apply_external(&mut external, r.external_data)?;
    let id = t.next_id();
    let stamp = t.stamp(now);
    t.customers.insert(
        id,
        Customer {
            id,
            active: true,
            name,
            kind,
            address,
            custom_fields: fields,
            tag_type_ids: r.tag_type_ids,
            do_not_mail: r.do_not_mail.unwrap_or(false),
            do_not_service: r.do_not_service.unwrap_or(false),
            created_by_id: 0,
            merged_to_id: None,
            external,
            stamp,
        },
    );
    for c in r.contacts {
        insert_contact(t, id, c, now)?;
    }
    for (name, address, contacts, tags, ext) in new_locations {
        let lid = t.next_id();
        let contacts = contacts
            .into_iter()
            .map(|(k, v, m)| (t.next_id(), k, v, m))
            .collect();
        let mut lext = ExternalData::new();
        apply_external(&mut lext, ext)?;
        let tax_zone_id = zone_for(t, &address);
        let stamp = t.stamp(now);
        t.locations.insert(
            lid,
            Location {
                id: lid,
                customer_id: id,
                active: true,
                name,
                address,
                tax_zone_id,
                zone_id: None,
                tag_type_ids: tags,
                custom_fields: Vec::new(),
                created_by_id: 0,
                external: lext,
                contacts,
                stamp,
            },
        );
    }
    Ok((id, guid))
}

/// Applies a customer PATCH ("patch mode": absent fields stay); returns the external-data
/// GUID the response should show.
pub(crate) fn apply_customer_patch(
    t: &mut TenantData,
    id: i64,
    r: UpdateCustomerIn,
    now: DateTime<Utc>,
) -> ApiResult<Option<String>> {
    let mut c = t
        .customers
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("Customer with id={id} not found")))?;
    if let Some(name) = r.name {
        c.name = required("Name", Some(name))?;
    }
    if r.kind.is_some() {
        c.kind = customer_type(r.kind)?;
    }
    if let Some(a) = r.address {
        let merged = AddressIn {
            street: a.street.or(Some(c.address.street.clone())),
            unit: a.unit.or(c.address.unit.clone()),
            city: a.city.or(Some(c.address.city.clone())),
            state: a.state.or(Some(c.address.state.clone())),
            zip: a.zip.or(Some(c.address.zip.clone())),
            country: a.country.or(Some(c.address.country.clone())),
            latitude: a.latitude.or(c.address.latitude.map(WireNumber)),
            longitude: a.longitude.or(c.address.longitude.map(WireNumber)),
        };
        c.address = new_address("Address", Some(merged))?;
    }
    if let Some(fields) = r.custom_fields {
        c.custom_fields = custom_fields(fields)?;
    }
    let guid = apply_external(&mut c.external, r.external_data)?;
    c.do_not_mail = r.do_not_mail.unwrap_or(c.do_not_mail);
    c.do_not_service = r.do_not_service.unwrap_or(c.do_not_service);
    c.active = r.active.unwrap_or(c.active);
    c.tag_type_ids = r.tag_type_ids.unwrap_or(c.tag_type_ids);
    t.touch(&mut c.stamp, now);
    t.customers.insert(id, c);
    Ok(guid)
}
