//! Reading QuickBooks answers into the engine's outcomes and records.

use crate::map;
use crate::read::Remote;
use crate::{FaultReaction, ItemOutcome, PreparedWrite, RefItem, wire};
use ledgerbridge_core::{Invoice, InvoiceStatus};
use rust_decimal::Decimal;

use ledgerbridge_protocol::{
    Choice, EncodedRequest, InvoiceRefs, Rejection, RejectionKind, RemoteInvoice, Saved,
    WriteOutcome,
};

/// The ServiceTitan id in the notes the bridge writes on customers it creates.
pub(super) fn stamp(c: &wire::Customer) -> Option<i64> {
    c.notes
        .as_deref()?
        .strip_prefix("ServiceTitan customer ")?
        .trim()
        .parse()
        .ok()
}

pub(super) fn saved_invoice(r: &Remote<wire::Invoice>, found_by_lookup: bool) -> Saved {
    let w = &r.record;
    Saved {
        ids: vec![r.id.clone()],
        version: Some(r.sync_token.clone()),
        line_ids: w
            .line
            .iter()
            .flatten()
            .filter(|l| l.detail_type.as_deref() == Some("SalesItemLineDetail"))
            .filter_map(|l| l.id.clone())
            .collect(),
        total: w.total_amt,
        tax: w.txn_tax_detail.as_ref().and_then(|t| t.total_tax),
        found_by_lookup,
    }
}

pub(super) fn outcome(item: ItemOutcome) -> WriteOutcome {
    match item {
        ItemOutcome::Saved(s) => {
            let tax = serde_json::from_str::<wire::Invoice>(s.raw.get())
                .ok()
                .and_then(|i| i.txn_tax_detail.and_then(|t| t.total_tax));
            WriteOutcome::Saved(Saved {
                ids: vec![s.id],
                version: Some(s.sync_token),
                line_ids: s.line_ids,
                total: s.total,
                tax,
                found_by_lookup: false,
            })
        }
        ItemOutcome::Deleted { id } => WriteOutcome::Saved(Saved {
            ids: vec![id],
            ..Saved::default()
        }),
        ItemOutcome::Failed(fault) => {
            let kind = match fault.reaction {
                FaultReaction::StaleSyncToken => RejectionKind::Stale,
                FaultReaction::DuplicateName => RejectionKind::DuplicateName,
                FaultReaction::DuplicateNumber => RejectionKind::DuplicateNumber,
                FaultReaction::PeriodClosed => RejectionKind::PeriodClosed,
                FaultReaction::NotFound => RejectionKind::NotFound,
                FaultReaction::Throttled | FaultReaction::RemoteError => RejectionKind::Retryable,
                _ => RejectionKind::Invalid,
            };
            // The detail may quote submitted values: it goes to the report, not to logs.
            let message = match fault.detail() {
                Some(d) => format!("{fault}: {d}"),
                None => fault.to_string(),
            };
            WriteOutcome::Rejected(Rejection { kind, message })
        }
        ItemOutcome::Stale { fault, .. } => WriteOutcome::Rejected(Rejection {
            kind: RejectionKind::Stale,
            message: fault.to_string(),
        }),
        ItemOutcome::NoAnswer => WriteOutcome::Unknown,
    }
}

pub(super) fn remote_invoice(r: &Remote<wire::Invoice>) -> RemoteInvoice {
    let w = &r.record;
    let total = w.total_amt.unwrap_or_default();
    // QuickBooks zeroes a voided invoice and prefixes its note with "Voided".
    let voided = r.deleted
        || (total.is_zero()
            && w.private_note
                .as_deref()
                .is_some_and(|n| n.starts_with("Voided")));
    RemoteInvoice {
        id: r.id.clone(),
        version: Some(r.sync_token.clone()),
        number: w.doc_number.clone().unwrap_or_default(),
        customer_id: w
            .customer_ref
            .as_ref()
            .map(|c| c.value.clone())
            .unwrap_or_default(),
        date: w.txn_date,
        total,
        tax: w
            .txn_tax_detail
            .as_ref()
            .and_then(|t| t.total_tax)
            .unwrap_or(Decimal::ZERO),
        balance: w.balance.unwrap_or(total),
        status: if voided {
            InvoiceStatus::Voided
        } else {
            InvoiceStatus::Posted
        },
    }
}

pub(super) fn choices(items: &[RefItem]) -> Vec<Choice> {
    items
        .iter()
        .filter(|i| i.active)
        .map(|i| Choice {
            value: i.id.clone(),
            label: i.name.clone(),
        })
        .collect()
}

pub(super) fn encode(write: &PreparedWrite) -> EncodedRequest {
    EncodedRequest {
        method: write.method.to_string(),
        path: write.path.clone(),
        body: write.body.to_vec(),
    }
}

/// The connector's `Mappings` for one invoice: each line's resolved item keyed by its
/// position (two lines of one SKU may resolve to different items through their GL accounts).
pub(super) fn invoice_mappings(
    us_tax: bool,
    invoice: &Invoice,
    refs: &InvoiceRefs,
) -> (Invoice, map::Mappings) {
    let mut m = map::Mappings {
        us_tax,
        default_tax_code: refs.tax_code.clone(),
        ..map::Mappings::default()
    };
    let mut invoice = invoice.clone();
    for (i, line) in invoice.lines.iter_mut().enumerate() {
        let code = format!("line:{i}");
        if let Some(item) = refs.lines.get(i).and_then(|r| r.item.clone()) {
            m.items.insert(code.clone(), item);
        }
        line.item = Some(code.clone());
        line.tax_code = Some(code.clone());
        if let Some(tax) = &refs.tax_code {
            m.tax_codes.insert(code, tax.clone());
        }
    }
    if let (Some(bu), Some(class)) = (&invoice.business_unit, &refs.business_unit) {
        m.classes.insert(bu.clone(), class.clone());
    }
    (invoice, m)
}
