//! Settling invoice writes: what the remote stored becomes the base snapshot (with line ids
//! and version), checked against ServiceTitan's total and tax to the cent; refusals are
//! turned into blocked records with the reason to act on. Refusals other than a conflict are
//! parked and retried each run (a refused void included): the feed will not bring the change
//! back once someone fixes what the books objected to.

use ledgerbridge_core::{EntityKind, Invoice, InvoiceStatus, Money};
use ledgerbridge_ledger::{LineLink, Side};

use super::Engine;
use super::apply::Applied;
use crate::error::SyncError;
use crate::report::Outcome;
use ledgerbridge_protocol::{RejectionKind, Saved, Source, Target, Write, WriteOutcome};

const INVOICE: EntityKind = EntityKind::Invoice;

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// Checks what the remote stored against ServiceTitan's figures (the report flags a
    /// remote that recalculated tax).
    fn verify(&mut self, id: i64, invoice: &Invoice, saved: &Saved) {
        let off = |remote: Option<rust_decimal::Decimal>, ours: &Money| {
            remote.is_some_and(|r| r != ours.amount())
        };
        if off(saved.total, &invoice.total) || off(saved.tax, &invoice.tax) {
            let reason = format!(
                "{} recalculated the invoice: total {} / tax {} where ServiceTitan has {} / {}",
                self.system(),
                saved.total.map(|d| d.to_string()).unwrap_or_default(),
                saved.tax.map(|d| d.to_string()).unwrap_or_default(),
                invoice.total,
                invoice.tax
            );
            self.report.block(INVOICE, id, Outcome::Error, reason);
        }
    }

    /// A void the books refuse may be our own void done already (its answer was lost and the
    /// replay finds the invoice voided: Xero answers "Invoice not of valid status for
    /// modification"). What the books hold decides: a voided invoice is the void's success.
    async fn void_already_done(
        &self,
        write: &Write,
        outcome: WriteOutcome,
    ) -> Result<WriteOutcome, SyncError> {
        let (Write::VoidInvoice { target_id, .. }, WriteOutcome::Rejected(_)) = (write, &outcome)
        else {
            return Ok(outcome);
        };
        let system = self.system().as_str();
        let now = self
            .cx
            .target
            .read_invoices(std::slice::from_ref(target_id))
            .await
            .map_err(|e| SyncError::remote(system, e))?;
        match now.into_iter().find(|r| &r.id == target_id) {
            Some(r) if r.status == InvoiceStatus::Voided => Ok(WriteOutcome::Saved(Saved {
                ids: vec![r.id],
                version: r.version,
                total: Some(r.total),
                tax: Some(r.tax),
                found_by_lookup: true,
                ..Saved::default()
            })),
            _ => Ok(outcome),
        }
    }

    pub(crate) async fn settle_invoice(&mut self, applied: Applied) -> Result<(), SyncError> {
        let Applied { write, op, outcome } = applied;
        let outcome = self.void_already_done(&write, outcome).await?;
        let id = write.servicetitan_id();
        let (invoice, create) = match &write {
            Write::CreateInvoice { invoice, .. } => (Some(invoice.clone()), true),
            Write::UpdateInvoice { invoice, .. } => (Some(invoice.clone()), false),
            _ => (None, false),
        };
        match outcome {
            WriteOutcome::Saved(saved) => {
                let invoice = match invoice {
                    Some(i) => i,
                    None => self.voided_base(id).await?,
                };
                let rec = self.source_of(INVOICE, id, invoice);
                let lines: Vec<LineLink> = if saved.line_ids.len() == rec.record.lines.len() {
                    rec.record
                        .lines
                        .iter()
                        .zip(&saved.line_ids)
                        .filter_map(|(l, t)| {
                            Some(LineLink::new(l.servicetitan_item_id()?.to_string(), t))
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let books = super::invoices::BooksFigures {
                    total: saved.total,
                    tax: saved.tax,
                };
                // The operation's confirmation, the link, its lines and the base in one
                // transaction: before it commits, the next run finds the operation `sent`
                // under a finished request and looks the record up.
                let base = super::invoices::InvoiceBase {
                    version: saved.version.clone(),
                    lines: &lines,
                    books,
                };
                self.settle_invoice_base(op, &rec, saved.id(), base).await?;
                ledgerbridge_core::crash::point("invoice.linked");
                if rec.record.status != InvoiceStatus::Voided {
                    self.verify(id, &rec.record, &saved);
                }
                if create {
                    self.queue_mark(id, saved.id(), &rec.record.number);
                    self.report.record(INVOICE, Outcome::Created);
                } else {
                    self.report.record(INVOICE, Outcome::Updated);
                }
            }
            WriteOutcome::Rejected(r) => {
                self.give_up(op, &format!("rejected: {:?}", r.kind)).await?;
                let Some(invoice) = invoice else {
                    // Parked: the feed will not bring the void back, so without a retry it
                    // would be lost once someone clears what blocks it (a payment in Xero).
                    let reason = format!("{} refused the void: {}", self.system(), r.message);
                    let rec = self.source_of(INVOICE, id, self.voided_base(id).await?);
                    self.park(INVOICE, &rec, reason);
                    return Ok(());
                };
                let rec = self.source_of(INVOICE, id, invoice);
                match r.kind {
                    RejectionKind::PeriodClosed => {
                        self.closed_at_least(rec.record.invoice_date);
                        let reason = self.period_reason(rec.record.invoice_date);
                        self.park(INVOICE, &rec, reason);
                    }
                    RejectionKind::DuplicateNumber => {
                        self.invoice_index = None;
                        let reason = format!(
                            "{} already has an invoice numbered {}: link it with `ledgerbridge links set` \
                             if it is this one",
                            self.system(),
                            rec.record.number
                        );
                        self.park(INVOICE, &rec, reason);
                    }
                    RejectionKind::PaidDocument => {
                        // Parked, like every blocked record: retrying fails until someone
                        // acts in the books, but once they do, nothing else would bring the
                        // change back (the feed has moved past it). A retry is one refused
                        // request per run, and the reason stays in every report meanwhile.
                        let reason = format!("{}: {}", self.system(), r.message);
                        self.park(INVOICE, &rec, reason);
                    }
                    RejectionKind::Stale => {
                        let reason = format!(
                            "edited in {} since the last sync; resolve the conflict",
                            self.system()
                        );
                        self.report.block(INVOICE, id, Outcome::Conflict, reason);
                    }
                    _ => {
                        let reason =
                            format!("{} refused the invoice: {}", self.system(), r.message);
                        self.park(INVOICE, &rec, reason);
                    }
                }
            }
            other => {
                let invoice = match invoice {
                    Some(i) => i,
                    None => self.voided_base(id).await?,
                };
                let rec = self.source_of(INVOICE, id, invoice);
                self.unsettled(INVOICE, &rec, op, &other).await?;
            }
        }
        Ok(())
    }

    /// Links an unlinked invoice to the books invoice the bridge's own create wrote, when a
    /// crash fell between confirming that create and linking it (two transactions). The base
    /// is what was written, so the caller plans the difference to ServiceTitan's current
    /// version as an update or a void; without this, a later edit in ServiceTitan (a price, a
    /// void) would leave the written invoice linked to nothing. `true` when linked.
    pub(crate) async fn relink_confirmed_create(&mut self, id: i64) -> Result<bool, SyncError> {
        if self.dry() {
            return Ok(false);
        }
        let key = self.key(INVOICE, id);
        let op = self
            .cx
            .ledger
            .outbox()
            .confirmed_create(&key, Side::Accounting)
            .await?;
        let Some((remote, written)) =
            op.and_then(
                |op| match serde_json::from_value::<Write>(op.payload).ok()? {
                    Write::CreateInvoice { invoice, .. } => Some((op.remote_id?, invoice)),
                    _ => None,
                },
            )
        else {
            return Ok(false);
        };
        let elsewhere = self
            .cx
            .ledger
            .links()
            .find_by_target(INVOICE, self.system(), &self.cx.tenant.company, &remote)
            .await?;
        if elsewhere.is_some() || self.unlinked_by_a_person(id).await? {
            return Ok(false);
        }
        let system = self.system().as_str();
        let found = self
            .cx
            .target
            .read_invoices(std::slice::from_ref(&remote))
            .await
            .map_err(|e| SyncError::remote(system, e))?;
        let Some(found) = found.into_iter().find(|f| f.id == remote) else {
            return Ok(false); // deleted in the books since: planned as new
        };
        let rec = self.source_of(INVOICE, id, written);
        let books = super::invoices::BooksFigures::known(found.total, found.tax);
        self.save_verified_invoice_base(&rec, &remote, found.version.clone(), &[], books)
            .await?;
        self.queue_mark(id, &remote, &rec.record.number);
        self.event(
            "invoice.linked",
            Some((INVOICE, id)),
            serde_json::json!({"target_id": remote, "evidence": ["confirmed create"]}),
        )
        .await?;
        Ok(true)
    }

    /// Whether a person removed the invoice's link (`links unset`): then it is matched
    /// afresh, not re-linked to what the bridge wrote.
    async fn unlinked_by_a_person(&self, id: i64) -> Result<bool, SyncError> {
        // Asked once per unlinked invoice: by the record's id (indexed), not every unset of
        // the tenant.
        let id = id.to_string();
        let filter = ledgerbridge_ledger::EventFilter {
            kind: Some("link.unset".to_owned()),
            tenant: Some(self.tenant().to_owned()),
            record: Some(id.clone()),
            limit: Some(100_000),
            ..Default::default()
        };
        let events = self.cx.ledger.events().list(&filter).await?;
        Ok(events
            .iter()
            .any(|e| e.entity == Some(INVOICE) && e.record_id.as_deref() == Some(id.as_str())))
    }

    /// The stored base of a linked invoice, marked voided (what a void leaves behind).
    async fn voided_base(&self, id: i64) -> Result<Invoice, SyncError> {
        let base = self.base::<Invoice>(INVOICE, id).await?;
        let mut invoice = base
            .map(|(_, b)| b)
            .ok_or_else(|| SyncError::Config(format!("invoice {id} has no base to void")))?;
        invoice.status = InvoiceStatus::Voided;
        Ok(invoice)
    }
}
