//! Writing an accountant's edits to ServiceTitan: `PATCH /invoices/{id}` (due date, summary)
//! and `PATCH /invoices/{id}/items` (description, quantity, unit price), each recorded as a
//! ServiceTitan-side outbox operation before it is sent. Both PATCHes set fields, so sending
//! one again (after a crash, a timeout) is harmless: the engine re-derives them from the
//! unchanged base snapshot and books cursor and sends them again.
//!
//! These PATCHes belong to no recorded request, so request recovery never sees one a crash
//! left `pending` or `sent`: [`Engine::recover_servicetitan_edits`] settles them at the start
//! of the next run, by reading the invoice back, without sending them again.

use std::collections::HashMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use ledgerbridge_connector::ConnectorError;
use ledgerbridge_core::{EntityKind, Invoice};
use ledgerbridge_ledger::{NewOperation, OperationAction, OperationFilter, OperationState, Side};
use ledgerbridge_protocol::{InvoiceItemPatch, InvoicePatch};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::Engine;
use crate::error::SyncError;
use crate::invoice_merge::ServiceTitanEdit;
use ledgerbridge_protocol::{Source, Target};

const INVOICE: EntityKind = EntityKind::Invoice;

/// One PATCH to send.
enum Patch {
    Invoice(InvoicePatch),
    Item(InvoiceItemPatch),
}

impl<S: Source, T: Target> Engine<'_, S, T> {
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

    /// Settles the ServiceTitan PATCHes an earlier run left `pending` or `sent` (it stopped
    /// between recording one and confirming it). They are never sent again: the books cursor
    /// and the base snapshot did not move, so this run's merge derives whatever ServiceTitan
    /// still lacks, and a stale PATCH could undo a later edit in ServiceTitan. A `sent` one
    /// ServiceTitan holds (every field it sets reads back) is confirmed; the rest are given
    /// up with the reason (a `pending` one never went out).
    pub(crate) async fn recover_servicetitan_edits(&mut self) -> Result<(), SyncError> {
        let mut open = Vec::new();
        for state in [OperationState::Pending, OperationState::Sent] {
            let filter = OperationFilter {
                state: Some(state),
                tenant: Some(self.tenant().to_owned()),
                run: None,
                limit: Some(10_000),
            };
            let ops = self.cx.ledger.outbox().list(&filter).await?;
            open.extend(ops.into_iter().filter(|o| {
                o.side == Side::ServiceTitan
                    && o.entity == INVOICE
                    && o.action == OperationAction::Update
                    && o.run != Some(self.cx.run)
                    && o.target_system == self.system()
                    && o.target_company == self.cx.tenant.company
            }));
        }
        let mut ids: Vec<i64> = open
            .iter()
            .filter(|o| o.state == OperationState::Sent)
            .filter_map(|o| o.servicetitan_id.as_deref()?.parse().ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut current: HashMap<i64, Invoice> = HashMap::new();
        for chunk in ids.chunks(50) {
            let found = self
                .cx
                .servicetitan
                .invoices_by_id(chunk)
                .await
                .map_err(|e| SyncError::remote("servicetitan", e))?;
            current.extend(found.into_iter().map(|r| (r.id, r.record)));
        }
        for op in open {
            let invoice = op
                .servicetitan_id
                .as_deref()
                .and_then(|s| s.parse::<i64>().ok())
                .and_then(|id| current.get(&id));
            let outbox = || self.cx.ledger.outbox();
            tracing::info!(tenant = %self.tenant(), operation = %op.id,
                "settling an interrupted servicetitan invoice edit");
            if op.state == OperationState::Pending {
                outbox().transition(op.id, OperationState::Sent).await?;
                let why = "not sent: the run stopped before the PATCH; the merge derives it again";
                self.give_up(Some(op.id), why).await?;
            } else if invoice.is_some_and(|i| holds(i, &op.payload)) {
                outbox()
                    .confirm(op.id, op.servicetitan_id.as_deref())
                    .await?;
            } else {
                let why = "outcome unknown after an interrupted run and ServiceTitan does not \
                           hold it: not sent again; the merge derives it again";
                self.give_up(Some(op.id), why).await?;
            }
        }
        Ok(())
    }
}

/// Whether `invoice` holds every field the recorded PATCH (`{"patch", "body"}`) sets.
fn holds(invoice: &Invoice, payload: &Value) -> bool {
    let body = &payload["body"];
    let decimal = |v: &Value| match v {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .or_else(|_| Decimal::from_scientific(&n.to_string()))
            .ok(),
        Value::String(s) => Decimal::from_str(s).ok(),
        _ => None,
    };
    match payload["patch"].as_str() {
        Some("invoice") => {
            let memo_holds = body.get("summary").is_none_or(|s| {
                let memo = invoice.memo.as_deref().unwrap_or_default();
                s.as_str() == Some(memo)
            });
            let due_holds = body.get("dueDate").is_none_or(|d| {
                let sent = d
                    .as_str()
                    .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                    .map(|d| d.with_timezone(&Utc).date_naive());
                sent.is_some() && sent == invoice.due_date
            });
            memo_holds && due_holds
        }
        Some("invoice_item") => {
            let Some(line) = body["id"].as_i64().and_then(|id| {
                invoice
                    .lines
                    .iter()
                    .find(|l| l.servicetitan_item_id() == Some(id))
            }) else {
                return false;
            };
            body["description"].as_str() == Some(line.description.as_str())
                && decimal(&body["quantity"]) == Some(line.quantity)
                && body
                    .get("unitPrice")
                    .is_none_or(|p| decimal(p) == Some(line.unit_price))
        }
        _ => false,
    }
}
