//! Writes: arrays of up to 50 elements per request, `summarizeErrors=false`, an
//! `Idempotency-Key` from the ledger's request row, and one result per element, by index.
//!
//! The life of a write, as the outbox drives it:
//!
//! 1. **Prepare.** Map records to Xero elements ([`crate::map`]) and build a [`WriteBatch`]:
//!    method, path and the exact body bytes. The ledger records them with a fresh key and
//!    commits before anything is sent (`ledger::Requests::prepare`).
//! 2. **Send.** [`crate::Xero::send_batch`] sends those bytes with the key; the answer is one
//!    [`ElementResult`] per element, in the order sent, which is the order of the request's
//!    operations in the ledger. `summarizeErrors=false` is always set: with Xero's default,
//!    one invalid element fails the whole request with a 400 *while the valid ones are saved
//!    without their ids being returned* (API facts §0.3).
//! 3. **Replay.** An unknown outcome (timeout, dropped connection, crash) is replayed with
//!    [`crate::Xero::replay_batch`] from the stored row ([`WriteBatch::from_stored`]): inside
//!    the idempotency window the very same bytes go out with the same key and Xero answers
//!    with the original response; after it, creates are *looked up* (InvoiceNumber,
//!    CreditNoteNumber, ContactNumber, or the invoice's payments) and never sent again: what
//!    is not found comes back as [`ElementResult::Missing`], to be sent in a new request
//!    ([`WriteBatch::subset`]) with a new key.
//!
//! Creates use `PUT` (create only): Xero's `POST` with an existing InvoiceNumber and no id is
//! reported to overwrite that invoice (API facts §4, unconfirmed), which must never happen to
//! an invoice the bridge does not know; `PUT` answers "Invoice # must be unique" instead,
//! reported as [`XeroRejectionKind::Duplicate`] for the caller to look up and link. Updates use
//! `POST` with the id in the body and the known `LineItemID`s (a line sent without its id is
//! re-created, one not sent is deleted).

mod replay;
mod result;
mod rules;

use bytes::Bytes;
use http::Method;
use ledgerbridge_connector::{ConnectorError, RemoteProblem};
use serde::Serialize;
use serde_json::value::RawValue;

pub use result::{BatchResult, ElementResult, XeroRejection, XeroRejectionKind, XeroSaved};
pub use rules::{Blocked, StatusChange, check_lock_date, check_paid_edit, status_change};

use crate::wire::contact::Contact;
use crate::wire::invoice::{Allocation, CreditNote, Invoice};
use crate::wire::payment::Payment;
use crate::wire::wrap;

/// Xero's recommended (and the bridge's maximum) elements per request.
pub const MAX_BATCH: usize = 50;

/// What a batch does; derived from its method and path, so a stored request row is enough to
/// rebuild it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BatchKind {
    /// `PUT /Invoices`.
    CreateInvoices,
    /// `POST /Invoices` with ids: edits, voids, deletes.
    UpdateInvoices,
    /// `PUT /CreditNotes`.
    CreateCreditNotes,
    /// `PUT /CreditNotes/{id}/Allocations`.
    AllocateCreditNote {
        /// The credit note.
        credit_note_id: String,
    },
    /// `PUT /Payments`.
    CreatePayments,
    /// `POST /Payments/{id}` with status DELETED.
    DeletePayment {
        /// The payment.
        payment_id: String,
    },
    /// `PUT /Contacts`.
    CreateContacts,
    /// `POST /Contacts` with ids.
    UpdateContacts,
}

impl BatchKind {
    /// The envelope key of its elements.
    pub fn key(&self) -> &'static str {
        match self {
            Self::CreateInvoices | Self::UpdateInvoices => "Invoices",
            Self::CreateCreditNotes => "CreditNotes",
            Self::AllocateCreditNote { .. } => "Allocations",
            Self::CreatePayments | Self::DeletePayment { .. } => "Payments",
            Self::CreateContacts | Self::UpdateContacts => "Contacts",
        }
    }

    /// Whether re-sending after the idempotency window could create a duplicate, so the
    /// record must be looked up instead.
    pub fn creates(&self) -> bool {
        matches!(
            self,
            Self::CreateInvoices
                | Self::CreateCreditNotes
                | Self::AllocateCreditNote { .. }
                | Self::CreatePayments
                | Self::CreateContacts
        )
    }

    fn operation(&self) -> &'static str {
        match self {
            Self::CreateInvoices => "create invoices",
            Self::UpdateInvoices => "update invoices",
            Self::CreateCreditNotes => "create credit notes",
            Self::AllocateCreditNote { .. } => "allocate credit note",
            Self::CreatePayments => "create payments",
            Self::DeletePayment { .. } => "delete payment",
            Self::CreateContacts => "create contacts",
            Self::UpdateContacts => "update contacts",
        }
    }
}

/// One write request, exactly as it is recorded, sent and replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteBatch {
    kind: BatchKind,
    method: Method,
    path: String,
    body: Bytes,
    len: usize,
}

fn refused(reason: String) -> ConnectorError {
    ConnectorError::Validation {
        problem: Box::new(RemoteProblem {
            title: Some(reason),
            ..RemoteProblem::default()
        }),
    }
}

fn encode_error(e: serde_json::Error) -> ConnectorError {
    ConnectorError::fatal("write body not encodable", e)
}

impl WriteBatch {
    fn build<T: Serialize>(
        kind: BatchKind,
        method: Method,
        path: String,
        elements: &[T],
    ) -> Result<Self, ConnectorError> {
        if elements.is_empty() || elements.len() > MAX_BATCH {
            return Err(refused(format!(
                "a Xero batch carries 1 to {MAX_BATCH} elements, not {}",
                elements.len()
            )));
        }
        let body = wrap(kind.key(), elements).map_err(encode_error)?;
        Ok(Self {
            kind,
            method,
            path,
            body: body.into(),
            len: elements.len(),
        })
    }

    /// `PUT /Invoices`: new invoices (no `InvoiceID`).
    pub fn create_invoices(elements: &[Invoice]) -> Result<Self, ConnectorError> {
        if elements.iter().any(|e| e.invoice_id.is_some()) {
            return Err(refused("a create carries no InvoiceID".into()));
        }
        let path = "/Invoices?summarizeErrors=false&unitdp=4".to_owned();
        Self::build(BatchKind::CreateInvoices, Method::PUT, path, elements)
    }

    /// `POST /Invoices`: edits and status changes of existing invoices (each with its id).
    pub fn update_invoices(elements: &[Invoice]) -> Result<Self, ConnectorError> {
        if elements.iter().any(|e| e.invoice_id.is_none()) {
            return Err(refused("an update names its InvoiceID".into()));
        }
        let path = "/Invoices?summarizeErrors=false&unitdp=4".to_owned();
        Self::build(BatchKind::UpdateInvoices, Method::POST, path, elements)
    }

    /// `PUT /CreditNotes`: new customer credit notes.
    pub fn create_credit_notes(elements: &[CreditNote]) -> Result<Self, ConnectorError> {
        let path = "/CreditNotes?summarizeErrors=false&unitdp=4".to_owned();
        Self::build(BatchKind::CreateCreditNotes, Method::PUT, path, elements)
    }

    /// `PUT /CreditNotes/{id}/Allocations`: applies a credit note to invoices.
    pub fn allocate_credit_note(
        credit_note_id: &str,
        allocations: &[Allocation],
    ) -> Result<Self, ConnectorError> {
        let id = crate::reference::encode(credit_note_id);
        let path = format!("/CreditNotes/{id}/Allocations?summarizeErrors=false");
        let kind = BatchKind::AllocateCreditNote {
            credit_note_id: credit_note_id.to_owned(),
        };
        Self::build(kind, Method::PUT, path, allocations)
    }

    /// `PUT /Payments`: new payments, one invoice each.
    pub fn create_payments(elements: &[Payment]) -> Result<Self, ConnectorError> {
        let path = "/Payments?summarizeErrors=false".to_owned();
        Self::build(BatchKind::CreatePayments, Method::PUT, path, elements)
    }

    /// `POST /Payments/{id}` `{"Payments":[{"Status":"DELETED"}]}`: payments cannot be
    /// edited, only deleted, one per request.
    pub fn delete_payment(payment_id: &str) -> Result<Self, ConnectorError> {
        let path = format!("/Payments/{}", crate::reference::encode(payment_id));
        let element = Payment {
            status: Some("DELETED".to_owned()),
            ..Payment::default()
        };
        let kind = BatchKind::DeletePayment {
            payment_id: payment_id.to_owned(),
        };
        Self::build(kind, Method::POST, path, &[element])
    }

    /// `PUT /Contacts`: new contacts.
    pub fn create_contacts(elements: &[Contact]) -> Result<Self, ConnectorError> {
        let path = "/Contacts?summarizeErrors=false".to_owned();
        Self::build(BatchKind::CreateContacts, Method::PUT, path, elements)
    }

    /// `POST /Contacts`: updates of existing contacts (each with its id).
    pub fn update_contacts(elements: &[Contact]) -> Result<Self, ConnectorError> {
        if elements.iter().any(|e| e.contact_id.is_none()) {
            return Err(refused("an update names its ContactID".into()));
        }
        let path = "/Contacts?summarizeErrors=false".to_owned();
        Self::build(BatchKind::UpdateContacts, Method::POST, path, elements)
    }

    /// Rebuilds a batch from a stored request row (method, path below the API base, exact
    /// body), to replay it byte for byte.
    pub fn from_stored(method: &str, path: &str, body: Vec<u8>) -> Result<Self, ConnectorError> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|e| ConnectorError::fatal("stored request method", e))?;
        let route = path.split('?').next().unwrap_or_default();
        let segments: Vec<&str> = route.trim_matches('/').split('/').collect();
        let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
        let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
        let kind = match (&method, lower.as_slice()) {
            (&Method::PUT, ["invoices"]) => BatchKind::CreateInvoices,
            (&Method::POST, ["invoices"]) => BatchKind::UpdateInvoices,
            (&Method::PUT, ["creditnotes"]) => BatchKind::CreateCreditNotes,
            (&Method::PUT, ["creditnotes", _, "allocations"]) => BatchKind::AllocateCreditNote {
                credit_note_id: segments[1].to_owned(),
            },
            (&Method::PUT, ["payments"]) => BatchKind::CreatePayments,
            (&Method::POST, ["payments", _]) => BatchKind::DeletePayment {
                payment_id: segments[1].to_owned(),
            },
            (&Method::PUT, ["contacts"]) => BatchKind::CreateContacts,
            (&Method::POST, ["contacts"]) => BatchKind::UpdateContacts,
            _ => {
                return Err(refused(format!(
                    "{method} {route} is not a request the Xero connector writes"
                )));
            }
        };
        let len = raw_elements(&body, kind.key())?.len();
        Ok(Self {
            kind,
            method,
            path: path.to_owned(),
            body: body.into(),
            len,
        })
    }

    /// A new batch of only the elements at `indices` (their bytes unchanged): what is left to
    /// send after a replay outside the window found the others.
    pub fn subset(&self, indices: &[usize]) -> Result<Self, ConnectorError> {
        let raw = raw_elements(&self.body, self.kind.key())?;
        let chosen: Vec<&RawValue> = indices
            .iter()
            .map(|&i| {
                raw.get(i)
                    .map(|r| r.as_ref())
                    .ok_or_else(|| refused(format!("no element {i} in this batch")))
            })
            .collect::<Result<_, _>>()?;
        Self::build(
            self.kind.clone(),
            self.method.clone(),
            self.path.clone(),
            &chosen,
        )
    }

    /// What it does.
    pub fn kind(&self) -> &BatchKind {
        &self.kind
    }

    /// `PUT` or `POST`, as the ledger records it.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Path and query below `{api_base}/api.xro/2.0`, as the ledger records it.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The exact body bytes.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Elements carried.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Never true for a built batch (1 to 50 elements); here for API completeness.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The elements of a body `{key: [...]}`, each as its raw text.
pub(crate) fn raw_elements(body: &[u8], key: &str) -> Result<Vec<Box<RawValue>>, ConnectorError> {
    let mut map: std::collections::HashMap<String, Box<RawValue>> = serde_json::from_slice(body)
        .map_err(|e| ConnectorError::fatal("stored request body is not a Xero batch", e))?;
    let list = map
        .remove(key)
        .ok_or_else(|| refused(format!("stored request body has no {key} array")))?;
    serde_json::from_str(list.get())
        .map_err(|e| ConnectorError::fatal("stored request body is not a Xero batch", e))
}

pub(crate) fn elements_of<T: serde::de::DeserializeOwned>(
    batch: &WriteBatch,
) -> Result<Vec<T>, ConnectorError> {
    raw_elements(&batch.body, batch.kind.key())?
        .iter()
        .map(|raw| {
            serde_json::from_str(raw.get())
                .map_err(|e| ConnectorError::fatal("stored request element unreadable", e))
        })
        .collect()
}
