//! Sending a batch, and resolving one whose answer was lost.

use std::time::Duration;

use ledgerbridge_connector::{ConnectorError, TokenProvider};

use super::result::{read_answer, saved_credit_note, saved_invoice};
use super::{BatchKind, BatchResult, ElementResult, WriteBatch, XeroSaved, elements_of};
use crate::client::Xero;
use crate::wire::contact::Contact;
use crate::wire::invoice::{Allocation, CreditNote, Invoice};
use crate::wire::payment::Payment;

impl<P: TokenProvider> Xero<P> {
    /// Sends `batch` with `key` (the ledger request row's idempotency key) and returns one
    /// result per element, by index. The HTTP layer may resend the same bytes with the same
    /// key after a timeout or a dropped connection; Xero answers a repeat inside its window
    /// with the original response.
    pub async fn send_batch(
        &self,
        batch: &WriteBatch,
        key: &str,
    ) -> Result<BatchResult, ConnectorError> {
        let response = self
            .send_keyed(
                batch.kind.operation(),
                batch.method.clone(),
                &batch.path,
                batch.body.clone(),
                key,
            )
            .await?;
        let result = read_answer(&response, batch)?;
        let rejected = result
            .elements
            .iter()
            .filter(|e| matches!(e, ElementResult::Rejected(_)))
            .count();
        tracing::info!(
            operation = batch.kind.operation(),
            elements = batch.len,
            rejected,
            "xero batch written"
        );
        Ok(result)
    }

    /// Resolves a batch whose outcome is unknown, `age` after it was first sent (the request
    /// row's age). Inside the idempotency window it is sent again, byte for byte, with the
    /// same key. After it, a batch that creates is looked up instead and never re-sent:
    /// elements found come back [`ElementResult::Saved`] with `found_by_lookup`, the rest
    /// [`ElementResult::Missing`]. Updates and deletes are re-sent (repeating them changes
    /// nothing).
    pub async fn replay_batch(
        &self,
        batch: &WriteBatch,
        key: &str,
        age: Duration,
    ) -> Result<BatchResult, ConnectorError> {
        if age < self.config.idempotency_window || !batch.kind.creates() {
            return self.send_batch(batch, key).await;
        }
        tracing::info!(
            operation = batch.kind.operation(),
            age_s = age.as_secs(),
            "idempotency window passed; looking the batch up instead of resending it"
        );
        self.look_up(batch).await
    }

    /// Finds each element of a create batch in Xero by the key the bridge wrote.
    pub async fn look_up(&self, batch: &WriteBatch) -> Result<BatchResult, ConnectorError> {
        let elements = match &batch.kind {
            BatchKind::CreateInvoices => self.look_up_invoices(batch).await?,
            BatchKind::CreateCreditNotes => self.look_up_credit_notes(batch).await?,
            BatchKind::CreatePayments => self.look_up_payments(batch).await?,
            BatchKind::CreateContacts => self.look_up_contacts(batch).await?,
            BatchKind::AllocateCreditNote { credit_note_id } => {
                self.look_up_allocations(batch, credit_note_id).await?
            }
            BatchKind::UpdateInvoices
            | BatchKind::UpdateContacts
            | BatchKind::DeletePayment { .. } => {
                return Err(ConnectorError::Fatal {
                    reason: "only creates are looked up; resend updates".to_owned(),
                    problem: None,
                    source: None,
                });
            }
        };
        Ok(BatchResult { elements })
    }

    async fn look_up_invoices(
        &self,
        batch: &WriteBatch,
    ) -> Result<Vec<ElementResult>, ConnectorError> {
        let sent: Vec<Invoice> = elements_of(batch)?;
        let numbers: Vec<String> = sent
            .iter()
            .filter_map(|i| i.invoice_number.clone())
            .collect();
        let mut found = self.invoices_by_number(&numbers).await?;
        Ok(sent
            .iter()
            .map(|i| {
                i.invoice_number
                    .as_ref()
                    .and_then(|n| found.remove(n))
                    .map_or(ElementResult::Missing, |f| {
                        ElementResult::Saved(XeroSaved {
                            found_by_lookup: true,
                            ..saved_invoice(f)
                        })
                    })
            })
            .collect())
    }

    async fn look_up_credit_notes(
        &self,
        batch: &WriteBatch,
    ) -> Result<Vec<ElementResult>, ConnectorError> {
        let sent: Vec<CreditNote> = elements_of(batch)?;
        let numbers: Vec<String> = sent
            .iter()
            .filter_map(|c| c.credit_note_number.clone())
            .collect();
        let mut found = self.credit_notes_by_number(&numbers).await?;
        Ok(sent
            .iter()
            .map(|c| {
                c.credit_note_number
                    .as_ref()
                    .and_then(|n| found.remove(n))
                    .map_or(ElementResult::Missing, |f| {
                        ElementResult::Saved(XeroSaved {
                            found_by_lookup: true,
                            ..saved_credit_note(f)
                        })
                    })
            })
            .collect())
    }

    /// A payment has no number: it is found among its invoice's payments by date, amount
    /// and reference, each found payment claimed once (two identical payments sent are two).
    async fn look_up_payments(
        &self,
        batch: &WriteBatch,
    ) -> Result<Vec<ElementResult>, ConnectorError> {
        let sent: Vec<Payment> = elements_of(batch)?;
        let invoice_of = |p: &Payment| {
            p.invoice
                .as_ref()
                .and_then(|i| i.invoice_id.clone())
                .map(|id| id.to_ascii_lowercase())
        };
        let ids: Vec<String> = sent.iter().filter_map(invoice_of).collect();
        let invoices = self.invoices_by_id(&ids).await?;
        let mut claimed: Vec<String> = Vec::new();
        Ok(sent
            .iter()
            .map(|p| {
                let candidates = invoice_of(p)
                    .and_then(|id| invoices.get(&id))
                    .map(|i| i.payments.as_slice())
                    .unwrap_or_default();
                let hit = candidates.iter().find(|c| {
                    let id = c.payment_id.clone().unwrap_or_default();
                    !claimed.contains(&id)
                        && c.amount == p.amount
                        && c.date == p.date
                        && c.reference.as_deref().unwrap_or_default()
                            == p.reference.as_deref().unwrap_or_default()
                });
                match hit.and_then(|h| h.payment_id.clone()) {
                    Some(id) => {
                        claimed.push(id.clone());
                        ElementResult::Saved(XeroSaved {
                            id,
                            total: p.amount,
                            found_by_lookup: true,
                            ..XeroSaved::default()
                        })
                    }
                    None => ElementResult::Missing,
                }
            })
            .collect())
    }

    async fn look_up_contacts(
        &self,
        batch: &WriteBatch,
    ) -> Result<Vec<ElementResult>, ConnectorError> {
        let sent: Vec<Contact> = elements_of(batch)?;
        let numbers: Vec<String> = sent
            .iter()
            .filter_map(|c| c.contact_number.clone())
            .collect();
        let mut found = self.contacts_by_number(&numbers).await?;
        Ok(sent
            .iter()
            .map(|contact| {
                let hit = contact
                    .contact_number
                    .as_ref()
                    .and_then(|n| found.remove(n));
                match hit.and_then(|h| h.contact_id.map(|id| (id, h.updated_date_utc))) {
                    Some((id, updated)) => ElementResult::Saved(XeroSaved {
                        id,
                        number: contact.contact_number.clone(),
                        updated,
                        found_by_lookup: true,
                        ..XeroSaved::default()
                    }),
                    None => ElementResult::Missing,
                }
            })
            .collect())
    }

    async fn look_up_allocations(
        &self,
        batch: &WriteBatch,
        credit_note_id: &str,
    ) -> Result<Vec<ElementResult>, ConnectorError> {
        let sent: Vec<Allocation> = elements_of(batch)?;
        let path = format!("/CreditNotes/{}", crate::reference::encode(credit_note_id));
        let response = self
            .send(crate::client::Call::get("read credit note", &path))
            .await?;
        let (notes, _) = crate::wire::envelope::<CreditNote>(&response.body, "CreditNotes")
            .map_err(|e| ConnectorError::fatal("read credit note: unexpected response shape", e))?;
        let mut existing: Vec<Allocation> = notes
            .into_iter()
            .next()
            .map(|n| n.allocations)
            .unwrap_or_default();
        let invoice = |a: &Allocation| {
            a.invoice
                .as_ref()
                .and_then(|i| i.invoice_id.as_deref())
                .map(str::to_ascii_lowercase)
        };
        Ok(sent
            .iter()
            .map(|a| {
                let at = existing
                    .iter()
                    .position(|e| invoice(e) == invoice(a) && e.amount == a.amount);
                match at.map(|i| existing.remove(i)) {
                    Some(hit) => ElementResult::Saved(XeroSaved {
                        id: hit.allocation_id.or_else(|| invoice(a)).unwrap_or_default(),
                        total: hit.amount,
                        found_by_lookup: true,
                        ..XeroSaved::default()
                    }),
                    None => ElementResult::Missing,
                }
            })
            .collect())
    }
}
