//! Accounting wire shapes (`Accounting.V2.*` of the 2025 accounting spec): invoices and their
//! items, payments. Money is written as decimal strings, as the real API does.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::{Address, Invoice, InvoiceItem};
use crate::state::TenantData;
use crate::wire::{WireNumber, money, quantity, ts};

#[derive(Debug, Serialize)]
pub(crate) struct Named {
    pub id: i64,
    pub name: Option<String>,
}

/// `CustomFieldResponse` / `CustomFieldModel` (`{name, value}`); the demo has none.
#[derive(Debug, Serialize)]
pub(crate) struct NameValue {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct AcctAddress {
    pub street: Option<String>,
    pub unit: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub zip: Option<String>,
    pub country: Option<String>,
}

pub(crate) fn acct_address(a: &Address) -> AcctAddress {
    AcctAddress {
        street: Some(a.street.clone()),
        unit: a.unit.clone(),
        city: Some(a.city.clone()),
        state: Some(a.state.clone()),
        zip: Some(a.zip.clone()),
        country: Some(a.country.clone()),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GlRef {
    pub id: i64,
    pub name: Option<String>,
    pub number: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub detail_type: Option<String>,
}

pub(crate) fn gl_ref(t: &TenantData, id: Option<i64>) -> Option<GlRef> {
    let a = t.gl_accounts.get(&id?)?;
    Some(GlRef {
        id: a.id,
        name: Some(a.name.clone()),
        number: Some(a.number.clone()),
        kind: Some(a.kind.clone()),
        detail_type: a.subtype.clone(),
    })
}

pub(crate) fn business_unit(t: &TenantData, id: Option<i64>) -> Option<Named> {
    let id = id?;
    Some(Named {
        id,
        name: t.business_units.get(&id).map(|b| b.name.clone()),
    })
}

#[derive(Debug, Serialize)]
pub(crate) struct Batch {
    pub id: i64,
    pub number: Option<String>,
    pub name: Option<String>,
}

pub(crate) fn batch(b: &Option<(i64, String, String)>) -> Option<Batch> {
    b.as_ref().map(|(id, number, name)| Batch {
        id: *id,
        number: Some(number.clone()),
        name: Some(name.clone()),
    })
}

/// `InvoiceItemResponse`; the export feed adds `active` and `invoiceId`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ItemWire {
    pub id: i64,
    pub description: String,
    pub quantity: String,
    pub cost: String,
    pub total_cost: String,
    pub inventory_location: Option<String>,
    pub price: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub sku_name: String,
    pub sku_id: i64,
    pub total: String,
    pub inventory: bool,
    pub taxable: bool,
    pub general_ledger_account: Option<GlRef>,
    pub cost_of_sale_account: Option<GlRef>,
    pub asset_account: Option<GlRef>,
    pub membership_type_id: i64,
    pub item_group: Option<Named>,
    pub display_name: String,
    pub sold_hours: Option<WireNumber>,
    pub created_on: String,
    pub modified_on: String,
    pub service_date: Option<String>,
    pub order: i32,
    pub business_unit: Option<Named>,
    pub created_by_id: Option<i64>,
    pub display_in_amount: Option<bool>,
    pub import_id: Option<String>,
    pub export_id: Option<String>,
    pub inventory_status: Option<String>,
    pub add_on: bool,
    pub member_price: String,
    pub technician_id: Option<i64>,
    pub installed_equipment_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<i64>,
}

pub(crate) fn item(t: &TenantData, i: &InvoiceItem, export_of: Option<i64>) -> ItemWire {
    ItemWire {
        id: i.id,
        description: i.description.clone(),
        quantity: quantity(i.quantity),
        cost: money(i.cost),
        total_cost: money(i.total_cost()),
        inventory_location: None,
        price: money(i.price),
        kind: i.kind.clone(),
        sku_name: i.sku_name.clone(),
        sku_id: i.sku_id,
        total: money(i.total()),
        inventory: i.inventory,
        taxable: i.taxable,
        general_ledger_account: gl_ref(t, i.gl_account_id),
        cost_of_sale_account: None,
        asset_account: None,
        membership_type_id: 0,
        item_group: None,
        display_name: i.sku_name.clone(),
        sold_hours: i.sold_hours.map(WireNumber),
        created_on: ts(i.stamp.created_on),
        modified_on: ts(i.stamp.modified_on),
        service_date: i.service_date.map(ts),
        order: i.order,
        business_unit: business_unit(t, i.business_unit_id),
        created_by_id: None,
        display_in_amount: Some(true),
        import_id: None,
        export_id: None,
        inventory_status: None,
        add_on: false,
        member_price: money(i.price),
        technician_id: i.technician_id,
        installed_equipment_id: None,
        active: export_of.map(|_| i.active),
        invoice_id: export_of,
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SalesTaxCode {
    pub id: i64,
    pub name: Option<String>,
    pub tax_rate: WireNumber,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Royalty {
    pub status: Option<String>,
    pub date: Option<String>,
    pub sent_on: Option<String>,
    pub memo: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmployeeInfo {
    pub id: i64,
    pub name: Option<String>,
    pub modified_on: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobWire {
    pub id: i64,
    pub number: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// `InvoiceResponse` (= `ExportInvoiceResponse`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InvoiceWire {
    pub id: i64,
    pub sync_status: Option<String>,
    pub summary: Option<String>,
    pub reference_number: Option<String>,
    pub invoice_date: Option<String>,
    pub due_date: Option<String>,
    pub sub_total: Option<String>,
    pub sales_tax: Option<String>,
    pub sales_tax_code: Option<SalesTaxCode>,
    pub total: Option<String>,
    pub balance: Option<String>,
    pub invoice_type: Option<Named>,
    pub customer: Option<Named>,
    pub customer_address: Option<AcctAddress>,
    pub location: Option<Named>,
    pub location_address: Option<AcctAddress>,
    pub business_unit: Option<Named>,
    pub term_name: Option<String>,
    pub created_by: Option<String>,
    pub batch: Option<Batch>,
    pub deposited_on: Option<String>,
    pub created_on: String,
    pub modified_on: Option<String>,
    pub adjustment_to_id: Option<i64>,
    pub job: Option<JobWire>,
    pub project_id: Option<i64>,
    pub royalty: Option<Royalty>,
    pub employee_info: Option<EmployeeInfo>,
    pub commission_eligibility_date: Option<String>,
    pub sent_status: String,
    pub review_status: String,
    pub assigned_to: Option<Named>,
    pub items: Option<Vec<ItemWire>>,
    pub custom_fields: Option<Vec<NameValue>>,
    pub active: bool,
    pub discount_total: Option<String>,
    pub import_id: Option<String>,
    pub export_id: Option<String>,
    pub material_sku_id: Option<i64>,
    pub membership_id: Option<i64>,
    pub paid_on: Option<String>,
}

/// What rendering an invoice needs besides the invoice: its tenant and the payment totals.
pub(crate) struct InvoiceCtx<'a> {
    pub t: &'a TenantData,
    pub applied: &'a HashMap<i64, (Decimal, DateTime<Utc>)>,
}

pub(crate) fn invoice(cx: &InvoiceCtx<'_>, inv: &Invoice) -> InvoiceWire {
    let t = cx.t;
    let customer = t.customers.get(&inv.customer_id);
    let location = inv.location_id.and_then(|id| t.locations.get(&id));
    let zone = inv.tax_zone_id.and_then(|id| t.tax_zones.get(&id));
    let (paid, last_paid) = cx
        .applied
        .get(&inv.id)
        .copied()
        .map_or((Decimal::ZERO, None), |(a, d)| (a, Some(d)));
    let total = inv.total();
    let balance = total - paid;
    let paid_on = (balance.is_zero() && !paid.is_zero())
        .then_some(last_paid)
        .flatten();
    InvoiceWire {
        id: inv.id,
        sync_status: Some(inv.sync_status.clone()),
        summary: inv.summary.clone(),
        reference_number: Some(inv.number.clone()),
        invoice_date: Some(ts(inv.invoice_date)),
        due_date: Some(ts(inv.due_date)),
        sub_total: Some(money(inv.sub_total)),
        sales_tax: Some(money(inv.sales_tax)),
        sales_tax_code: zone.map(|z| SalesTaxCode {
            id: z.id,
            name: Some(z.name.clone()),
            tax_rate: WireNumber(inv.tax_rate),
        }),
        total: Some(money(total)),
        balance: Some(money(balance)),
        invoice_type: None,
        customer: Some(Named {
            id: inv.customer_id,
            name: customer.map(|c| c.name.clone()),
        }),
        customer_address: customer.map(|c| acct_address(&c.address)),
        location: location.map(|l| Named {
            id: l.id,
            name: Some(l.name.clone()),
        }),
        location_address: location.map(|l| acct_address(&l.address)),
        business_unit: business_unit(t, inv.business_unit_id),
        term_name: Some(inv.term_name.clone()),
        created_by: Some(inv.created_by.clone()),
        batch: batch(&inv.batch),
        deposited_on: None,
        created_on: ts(inv.stamp.created_on),
        modified_on: Some(ts(inv.stamp.modified_on)),
        adjustment_to_id: inv.adjustment_to_id,
        job: inv.job.as_ref().map(|j| JobWire {
            id: j.id,
            number: Some(j.number.clone()),
            kind: Some(j.kind.clone()),
        }),
        project_id: None,
        royalty: Some(Royalty {
            status: inv.royalty_status.clone(),
            date: None,
            sent_on: None,
            memo: inv.royalty_memo.clone(),
        }),
        employee_info: Some(EmployeeInfo {
            id: 21,
            name: Some(inv.created_by.clone()),
            modified_on: ts(inv.stamp.created_on),
        }),
        commission_eligibility_date: None,
        sent_status: inv.sent_status.clone(),
        review_status: inv.review_status.clone(),
        assigned_to: inv.assigned_to_id.map(|id| Named { id, name: None }),
        items: Some(inv.active_items().map(|i| item(t, i, None)).collect()),
        custom_fields: Some(Vec::new()),
        active: inv.active,
        discount_total: Some(money(inv.discount_total())),
        import_id: inv.import_id.clone(),
        export_id: inv.export_id.clone(),
        material_sku_id: None,
        membership_id: None,
        paid_on: paid_on.map(ts),
    }
}
