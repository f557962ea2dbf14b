//! Writing an accountant's edits to ServiceTitan: `PATCH /invoices/{id}` (due date, summary)
//! and `PATCH /invoices/{id}/items` (description, quantity, unit price), each recorded as a
//! ServiceTitan-side outbox operation before it is sent. Both PATCHes set fields, so sending
//! one again (after a crash, a timeout) is harmless: the engine re-derives them from the
//! unchanged base snapshot and books cursor and sends them again.

use ledgerbridge_connector::ConnectorError;
use ledgerbridge_core::EntityKind;
use ledgerbridge_ledger::{NewOperation, OperationAction, OperationState, Side};
use ledgerbridge_servicetitan::{InvoiceItemPatch, InvoicePatch};
use serde_json::json;

use super::Engine;
use crate::error::SyncError;
use crate::target::AccountingTarget;
use crate::two_way::ServiceTitanEdit;

const INVOICE: EntityKind = EntityKind::Invoice;

/// One PATCH to send.
enum Patch {
    Invoice(InvoicePatch),
    Item(InvoiceItemPatch),
}

impl<T: AccountingTarget> Engine<'_, T> {
    /// Sends `edit` to ServiceTitan invoice `id`. `Ok(Err(reason))` when ServiceTitan refused
    /// (the record is blocked with the reason by the caller); a remote that is down stops the
    /// tenant.
    pub(crate) async fn patch_servicetitan(
        &mut self,
        id: i64,
        target_id: &str,
        edit: &ServiceTitanEdit,
    ) -> Result<Result<(), String>, SyncError> {
        let mut patches = Vec::new();
        if edit.due_date.is_some() || edit.memo.is_some() {
            patches.push(Patch::Invoice(InvoicePatch {
                number: None,
                summary: edit.memo.clone(),
                export_id: None,
                invoiced_on: None,
                due_date: edit
                    .due_date
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|d| d.and_utc()),
            }));
        }
        for item in &edit.items {
            patches.push(Patch::Item(InvoiceItemPatch {
                id: Some(item.id),
                description: item.description.clone(),
                quantity: item.quantity,
                unit_price: item.unit_price,
                sku_id: None,
            }));
        }
        for patch in patches {
            let payload = match &patch {
                Patch::Invoice(p) => json!({"patch": "invoice", "body": p}),
                Patch::Item(p) => json!({"patch": "invoice_item", "body": p}),
            };
            let op = self
                .cx
                .ledger
                .outbox()
                .enqueue(&NewOperation {
                    run: Some(self.cx.run),
                    tenant: self.tenant().to_owned(),
                    entity: INVOICE,
                    side: Side::ServiceTitan,
                    action: OperationAction::Update,
                    servicetitan_id: Some(id.to_string()),
                    target_system: self.system(),
                    target_company: self.cx.tenant.company.clone(),
                    target_id: Some(target_id.to_owned()),
                    payload,
                })
                .await?;
            let outbox = || self.cx.ledger.outbox();
            outbox().transition(op.id, OperationState::Sent).await?;
            let st = self.cx.servicetitan;
            let sent = match &patch {
                Patch::Invoice(p) => st.patch_invoice(id, p).await,
                Patch::Item(p) => st.patch_invoice_item(id, p).await,
            };
            match sent {
                Ok(()) => {
                    outbox().confirm(op.id, Some(&id.to_string())).await?;
                }
                Err(
                    e @ (ConnectorError::Validation { .. }
                    | ConnectorError::NotFound { .. }
                    | ConnectorError::Conflict { .. }
                    | ConnectorError::NotSupported { .. }),
                ) => {
                    let reason = e.to_string();
                    outbox().fail(op.id, &reason).await?;
                    outbox().give_up(op.id, "refused by ServiceTitan").await?;
                    return Ok(Err(format!("ServiceTitan refused the edit: {reason}")));
                }
                Err(e) => {
                    outbox().fail(op.id, &e.to_string()).await?;
                    return Err(SyncError::remote("servicetitan", e));
                }
            }
        }
        Ok(Ok(()))
    }
}
