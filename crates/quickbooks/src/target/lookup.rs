//! Finding a QuickBooks create whose answer was lost, by what the bridge wrote into it:
//! invoices and credit memos by `DocNumber`, customers by display name and the stamp in their
//! notes, payments and refund receipts by customer, date and the stamp in their `PrivateNote`
//! (neither has a number of its own). Used instead of a replay whenever QuickBooks may have
//! forgotten the `requestid`, so a lost answer is never turned into a second record.

use crate::map::write::note_is_stamped;
use crate::{Entity, QuickBooks, Remote, wire};
use ledgerbridge_connector::{ConnectorError, TokenProvider};

use super::QuickBooksTarget;
use super::answers::{saved_invoice, stamp};
use ledgerbridge_protocol::{Saved, Write, WriteOutcome};

impl<A: TokenProvider> QuickBooksTarget<A> {
    /// What became of `write`: `Saved` (found), `Missing` (not there, so never written) or
    /// `Unknown` (not a create: updates and voids are replayed instead).
    pub(super) async fn look_up(&self, write: &Write) -> Result<WriteOutcome, ConnectorError> {
        let qbo = self.connector();
        match write {
            Write::CreateInvoice { invoice, .. } => {
                let entity = if invoice.total.is_negative() {
                    Entity::CreditMemo
                } else {
                    Entity::Invoice
                };
                let found = qbo.find_by_doc_number(entity, &invoice.number).await?;
                Ok(found.first().map_or(WriteOutcome::Missing, |r| {
                    WriteOutcome::Saved(saved_invoice(r, true))
                }))
            }
            Write::CreateCustomer {
                servicetitan_id,
                name,
                ..
            } => {
                let found = qbo.find_customers_by_display_name(name).await?;
                let ours = found
                    .iter()
                    .find(|c| stamp(&c.record) == Some(*servicetitan_id));
                Ok(ours.map_or(WriteOutcome::Missing, |c| {
                    WriteOutcome::Saved(Saved {
                        ids: vec![c.id.clone()],
                        version: Some(c.sync_token.clone()),
                        found_by_lookup: true,
                        ..Saved::default()
                    })
                }))
            }
            Write::CreatePayment {
                servicetitan_id,
                payment,
                customer_id,
                ..
            } => {
                let id = *servicetitan_id;
                if payment.amount.is_negative() {
                    let found = stamped::<wire::Invoice>(
                        qbo,
                        Entity::RefundReceipt,
                        customer_id,
                        payment.date,
                        "refund",
                        id,
                        |r| r.private_note.as_deref(),
                    )
                    .await?;
                    return Ok(found.map_or(WriteOutcome::Missing, |r| {
                        WriteOutcome::Saved(saved_invoice(&r, true))
                    }));
                }
                let found = stamped::<wire::Payment>(
                    qbo,
                    Entity::Payment,
                    customer_id,
                    payment.date,
                    "payment",
                    id,
                    |r| r.private_note.as_deref(),
                )
                .await?;
                Ok(found.map_or(WriteOutcome::Missing, |r| {
                    WriteOutcome::Saved(Saved {
                        ids: vec![r.id.clone()],
                        version: Some(r.sync_token.clone()),
                        total: r.record.total_amt,
                        found_by_lookup: true,
                        ..Saved::default()
                    })
                }))
            }
            // Updates and voids are safe to replay.
            _ => Ok(WriteOutcome::Unknown),
        }
    }
}

/// The record of `entity` that one customer has on one date and whose note carries the
/// bridge's stamp for ServiceTitan `kind` `id`.
async fn stamped<T: serde::de::DeserializeOwned>(
    qbo: &QuickBooks<impl TokenProvider>,
    entity: Entity,
    customer_id: &str,
    date: chrono::NaiveDate,
    kind: &str,
    id: i64,
    note: impl Fn(&T) -> Option<&str>,
) -> Result<Option<Remote<T>>, ConnectorError> {
    let found = qbo
        .find_by_customer_and_date::<T>(entity, customer_id, date)
        .await?;
    Ok(found
        .into_iter()
        .find(|r| note_is_stamped(note(&r.record), kind, id)))
}
