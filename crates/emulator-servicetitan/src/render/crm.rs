//! CRM wire shapes (`Crm.V2.*` of the 2025 CRM spec): customers, contacts, locations.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::{Address, Contact, CustomField, Customer, ExternalData, Location};
use crate::wire::{WireNumber, ts};

#[derive(Debug, Serialize)]
pub(crate) struct AddressWire {
    pub street: String,
    pub unit: Option<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub country: String,
    pub latitude: Option<WireNumber>,
    pub longitude: Option<WireNumber>,
}

pub(crate) fn address(a: &Address) -> AddressWire {
    AddressWire {
        street: a.street.clone(),
        unit: a.unit.clone(),
        city: a.city.clone(),
        state: a.state.clone(),
        zip: a.zip.clone(),
        country: a.country.clone(),
        latitude: a.latitude.map(WireNumber),
        longitude: a.longitude.map(WireNumber),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomFieldWire {
    pub type_id: i64,
    pub name: String,
    pub value: String,
}

pub(crate) fn custom_fields(fields: &[CustomField]) -> Vec<CustomFieldWire> {
    fields
        .iter()
        .map(|f| CustomFieldWire {
            type_id: f.type_id,
            name: f.name.clone(),
            value: f.value.clone(),
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub(crate) struct ExternalWire {
    pub key: String,
    pub value: String,
}

/// External data is only visible to the application GUID that wrote it.
pub(crate) fn external(data: &ExternalData, guid: Option<&str>) -> Vec<ExternalWire> {
    guid.and_then(|g| data.get(&g.to_ascii_lowercase()))
        .map(|items| {
            items
                .iter()
                .map(|(k, v)| ExternalWire {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContactRef {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    pub memo: Option<String>,
}

/// `CustomerResponse` / `ExportCustomerResponse` / `CreatedCustomerResponse` (the latter two
/// optional lists only on create).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CustomerWire {
    pub id: i64,
    pub active: bool,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub address: AddressWire,
    pub custom_fields: Vec<CustomFieldWire>,
    pub balance: WireNumber,
    pub tag_type_ids: Vec<i64>,
    pub do_not_mail: bool,
    pub do_not_service: bool,
    pub created_on: String,
    pub created_by_id: i64,
    pub modified_on: String,
    pub merged_to_id: Option<i64>,
    pub external_data: Vec<ExternalWire>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locations: Option<Vec<LocationWire>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<ContactRef>>,
}

pub(crate) fn customer(
    c: &Customer,
    balances: &HashMap<i64, Decimal>,
    guid: Option<&str>,
) -> CustomerWire {
    let mut balance = balances.get(&c.id).copied().unwrap_or_default();
    if balance.scale() < 2 {
        balance.rescale(2);
    }
    CustomerWire {
        id: c.id,
        active: c.active,
        name: c.name.clone(),
        kind: c.kind.clone(),
        address: address(&c.address),
        custom_fields: custom_fields(&c.custom_fields),
        balance: WireNumber(balance),
        tag_type_ids: c.tag_type_ids.clone(),
        do_not_mail: c.do_not_mail,
        do_not_service: c.do_not_service,
        created_on: ts(c.stamp.created_on),
        created_by_id: c.created_by_id,
        modified_on: ts(c.stamp.modified_on),
        merged_to_id: c.merged_to_id,
        external_data: external(&c.external, guid),
        locations: None,
        contacts: None,
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PhoneSettings {
    pub phone_number: String,
    pub do_not_text: bool,
}

/// `CustomerContactWithModifiedOnResponse`, plus `customerId`/`active` in the export feed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContactWire {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    pub memo: Option<String>,
    pub modified_on: String,
    pub phone_settings: Option<PhoneSettings>,
    pub created_on: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

pub(crate) fn contact(c: &Contact, for_export: bool) -> ContactWire {
    let is_phone = matches!(c.kind.as_str(), "Phone" | "MobilePhone");
    ContactWire {
        id: c.id,
        kind: c.kind.clone(),
        value: c.value.clone(),
        memo: c.memo.clone(),
        modified_on: ts(c.stamp.modified_on),
        phone_settings: is_phone.then(|| PhoneSettings {
            phone_number: c.value.clone(),
            do_not_text: c.do_not_text,
        }),
        created_on: ts(c.stamp.created_on),
        customer_id: for_export.then_some(c.customer_id),
        active: for_export.then_some(c.active),
    }
}

/// `LocationResponse` / `ExportLocationsResponse` / `CreateLocationResponse` (with contacts).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LocationWire {
    pub id: i64,
    pub customer_id: i64,
    pub active: bool,
    pub name: String,
    pub address: AddressWire,
    pub custom_fields: Vec<CustomFieldWire>,
    pub created_on: String,
    pub created_by_id: i64,
    pub modified_on: String,
    pub merged_to_id: Option<i64>,
    pub zone_id: Option<i64>,
    pub tag_type_ids: Vec<i64>,
    pub external_data: Vec<ExternalWire>,
    pub tax_zone_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contacts: Option<Vec<ContactRef>>,
}

pub(crate) fn location(l: &Location, guid: Option<&str>, with_contacts: bool) -> LocationWire {
    LocationWire {
        id: l.id,
        customer_id: l.customer_id,
        active: l.active,
        name: l.name.clone(),
        address: address(&l.address),
        custom_fields: custom_fields(&l.custom_fields),
        created_on: ts(l.stamp.created_on),
        created_by_id: l.created_by_id,
        modified_on: ts(l.stamp.modified_on),
        merged_to_id: None,
        zone_id: l.zone_id,
        tag_type_ids: l.tag_type_ids.clone(),
        external_data: external(&l.external, guid),
        tax_zone_id: l.tax_zone_id,
        contacts: with_contacts.then(|| {
            l.contacts
                .iter()
                .map(|(id, kind, value, memo)| ContactRef {
                    id: *id,
                    kind: kind.clone(),
                    value: value.clone(),
                    memo: memo.clone(),
                })
                .collect()
        }),
    }
}
