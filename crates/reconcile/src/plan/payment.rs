//! The decision for one ServiceTitan payment: pure and level-triggered, like
//! [`super::invoice`]. A payment is written whole or not at all: it waits (parked) until its
//! customer and every invoice it pays are in the books, its values are mapped and its date is
//! in an open period. A synced payment is never edited in the books: a void is carried over,
//! any other change is blocked with what to do.

use ledgerbridge_core::{Payment, PaymentStatus};

use crate::eligibility::Eligibility;

/// What is known of a linked payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkedPayment {
    /// The base snapshot; `None` for a link a person set.
    pub base: Option<Payment>,
    /// ServiceTitan was told it is exported (a mark confirmed, in flight or given up).
    pub marked: bool,
}

/// Everything [`decide_payment`] reads. `None` fields are not gathered yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentFacts {
    /// ServiceTitan's record as read this run.
    pub payment: Payment,
    /// Whether an unlinked payment may be synced at all.
    pub eligibility: Eligibility,
    /// Its link, if it has one.
    pub link: Option<LinkedPayment>,
    /// Its customer and every invoice it pays are in the books (or, in a dry run, would be by
    /// then), its values are mapped, its date is in an open period; else why not (asked).
    pub inputs: Option<Result<(), String>>,
}

/// What to do with the payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentDecision {
    /// Linked by a person, no base yet: ServiceTitan's record becomes the base; no write.
    AdoptBase,
    /// Nothing to write.
    Unchanged,
    /// Nothing to write in the books; ServiceTitan is still to be told it is exported.
    MarkExported,
    /// Void (QuickBooks) or delete (Xero) the books' payment(s).
    Void,
    /// Create it in the books (then mark it exported).
    Create,
    /// Blocked until the cause is fixed; retried every run.
    Park(String),
    /// Blocked and not retried: a person acts in the books.
    Block(String),
    /// Not eligible.
    Skip(String),
}

/// The next step: gather the inputs and ask again, or the decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentStep {
    /// Gather [`PaymentFacts::inputs`] and ask again.
    AskInputs,
    /// Carry this out.
    Decide(PaymentDecision),
}

use PaymentDecision as D;
use PaymentStep::{AskInputs, Decide};

/// Why an edited synced payment is not written.
pub const EDITED_REASON: &str = "edited in ServiceTitan after it was synced; payments are not \
                                 edited in the books: void it there and record it again";

/// The decision for one payment from its facts.
pub fn decide_payment(facts: &PaymentFacts) -> PaymentStep {
    let payment = &facts.payment;
    if let Some(linked) = &facts.link {
        let Some(base) = &linked.base else {
            return Decide(D::AdoptBase);
        };
        if base == payment || base.status == PaymentStatus::Voided {
            return Decide(if linked.marked {
                D::Unchanged
            } else {
                D::MarkExported
            });
        }
        if payment.status == PaymentStatus::Voided {
            return Decide(D::Void);
        }
        return Decide(D::Block(EDITED_REASON.to_owned()));
    }
    if let Eligibility::Skip(reason) = &facts.eligibility {
        return Decide(D::Skip(reason.clone()));
    }
    match &facts.inputs {
        None => AskInputs,
        Some(Err(reason)) => Decide(D::Park(reason.clone())),
        Some(Ok(())) => Decide(D::Create),
    }
}
