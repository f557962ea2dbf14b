//! Which blocked records the scenario predicts, and why. A record counts as explained only
//! when it is blocked for a reason the scenario's own data or edits cause; any other blocked
//! record, or a blocked record with a reason the scenario does not cause, is a violation. So
//! an engine that blocks what it should have written cannot pass by giving a reason.
//!
//! What the scenario causes (see `populate`, `edits`, `books_edits`):
//! * the demo books hold invoices numbered like ServiceTitan's but for other customers or
//!   totals (a person must link or correct them);
//! * customers that exist on both sides with partial evidence wait for a person's review;
//! * ServiceTitan voids and edits of invoices that are paid in Xero (Xero refuses both), and
//!   voids of invoices an accountant edited in QuickBooks (refused as stale);
//! * payments of voided invoices (on either side: QuickBooks unapplies a books payment of an
//!   invoice voided since); payments a person recorded in the books on invoices that
//!   are not ServiceTitan's, or for more than ServiceTitan has open, and ServiceTitan payments
//!   the books then refuse as above the open balance (or, in Xero, as paid already);
//! * the same field changed on both sides (an open conflict);
//! * refunds to Xero, which the bridge does not write yet (docs/operations.md).
//!
//! A record that waits for another ("customer N is not in the books yet: ...", "pays invoice
//! st:N which is not in the books: ...") is explained when the reason it carries is.
//! The bad-data test adds malformed records: those and the records that depend on them
//! (invoices of a malformed customer, payments of a malformed invoice) may be blocked for
//! whatever reason the malformed data leads to; that test checks their quarantine itself.

use serde_json::Value;

use super::Checker;

/// The reasons the scenario causes (each a fragment of the engine's wording).
const CAUSED: [&str; 15] = [
    "but its customer or total differs: link it with `ledgerbridge links set`",
    "review it with `ledgerbridge links suggested`",
    "This document cannot be edited as it has a payment or credit note allocated to it",
    "This document cannot be voided as it has a payment or credit note allocated to it",
    "quickbooks refused the void: QuickBooks 5010: Stale Object Error",
    "which is not linked to a ServiceTitan invoice; the whole payment waits",
    // A books payment on an invoice voided since (QuickBooks unapplies it).
    "applied to no invoice in quickbooks; only payments of invoices the bridge synced",
    "the payment may already be recorded in ServiceTitan; record or link it by hand",
    "exceeds its open balance",
    "Payment amount exceeds the amount outstanding on this document",
    "Payments can only be made against AUTHORISED documents (this one is PAID)",
    "resolve it with `ledgerbridge conflicts resolve",
    "refunds are recorded in Xero as a credit note and its refund",
    "edited in quickbooks since the last sync; resolve the conflict",
    "edited in xero since the last sync; resolve the conflict",
];

/// Whether `reason` is one the scenario causes.
pub(crate) fn expected_block(reason: &str) -> bool {
    // "customer N is not in the books yet: <why>" and "pays invoice st:N which is not in the
    // books: <why>" are explained by their <why>.
    for waits in ["is not in the books yet: ", "which is not in the books: "] {
        if let Some((_, why)) = reason.split_once(waits) {
            return expected_block(why);
        }
    }
    // "ServiceTitan invoice N is voided" (a payment of a voided invoice), not any voiding.
    let paid_voided = reason.starts_with("ServiceTitan invoice ") && reason.ends_with(" is voided");
    paid_voided || CAUSED.iter().any(|c| reason.contains(c))
}

impl Checker<'_> {
    /// Whether a blocked record is malformed or depends on a malformed record (bad-data test).
    pub(super) fn tied_to_malformed(&self, entity: &str, id: &str) -> bool {
        let Ok(id) = id.parse::<i64>() else {
            return false;
        };
        let bad = |feed: &'static str, id: Option<i64>| {
            id.is_some_and(|id| {
                self.edits
                    .malformed
                    .contains(&(self.tenant.clone(), feed, id))
            })
        };
        let invoice_tied = |invoice: &Value| {
            bad("invoices", invoice["id"].as_i64())
                || bad("customers", invoice["customer_id"].as_i64())
        };
        match entity {
            "customer" => bad("customers", Some(id)),
            "invoice" => invoice_tied(&self.st_now["invoices"][id.to_string()]),
            "payment" => {
                let payment = &self.st_now["payments"][id.to_string()];
                bad("payments", Some(id))
                    || bad("customers", payment["customer_id"].as_i64())
                    || payment["splits"].as_array().into_iter().flatten().any(|s| {
                        s["invoice_id"]
                            .as_i64()
                            .is_some_and(|i| invoice_tied(&self.st_now["invoices"][i.to_string()]))
                    })
            }
            _ => false,
        }
    }

    /// Every blocked record of the quiet run is blocked for a reason the scenario causes.
    pub(super) fn blocked_as_predicted(&self, out: &mut Vec<String>) {
        for ((entity, id), reason) in self.explained {
            let entity = entity.to_string();
            if !expected_block(reason) && !self.tied_to_malformed(&entity, id) {
                out.push(format!(
                    "{}: {entity} {id} blocked for a reason the scenario does not cause: {reason}",
                    self.system
                ));
            }
        }
    }
}
