//! Reading Xero answers into the engine's outcomes and records.

use crate::map as xmap;
use crate::wire::invoice::Invoice as XeroInvoice;
use crate::{ElementResult, XeroRejectionKind};

use ledgerbridge_protocol::{Rejection, RejectionKind, RemoteInvoice, Saved, Write, WriteOutcome};

pub(super) fn fold(write: &Write, parts: Vec<ElementResult>) -> WriteOutcome {
    let mut saved = Saved::default();
    for part in parts {
        match part {
            ElementResult::Saved(s) => {
                saved.ids.push(s.id);
                saved.version = s.updated.map(|u| u.to_rfc3339()).or(saved.version);
                saved.line_ids.extend(s.line_ids);
                saved.total = s.total;
                saved.tax = s.total_tax;
                saved.found_by_lookup |= s.found_by_lookup;
            }
            ElementResult::Rejected(r) => {
                let customer = matches!(
                    write,
                    Write::CreateCustomer { .. } | Write::UpdateCustomer { .. }
                );
                let kind = match r.kind {
                    XeroRejectionKind::Duplicate if customer => RejectionKind::DuplicateName,
                    XeroRejectionKind::Duplicate => RejectionKind::DuplicateNumber,
                    XeroRejectionKind::PeriodLocked => RejectionKind::PeriodClosed,
                    XeroRejectionKind::PaidDocument => RejectionKind::PaidDocument,
                    XeroRejectionKind::Invalid => RejectionKind::Invalid,
                };
                return WriteOutcome::Rejected(Rejection {
                    kind,
                    message: r.messages.join(" "),
                });
            }
            ElementResult::Missing => return WriteOutcome::Missing,
        }
    }
    if matches!(write, Write::CreatePayment { .. }) {
        // A payment's own total is the sum of its parts, not the last part's amount.
        saved.total = None;
        saved.tax = None;
    }
    WriteOutcome::Saved(saved)
}

pub(super) fn remote_invoice(i: &XeroInvoice) -> Option<RemoteInvoice> {
    if i.kind.as_deref().is_some_and(|k| k != "ACCREC") {
        return None;
    }
    let total = i.total.unwrap_or_default();
    Some(RemoteInvoice {
        id: i.invoice_id.clone()?,
        version: i.updated_date_utc.map(|u| u.to_rfc3339()),
        number: i.invoice_number.clone().unwrap_or_default(),
        customer_id: i
            .contact
            .as_ref()
            .and_then(|c| c.contact_id.clone())
            .unwrap_or_default(),
        date: i.date,
        total,
        tax: i.total_tax.unwrap_or_default(),
        balance: i.amount_due.unwrap_or(total),
        status: xmap::status_from_xero(i.status.as_deref().unwrap_or("DRAFT")),
    })
}
