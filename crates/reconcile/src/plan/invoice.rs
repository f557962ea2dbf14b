//! The decision for one ServiceTitan invoice: pure and level-triggered.
//!
//! [`decide_invoice`] reads only the durable facts of the record: ServiceTitan's record as read
//! this run, its eligibility, its link and base snapshot, whether an open conflict freezes it,
//! whether the books changed it since the base, whether its customer, mappings and period
//! resolve, the books' invoice with the same number, and whether ServiceTitan was told it is
//! exported. Nothing an earlier run meant to do next is an input, so what a run decides is what
//! the state calls for now: a record parked for a cause that is since fixed is planned again as
//! if new, and a linked record never marked exported gets its mark.
//!
//! Facts cost a ledger or remote read, so they are gathered on demand: the function answers
//! [`InvoiceStep::Ask`] for the first fact it needs and does not have, and the engine gathers it
//! and asks again. The engine carries the decision out (or, in a dry run, writes it down).

use ledgerbridge_core::{Invoice, InvoiceStatus, System};

use crate::eligibility::Eligibility;

/// What is known of a linked invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedInvoice {
    /// The books' id.
    pub target_id: String,
    /// The base snapshot: what both sides last agreed on. `None` for a link a person set
    /// (`links set`), which has no base yet.
    pub base: Option<Invoice>,
    /// An open conflict freezes the record (asked).
    pub frozen: Option<bool>,
    /// The books changed it since the base; the two-way merge took the change (asked).
    pub changed_in_books: Option<bool>,
    /// ServiceTitan was told it is exported (a mark confirmed, in flight or given up).
    pub marked: bool,
}

/// The books' invoice with the same number as an unlinked ServiceTitan invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BooksTwin {
    /// Its books id.
    pub target_id: String,
    /// Same customer and total, and not voided: the same invoice, entered before the bridge.
    pub same: bool,
    /// Already linked to another ServiceTitan invoice.
    pub linked_elsewhere: bool,
}

/// Everything [`decide_invoice`] reads. `None` fields are not gathered yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvoiceFacts {
    /// The books system (its name is in reasons).
    pub system: System,
    /// ServiceTitan's record as read this run.
    pub invoice: Invoice,
    /// Whether an unlinked record may be synced at all (start date, status, exported
    /// elsewhere); a linked record follows its link whatever its status.
    pub eligibility: Eligibility,
    /// Its link, if it has one (in a dry run: also one the run would have made).
    pub link: Option<LinkedInvoice>,
    /// Its customer is in the books, its values are mapped, its date is in an open period;
    /// else why not (asked).
    pub inputs: Option<Result<(), String>>,
    /// The books' invoice with its number, if any (asked; unlinked records only).
    pub twin: Option<Option<BooksTwin>>,
}

/// A fact [`decide_invoice`] needs next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvoiceFact {
    /// [`LinkedInvoice::frozen`].
    Frozen,
    /// [`LinkedInvoice::changed_in_books`].
    ChangedInBooks,
    /// [`InvoiceFacts::inputs`].
    Inputs,
    /// [`InvoiceFacts::twin`].
    Twin,
}

/// What to do with the invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvoiceDecision {
    /// Linked by a person, no base yet: ServiceTitan's record becomes the base; no write.
    AdoptBase,
    /// Nothing to write (no change, or our own write coming back).
    Unchanged,
    /// Nothing to write in the books; ServiceTitan is still to be told it is exported.
    MarkExported,
    /// An open conflict holds it until a person resolves it.
    Frozen,
    /// Changed on both sides: the two-way merge decided (and did) what to write.
    Merged,
    /// Void the books' invoice (`draft`: it was written as a draft, which Xero deletes).
    Void {
        /// Written as a draft.
        draft: bool,
    },
    /// Write ServiceTitan's change to the linked invoice.
    Update,
    /// Create it in the books (then mark it exported).
    Create,
    /// Link it to the books' invoice entered before the bridge (then mark it exported).
    Link {
        /// The books' invoice.
        target_id: String,
    },
    /// Blocked until the cause is fixed; retried every run.
    Park(String),
    /// Blocked and not retried: only a person's act in ServiceTitan brings it back.
    Block(String),
    /// Not eligible.
    Skip(String),
}

/// The next step: a fact to gather, or the decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvoiceStep {
    /// Gather this fact and ask again.
    Ask(InvoiceFact),
    /// Carry this out.
    Decide(InvoiceDecision),
}

use InvoiceDecision as D;
use InvoiceStep::{Ask, Decide};

/// The decision for one invoice from its facts (see the module doc).
pub fn decide_invoice(facts: &InvoiceFacts) -> InvoiceStep {
    match &facts.link {
        Some(linked) => decide_linked(facts, linked),
        None => decide_unlinked(facts),
    }
}

/// Whether ServiceTitan's record says nothing new since the base. The balance is left out:
/// payments move it and are synced as payments, and an invoice write carries nothing of it
/// (a payment brought over from the books changes ServiceTitan's balance and nothing else; the
/// daily full pass must not rewrite that invoice).
fn same_but_balance(base: &Invoice, invoice: &Invoice) -> bool {
    if base.balance == invoice.balance {
        return base == invoice;
    }
    let mut base = base.clone();
    base.balance = invoice.balance;
    &base == invoice
}

fn decide_linked(facts: &InvoiceFacts, linked: &LinkedInvoice) -> InvoiceStep {
    let invoice = &facts.invoice;
    let Some(base) = &linked.base else {
        return Decide(D::AdoptBase);
    };
    match linked.frozen {
        None => return Ask(InvoiceFact::Frozen),
        Some(true) => return Decide(D::Frozen),
        Some(false) => {}
    }
    let unchanged = || {
        if linked.marked {
            D::Unchanged
        } else {
            D::MarkExported
        }
    };
    if invoice.status == InvoiceStatus::Voided {
        return Decide(if base.status == InvoiceStatus::Voided {
            unchanged()
        } else {
            D::Void {
                draft: base.status == InvoiceStatus::Draft,
            }
        });
    }
    if same_but_balance(base, invoice) {
        return Decide(unchanged());
    }
    if base.status == InvoiceStatus::Voided {
        return Decide(D::Block(format!(
            "voided in {} (a void ServiceTitan's API cannot take): void it in ServiceTitan; \
             the bridge never re-creates it",
            facts.system
        )));
    }
    match linked.changed_in_books {
        None => return Ask(InvoiceFact::ChangedInBooks),
        Some(true) => return Decide(D::Merged),
        Some(false) => {}
    }
    match &facts.inputs {
        None => Ask(InvoiceFact::Inputs),
        Some(Err(reason)) => Decide(D::Park(reason.clone())),
        Some(Ok(())) => Decide(D::Update),
    }
}

fn decide_unlinked(facts: &InvoiceFacts) -> InvoiceStep {
    if let Eligibility::Skip(reason) = &facts.eligibility {
        return Decide(D::Skip(reason.clone()));
    }
    match &facts.inputs {
        None => return Ask(InvoiceFact::Inputs),
        Some(Err(reason)) => return Decide(D::Park(reason.clone())),
        Some(Ok(())) => {}
    }
    match &facts.twin {
        None => Ask(InvoiceFact::Twin),
        Some(None) => Decide(D::Create),
        Some(Some(twin)) if twin.same && !twin.linked_elsewhere => Decide(D::Link {
            target_id: twin.target_id.clone(),
        }),
        Some(Some(twin)) => Decide(D::Park(format!(
            "an invoice numbered {} already exists in {} (id {}) but its customer or total \
             differs: link it with `ledgerbridge links set` or correct one side",
            facts.invoice.number, facts.system, twin.target_id
        ))),
    }
}
