//! Reference-data wire shapes: payment types, tax zones, GL accounts, business units, and the
//! `PaymentResponse` that payment create/update answer with.

use serde::Serialize;

use crate::model::{BusinessUnit, GlAccount, Payment, PaymentType, TaxZone};
use crate::render::crm::{ExternalWire, external};
use crate::state::TenantData;
use crate::wire::{WireNumber, ts};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentTypeWire {
    pub id: i64,
    pub name: String,
    pub modified_on: Option<String>,
    pub created_on: Option<String>,
}

pub(crate) fn payment_type(p: &PaymentType) -> PaymentTypeWire {
    PaymentTypeWire {
        id: p.id,
        name: p.name.clone(),
        modified_on: Some(ts(p.stamp.modified_on)),
        created_on: Some(ts(p.stamp.created_on)),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TaxRateWire {
    pub id: Option<i64>,
    pub tax_name: Option<String>,
    pub tax_base_type: Vec<String>,
    pub tax_rate: WireNumber,
    pub sales_tax_item: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TaxZoneWire {
    pub id: i64,
    pub name: Option<String>,
    pub color: Option<i32>,
    pub is_tax_rate_separated: bool,
    pub is_multiple_tax_zone: bool,
    pub rates: Vec<TaxRateWire>,
    pub created_on: String,
    pub modified_on: String,
    pub active: bool,
}

pub(crate) fn tax_zone(z: &TaxZone) -> TaxZoneWire {
    TaxZoneWire {
        id: z.id,
        name: Some(z.name.clone()),
        color: Some(z.color),
        is_tax_rate_separated: z.is_tax_rate_separated,
        is_multiple_tax_zone: z.is_multiple_tax_zone,
        rates: z
            .rates
            .iter()
            .map(|r| TaxRateWire {
                id: Some(r.id),
                tax_name: Some(r.name.clone()),
                tax_base_type: r.base.clone(),
                tax_rate: WireNumber(r.rate),
                sales_tax_item: Some(r.sales_tax_item.clone()),
            })
            .collect(),
        created_on: ts(z.stamp.created_on),
        modified_on: ts(z.stamp.modified_on),
        active: z.active,
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GlAccountWire {
    pub id: i64,
    pub name: Option<String>,
    pub number: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub subtype: Option<String>,
    pub active: bool,
    pub is_intacct_group: bool,
    pub is_intacct_bank_account: bool,
    pub source: String,
    pub default_account_type: Option<String>,
    pub created_on: String,
    pub modified_on: String,
}

pub(crate) fn gl_account(a: &GlAccount) -> GlAccountWire {
    GlAccountWire {
        id: a.id,
        name: Some(a.name.clone()),
        number: Some(a.number.clone()),
        description: a.description.clone(),
        kind: Some(a.kind.clone()),
        subtype: a.subtype.clone(),
        active: a.active,
        is_intacct_group: false,
        is_intacct_bank_account: false,
        source: a.source.clone(),
        default_account_type: a.default_account_type.clone(),
        created_on: ts(a.stamp.created_on),
        modified_on: ts(a.stamp.modified_on),
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct BuAddress {
    pub street: Option<String>,
    pub unit: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BuTenant {
    pub id: i64,
    pub name: String,
    pub account_code: Option<String>,
    pub franchise_id: Option<String>,
    pub concept_code: Option<String>,
    pub modified_on: String,
}

/// `TenantSettings.V2.BusinessUnitResponse` (settings module).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BusinessUnitWire {
    pub id: i64,
    pub active: bool,
    pub name: String,
    pub official_name: Option<String>,
    pub email: Option<String>,
    pub currency: Option<String>,
    pub phone_number: Option<String>,
    pub invoice_header: Option<String>,
    pub invoice_message: Option<String>,
    pub default_tax_rate: Option<WireNumber>,
    pub authorization_paragraph: Option<String>,
    pub acknowledgement_paragraph: Option<String>,
    pub address: Option<BuAddress>,
    pub material_sku: Option<String>,
    pub quickbooks_class: Option<String>,
    pub account_code: Option<String>,
    pub franchise_id: Option<String>,
    pub concept_code: Option<String>,
    pub corporate_contract_number: Option<String>,
    pub tenant: Option<BuTenant>,
    pub created_on: String,
    pub modified_on: String,
    pub external_data: Vec<ExternalWire>,
}

pub(crate) fn business_unit(
    t: &TenantData,
    b: &BusinessUnit,
    guid: Option<&str>,
) -> BusinessUnitWire {
    BusinessUnitWire {
        id: b.id,
        active: b.active,
        name: b.name.clone(),
        official_name: Some(b.official_name.clone()),
        email: Some(b.email.clone()),
        currency: Some("USD".to_owned()),
        phone_number: Some(b.phone.clone()),
        invoice_header: None,
        invoice_message: None,
        default_tax_rate: None,
        authorization_paragraph: None,
        acknowledgement_paragraph: None,
        address: Some(BuAddress {
            street: Some(b.address.street.clone()),
            unit: b.address.unit.clone(),
            city: Some(b.address.city.clone()),
            state: Some(b.address.state.clone()),
            zip: Some(b.address.zip.clone()),
            country: Some(b.address.country.clone()),
        }),
        material_sku: None,
        quickbooks_class: b.quickbooks_class.clone(),
        account_code: None,
        franchise_id: None,
        concept_code: None,
        corporate_contract_number: None,
        tenant: Some(BuTenant {
            id: t.tenant_id as i64,
            name: t.name.clone(),
            account_code: None,
            franchise_id: None,
            concept_code: None,
            modified_on: ts(b.stamp.created_on),
        }),
        created_on: ts(b.stamp.created_on),
        modified_on: ts(b.stamp.modified_on),
        external_data: external(&b.external, guid),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SplitWire {
    pub invoice_id: Option<i64>,
    pub amount: Option<WireNumber>,
}

/// `PaymentResponse` (answer of payment create and update).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentResponseWire {
    pub id: i64,
    pub type_id: i64,
    pub active: Option<bool>,
    pub memo: Option<String>,
    pub paid_on: Option<String>,
    pub auth_code: Option<String>,
    pub check_number: Option<String>,
    pub export_id: Option<String>,
    pub transaction_status: Option<String>,
    pub status: Option<String>,
    pub splits: Vec<SplitWire>,
}

pub(crate) fn payment_response(p: &Payment) -> PaymentResponseWire {
    PaymentResponseWire {
        id: p.id,
        type_id: p.type_id,
        active: Some(p.active),
        memo: p.memo.clone(),
        paid_on: Some(ts(p.paid_on)),
        auth_code: p.auth_code.clone(),
        check_number: p.check_number.clone(),
        export_id: p.export_id.clone(),
        transaction_status: Some("Success".to_owned()),
        status: Some(p.sync_status.clone()),
        splits: p
            .splits
            .iter()
            .map(|s| SplitWire {
                invoice_id: s.invoice_id,
                amount: Some(WireNumber(s.amount)),
            })
            .collect(),
    }
}
