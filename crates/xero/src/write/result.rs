//! One result per element of a batch, read from Xero's `summarizeErrors=false` answer.

use chrono::{DateTime, Utc};
use ledgerbridge_connector::{ApiResponse, ConnectorError, RemoteProblem};
use rust_decimal::Decimal;

use super::{BatchKind, WriteBatch};
use crate::wire::Message;
use crate::wire::contact::Contact;
use crate::wire::envelope;
use crate::wire::invoice::{Allocation, CreditNote, Invoice, LineItem};
use crate::wire::payment::Payment;

/// The outcome of one batch: `elements[i]` belongs to the batch's element `i`, which is the
/// request's operation at position `i` in the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchResult {
    /// One per element, in order.
    pub elements: Vec<ElementResult>,
}

impl BatchResult {
    /// Indices of the elements a replay after the window did not find (send them again in a
    /// new request: [`WriteBatch::subset`]).
    pub fn missing(&self) -> Vec<usize> {
        self.elements
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, ElementResult::Missing))
            .map(|(i, _)| i)
            .collect()
    }
}

/// What became of one element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElementResult {
    /// Xero holds it (written now, or found by look-up after a lost answer).
    Saved(XeroSaved),
    /// Xero refused it; the reason says whether a person, a mapping or a look-up fixes it.
    /// Retrying the same element cannot succeed.
    Rejected(XeroRejection),
    /// A replay after the idempotency window did not find it: it was never written, and must
    /// be sent in a new request with a new key.
    Missing,
}

/// A saved element: the ids the ledger records and the figures the report compares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XeroSaved {
    /// `InvoiceID`, `CreditNoteID`, `PaymentID`, `ContactID` or `AllocationID`.
    pub id: String,
    /// The document number, when it has one.
    pub number: Option<String>,
    /// Its status now.
    pub status: Option<String>,
    /// Its version (`UpdatedDateUTC`), for echo suppression.
    pub updated: Option<DateTime<Utc>>,
    /// `LineItemID`s in the order the lines were sent (invoices and credit notes), to store
    /// beside each ServiceTitan line.
    pub line_ids: Vec<String>,
    /// Xero's total; the report flags it if it differs from ServiceTitan's.
    pub total: Option<Decimal>,
    /// Xero's tax total.
    pub total_tax: Option<Decimal>,
    /// Warnings Xero attached (saved anyway).
    pub warnings: Vec<String>,
    /// Found by a look-up after a lost answer rather than read from the write's answer.
    pub found_by_lookup: bool,
}

/// Why Xero refused an element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XeroRejection {
    /// The caller's reaction.
    pub kind: XeroRejectionKind,
    /// Xero's messages. They may quote submitted values (names): show them to the user, keep
    /// them out of log lines.
    pub messages: Vec<String>,
}

/// Refusals grouped by what the caller does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XeroRejectionKind {
    /// The number (or contact name / number) is taken: look the record up and link it if it
    /// clearly matches, else report it. Never create it again blindly.
    Duplicate,
    /// Dated on or before the organisation's lock date: blocked until the date is moved or
    /// the period reopened. Not retried.
    PeriodLocked,
    /// The document has payments or credit allocated, so Xero allows no such edit (or void):
    /// reported, not retried.
    PaidDocument,
    /// Any other validation error: fix the record or its mappings.
    Invalid,
}

impl XeroRejectionKind {
    /// Classifies Xero's messages (the wording is Xero's, matched loosely).
    pub fn classify(messages: &[String]) -> Self {
        let text = messages.join(" ").to_ascii_lowercase();
        if text.contains("lock date") || text.contains("locked") || text.contains("period lock") {
            Self::PeriodLocked
        } else if text.contains("payment or credit note allocated")
            || text.contains("has payments")
            || text.contains("remove the payments")
        {
            Self::PaidDocument
        } else if text.contains("must be unique")
            || text.contains("already assigned to another")
            || text.contains("already exists")
        {
            Self::Duplicate
        } else {
            Self::Invalid
        }
    }
}

/// What the response parsing needs of each element type.
struct Element {
    id: Option<String>,
    number: Option<String>,
    status: Option<String>,
    updated: Option<DateTime<Utc>>,
    lines: Vec<LineItem>,
    total: Option<Decimal>,
    total_tax: Option<Decimal>,
    attribute: Option<String>,
    errors: Vec<Message>,
    warnings: Vec<Message>,
}

fn texts(messages: &[Message]) -> Vec<String> {
    messages.iter().map(|m| m.message.clone()).collect()
}

impl Element {
    fn result(self) -> ElementResult {
        let failed = self
            .attribute
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case("ERROR"))
            || (self.attribute.is_none() && !self.errors.is_empty())
            || self.id.is_none();
        if failed {
            let mut messages = texts(&self.errors);
            if messages.is_empty() {
                messages.push("refused without a message".to_owned());
            }
            return ElementResult::Rejected(XeroRejection {
                kind: XeroRejectionKind::classify(&messages),
                messages,
            });
        }
        ElementResult::Saved(XeroSaved {
            id: self.id.unwrap_or_default(),
            number: self.number,
            status: self.status,
            updated: self.updated,
            line_ids: self
                .lines
                .into_iter()
                .filter_map(|l| l.line_item_id)
                .collect(),
            total: self.total,
            total_tax: self.total_tax,
            warnings: texts(&self.warnings),
            found_by_lookup: false,
        })
    }
}

pub(crate) fn saved_invoice(i: Invoice) -> XeroSaved {
    match from_invoice(i).result() {
        ElementResult::Saved(s) => s,
        _ => XeroSaved::default(),
    }
}

pub(crate) fn saved_credit_note(c: CreditNote) -> XeroSaved {
    match from_credit_note(c).result() {
        ElementResult::Saved(s) => s,
        _ => XeroSaved::default(),
    }
}

fn from_invoice(i: Invoice) -> Element {
    Element {
        id: i.invoice_id,
        number: i.invoice_number,
        status: i.status,
        updated: i.updated_date_utc,
        lines: i.line_items.unwrap_or_default(),
        total: i.total,
        total_tax: i.total_tax,
        attribute: i.status_attribute_string,
        errors: i.validation_errors,
        warnings: i.warnings,
    }
}

fn from_credit_note(c: CreditNote) -> Element {
    Element {
        id: c.credit_note_id,
        number: c.credit_note_number,
        status: c.status,
        updated: c.updated_date_utc,
        lines: c.line_items.unwrap_or_default(),
        total: c.total,
        total_tax: c.total_tax,
        attribute: c.status_attribute_string,
        errors: c.validation_errors,
        warnings: c.warnings,
    }
}

fn from_payment(p: Payment) -> Element {
    Element {
        id: p.payment_id,
        number: None,
        status: p.status,
        updated: p.updated_date_utc,
        lines: Vec::new(),
        total: p.amount,
        total_tax: None,
        attribute: p.status_attribute_string,
        errors: p.validation_errors,
        warnings: p.warnings,
    }
}

fn from_contact(c: Contact) -> Element {
    Element {
        id: c.contact_id,
        number: c.contact_number,
        status: c.contact_status,
        updated: c.updated_date_utc,
        lines: Vec::new(),
        total: None,
        total_tax: None,
        attribute: c.status_attribute_string,
        errors: c.validation_errors,
        warnings: c.warnings,
    }
}

fn from_allocation(a: Allocation) -> Element {
    // An allocation answer may not echo an id; the credit note's new state is what matters.
    let id = a
        .allocation_id
        .or_else(|| a.invoice.as_ref().and_then(|i| i.invoice_id.clone()));
    Element {
        id,
        number: None,
        status: None,
        updated: None,
        lines: Vec::new(),
        total: a.amount,
        total_tax: None,
        attribute: a.status_attribute_string,
        errors: a.validation_errors,
        warnings: Vec::new(),
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    response: &ApiResponse,
    batch: &WriteBatch,
) -> Result<Vec<T>, ConnectorError> {
    envelope::<T>(&response.body, batch.kind.key())
        .map(|(items, _)| items)
        .map_err(|e| ConnectorError::Fatal {
            reason: format!("{}: unexpected response shape", batch.kind.operation()),
            problem: Some(Box::new(RemoteProblem::status_only(
                response.status.as_u16(),
                response.trace_id.clone(),
            ))),
            source: Some(Box::new(e)),
        })
}

/// Reads a batch answer: exactly one element per element sent, in order.
pub(crate) fn read_answer(
    response: &ApiResponse,
    batch: &WriteBatch,
) -> Result<BatchResult, ConnectorError> {
    let elements: Vec<Element> = match batch.kind {
        BatchKind::CreateInvoices | BatchKind::UpdateInvoices => {
            decode::<Invoice>(response, batch)?
                .into_iter()
                .map(from_invoice)
                .collect()
        }
        BatchKind::CreateCreditNotes => decode::<CreditNote>(response, batch)?
            .into_iter()
            .map(from_credit_note)
            .collect(),
        BatchKind::AllocateCreditNote { .. } => decode::<Allocation>(response, batch)?
            .into_iter()
            .map(from_allocation)
            .collect(),
        BatchKind::CreatePayments | BatchKind::DeletePayment { .. } => {
            decode::<Payment>(response, batch)?
                .into_iter()
                .map(from_payment)
                .collect()
        }
        BatchKind::CreateContacts | BatchKind::UpdateContacts => {
            decode::<Contact>(response, batch)?
                .into_iter()
                .map(from_contact)
                .collect()
        }
    };
    if elements.len() != batch.len {
        return Err(ConnectorError::Fatal {
            reason: format!(
                "{}: sent {} elements, the answer has {}",
                batch.kind.operation(),
                batch.len,
                elements.len()
            ),
            problem: Some(Box::new(RemoteProblem::status_only(
                response.status.as_u16(),
                response.trace_id.clone(),
            ))),
            source: None,
        });
    }
    Ok(BatchResult {
        elements: elements.into_iter().map(Element::result).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_classify_by_caller_reaction() {
        let kind = |m: &str| XeroRejectionKind::classify(&[m.to_owned()]);
        assert_eq!(
            kind("Invoice # must be unique."),
            XeroRejectionKind::Duplicate
        );
        assert_eq!(
            kind("The contact name X is already assigned to another contact."),
            XeroRejectionKind::Duplicate
        );
        assert_eq!(
            kind("The document date cannot be on or before the period lock date (30 Sep 2026)."),
            XeroRejectionKind::PeriodLocked
        );
        assert_eq!(
            kind(
                "This document cannot be edited as it has a payment or credit note allocated to it."
            ),
            XeroRejectionKind::PaidDocument
        );
        assert_eq!(
            kind("Email address must be valid."),
            XeroRejectionKind::Invalid
        );
    }
}
