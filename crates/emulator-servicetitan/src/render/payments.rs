//! Payment wire shape (`DetailedPaymentResponse`, `ExportPaymentResponse`).

use serde::Serialize;

use crate::model::Payment;
use crate::render::accounting::{Batch, GlRef, NameValue, Named, batch, business_unit, gl_ref};
use crate::state::TenantData;
use crate::wire::{money, ts};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AppliedWire {
    pub applied_id: i64,
    pub applied_to: i64,
    pub applied_amount: Option<String>,
    pub applied_on: Option<String>,
    pub applied_by: Option<String>,
    pub applied_to_reference_number: Option<String>,
}

/// `DetailedPaymentResponse`; the export feed adds `active`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentWire {
    pub id: i64,
    pub sync_status: Option<String>,
    pub reference_number: Option<String>,
    pub date: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub type_id: Option<String>,
    pub total: Option<String>,
    pub unapplied_amount: Option<String>,
    pub memo: Option<String>,
    pub customer: Option<Named>,
    pub business_unit: Option<Named>,
    pub batch: Option<Batch>,
    pub created_by: Option<String>,
    pub general_ledger_account: Option<GlRef>,
    pub applied_to: Option<Vec<AppliedWire>>,
    pub custom_fields: Option<Vec<NameValue>>,
    pub auth_code: Option<String>,
    pub check_number: Option<String>,
    pub modified_on: String,
    pub created_on: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

pub(crate) fn payment(t: &TenantData, p: &Payment, for_export: bool) -> PaymentWire {
    let ptype = t.payment_types.get(&p.type_id);
    let applied = p
        .splits
        .iter()
        .filter_map(|s| {
            let inv = s.invoice_id?;
            Some(AppliedWire {
                applied_id: s.applied_id,
                applied_to: inv,
                applied_amount: Some(money(s.amount)),
                applied_on: Some(ts(p.paid_on)),
                applied_by: Some(p.created_by.clone()),
                applied_to_reference_number: t.invoices.get(&inv).map(|i| i.number.clone()),
            })
        })
        .collect();
    PaymentWire {
        id: p.id,
        sync_status: Some(p.sync_status.clone()),
        reference_number: Some(p.reference_number.clone()),
        date: Some(ts(p.paid_on)),
        kind: ptype.map(|pt| pt.name.clone()),
        type_id: Some(p.type_id.to_string()),
        total: Some(money(p.total())),
        unapplied_amount: Some(money(p.unapplied())),
        memo: p.memo.clone(),
        customer: Some(Named {
            id: p.customer_id,
            name: t.customers.get(&p.customer_id).map(|c| c.name.clone()),
        }),
        business_unit: business_unit(t, p.business_unit_id),
        batch: batch(&p.batch),
        created_by: Some(p.created_by.clone()),
        general_ledger_account: gl_ref(t, ptype.map(|pt| pt.gl_account_id)),
        applied_to: Some(applied),
        custom_fields: Some(Vec::new()),
        auth_code: p.auth_code.clone(),
        check_number: p.check_number.clone(),
        modified_on: ts(p.stamp.modified_on),
        created_on: ts(p.stamp.created_on),
        active: for_export.then_some(p.active),
    }
}
