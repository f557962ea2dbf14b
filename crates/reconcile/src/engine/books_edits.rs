//! The two-way invoice sync inside a run: invoices changed in the books since their durable
//! cursor, merged three ways with ServiceTitan's current version against the base snapshot
//! (see [`crate::invoice_merge`] for what is compared and what ServiceTitan can take).
//!
//! Per linked invoice whose books version differs from the snapshot's: merge, settle by the
//! policies, and then either raise **one** conflict with everything left for a person (no
//! write on either side: an open conflict freezes the record), or write ServiceTitan through
//! its API and the books through the outbox, and store the merged record as the new base
//! with both versions. The books cursor moves only after every invoice it delivered is done.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::{
    EntityKind, FieldConflict, Invoice, InvoiceStatus, SideTimes, diff, merge,
};
use ledgerbridge_ledger::{CursorKey, Snapshot};
use serde_json::json;

use super::Engine;
use crate::error::SyncError;
use crate::invoice_merge::{
    accounting_view, is_derived, recompute, servicetitan_edit, through_links,
};
use crate::report::Outcome;
use ledgerbridge_protocol::{BooksInvoice, Source, Target, Write};

const INVOICE: EntityKind = EntityKind::Invoice;

/// The books' feed of invoice changes, per tenant and company system.
const BOOKS_FEED: &str = "invoices";

/// What the merge decided for one record.
pub(crate) struct Merged {
    /// The record both systems should hold.
    pub(crate) merged: Invoice,
    /// The books' side as the merge saw it.
    pub(crate) view: Invoice,
    /// Fields a person must decide (conflicts and changes ServiceTitan cannot take).
    pub(crate) manual: Vec<FieldConflict>,
}

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// Reads the invoices changed in the books since the cursor and reconciles the linked
    /// ones that changed since the base snapshot. A dry run reads and merges the same way and
    /// plans what it would write (a payment recorded in the books bumps the invoice's version:
    /// the real run counts those invoices, so the plan must too); the cursor stays.
    pub(crate) async fn run_books_invoices(&mut self) -> Result<(), SyncError> {
        let system = self.system();
        let key = CursorKey::new(self.tenant(), system, BOOKS_FEED);
        let stored = if self.cx.settings.scope.from_start {
            None
        } else {
            self.cx.ledger.cursors().get(&key).await?
        };
        let from = stored
            .and_then(|c| DateTime::parse_from_rfc3339(&c.value).ok())
            .map(|c| c.with_timezone(&Utc));
        let changes = self
            .cx
            .target
            .invoice_changes(from)
            .await
            .map_err(|e| SyncError::remote(system.as_str(), e))?;
        for (id, _) in &changes.unreadable {
            tracing::warn!(tenant = %self.tenant(), invoice = %id, "books invoice unreadable; skipped");
        }
        let mut candidates = Vec::new();
        for books in changes.invoices {
            let link = self
                .cx
                .ledger
                .links()
                .find_by_target(INVOICE, system, &self.cx.tenant.company, &books.id)
                .await?;
            let Some(link) = link.filter(|l| l.key.tenant == self.tenant()) else {
                continue;
            };
            let Ok(id) = link.key.servicetitan_id.parse::<i64>() else {
                continue;
            };
            let Some((snapshot, _)) = self.base::<Invoice>(INVOICE, id).await? else {
                continue;
            };
            if books.version == snapshot.target_version {
                continue; // our own write, or read again through the overlap
            }
            if self.frozen(id).await? {
                continue;
            }
            candidates.push((id, books));
        }
        for chunk in candidates.chunks(50) {
            let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
            let current = self
                .cx
                .servicetitan
                .invoices_by_id(&ids)
                .await
                .map_err(|e| SyncError::remote("servicetitan", e))?;
            let by_id: HashMap<i64, SourceRecord<Invoice>> =
                current.into_iter().map(|r| (r.id, r)).collect();
            for (id, books) in chunk {
                let Some(st) = by_id.get(id) else {
                    continue;
                };
                self.saw(INVOICE, st);
                self.reconcile_invoice(st.clone(), books.clone()).await?;
                self.handled.insert((INVOICE, *id));
            }
        }
        if let Some(cursor) = changes.cursor.filter(|_| !self.dry()) {
            let run = self.cx.run;
            let value = cursor.to_rfc3339();
            self.cx
                .ledger
                .transaction(async |tx| tx.advance_cursor(&key, &value, Some(run)).await)
                .await?;
        }
        Ok(())
    }

    /// ServiceTitan changed a linked invoice: if the books changed it too since the base, the
    /// change goes through the merge (here) instead of overwriting the accountant's edit.
    pub(crate) async fn changed_in_books(
        &mut self,
        rec: &SourceRecord<Invoice>,
        target_id: &str,
        snapshot: &Snapshot,
    ) -> Result<bool, SyncError> {
        let system = self.system().as_str();
        let books = self
            .cx
            .target
            .books_invoices(&[target_id.to_owned()])
            .await
            .map_err(|e| SyncError::remote(system, e))?;
        let Some(books) = books.into_iter().next() else {
            return Ok(false);
        };
        if books.version == snapshot.target_version {
            return Ok(false);
        }
        self.reconcile_invoice(rec.clone(), books).await?;
        Ok(true)
    }

    /// The line links of a linked invoice: target line id -> ServiceTitan item id.
    pub(crate) async fn line_map(&self, id: i64) -> Result<HashMap<String, i64>, SyncError> {
        let lines = self.cx.ledger.links().lines(&self.key(INVOICE, id)).await?;
        Ok(lines
            .into_iter()
            .filter_map(|l| Some((l.target_line_id, l.servicetitan_item_id.parse().ok()?)))
            .collect())
    }

    /// Merges ServiceTitan's version and the books' version against the base, settled by the
    /// policies. `Err(reason)` when the records cannot be merged (two lines share a key).
    pub(crate) async fn merge_invoice(
        &self,
        st: &SourceRecord<Invoice>,
        books: &BooksInvoice,
        base: &Invoice,
    ) -> Result<Result<Merged, String>, SyncError> {
        let lines = self.line_map(st.id).await?;
        let mut books_invoice = books.invoice.clone();
        through_links(&mut books_invoice, &lines);
        let linked: std::collections::HashSet<i64> = lines.values().copied().collect();
        let lines_linked = !lines.is_empty()
            && base.lines.iter().all(|l| {
                l.servicetitan_item_id()
                    .is_some_and(|i| linked.contains(&i))
            });
        let view = accounting_view(base, &books_invoice, lines_linked);
        let mut outcome = match merge(base, &st.record, &view) {
            Ok(o) => o,
            Err(e) => return Ok(Err(e.to_string())),
        };
        outcome.conflicts.retain(|c| !is_derived(&c.path));
        let times = SideTimes {
            servicetitan: Some(st.modified_on),
            accounting: books.updated,
        };
        let settled = match self.cx.settings.policies.settle(outcome, &times) {
            Ok(s) => s,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let mut merged = settled.merged;
        recompute(&mut merged, base);
        let edit = servicetitan_edit(base, &st.record, &merged, &books_invoice);
        let mut manual = settled.manual;
        for refused in edit.refused {
            if !manual.iter().any(|m| m.path == refused.path) {
                manual.push(refused);
            }
        }
        manual.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Ok(Merged {
            merged,
            view,
            manual,
        }))
    }

    /// Reconciles one linked invoice changed in the books (and maybe in ServiceTitan).
    pub(crate) async fn reconcile_invoice(
        &mut self,
        st: SourceRecord<Invoice>,
        books: BooksInvoice,
    ) -> Result<(), SyncError> {
        let id = st.id;
        let Some((snapshot, base)) = self.base::<Invoice>(INVOICE, id).await? else {
            return Ok(());
        };
        if st.record.status == InvoiceStatus::Voided {
            return Ok(()); // ServiceTitan's void wins: its feed voids the books' invoice
        }
        let merged = match self.merge_invoice(&st, &books, &base).await? {
            Ok(m) => m,
            Err(reason) => {
                self.report.block(INVOICE, id, Outcome::Error, reason);
                return Ok(());
            }
        };
        if !merged.manual.is_empty() {
            if self.dry() {
                self.plan_conflict(id, &merged.manual);
                return Ok(());
            }
            return self.raise(id, &books.id, &merged.manual).await;
        }
        self.write_both(&st, &books, &snapshot, &merged.view, merged.merged)
            .await
    }

    /// Writes `merged` to whichever side lacks it (ServiceTitan through its API, the books
    /// through the outbox) and stores it as the base with both versions.
    pub(crate) async fn write_both(
        &mut self,
        st: &SourceRecord<Invoice>,
        books: &BooksInvoice,
        snapshot: &Snapshot,
        view: &Invoice,
        merged: Invoice,
    ) -> Result<(), SyncError> {
        let id = st.id;
        let base: Invoice = serde_json::from_value(snapshot.base.clone())
            .map_err(|e| SyncError::Config(format!("invoice {id}: unreadable base: {e}")))?;
        let edit = servicetitan_edit(&base, &st.record, &merged, &books.invoice);
        let mut wrote = false;
        if edit.has_writes() && self.dry() {
            wrote = true;
        } else if edit.has_writes() {
            if let Err(reason) = self.patch_servicetitan(id, &books.id, &edit).await? {
                self.report.block(INVOICE, id, Outcome::Error, reason);
                return Ok(());
            }
            wrote = true;
            self.event(
                "invoice.edited_in_servicetitan",
                Some((INVOICE, id)),
                json!({"target_id": books.id, "items": edit.items.iter().map(|i| i.id).collect::<Vec<_>>()}),
            )
            .await?;
        }
        let mut view = view.clone();
        recompute(&mut view, &base);
        let books_behind = diff(&view, &merged)
            .map(|changes| {
                changes
                    .iter()
                    .any(|c| c.path.to_string() != "invoice.balance")
            })
            .unwrap_or(true);
        let rec = SourceRecord {
            record: merged,
            ..st.clone()
        };
        if books_behind {
            if books.invoice.status == InvoiceStatus::Voided {
                let reason = format!(
                    "voided in {} but changed in ServiceTitan: void it in ServiceTitan, or \
                     re-enter it in the books by hand (the bridge never re-creates it)",
                    self.system()
                );
                self.report.block(INVOICE, id, Outcome::Blocked, reason);
                return Ok(());
            }
            let Some(write) = self
                .update_write(&rec, &books.id, books.version.clone())
                .await?
            else {
                return Ok(());
            };
            if self.dry() {
                return self.plan_writes(INVOICE, vec![write]).await;
            }
            for applied in self.apply(vec![write]).await? {
                self.settle_invoice(applied).await?;
            }
            return Ok(());
        }
        // The books agree with the merged record here, save perhaps their own tax.
        let figures = super::invoices::BooksFigures::known(
            books.invoice.total.amount(),
            books.invoice.tax.amount(),
        );
        self.save_verified_invoice_base(&rec, &books.id, books.version.clone(), &[], figures)
            .await?;
        if wrote {
            self.report.record(INVOICE, Outcome::Updated);
            self.plan_servicetitan_edit(id);
        } else {
            self.report.record(INVOICE, Outcome::Unchanged);
            self.plan_note(INVOICE, id, crate::plan::PlanAction::Unchanged, None);
        }
        Ok(())
    }

    /// The books update of a linked invoice at `version`, or `None` when it is blocked
    /// (parked with the reason).
    pub(crate) async fn update_write(
        &mut self,
        rec: &SourceRecord<Invoice>,
        target_id: &str,
        version: Option<String>,
    ) -> Result<Option<Write>, SyncError> {
        let (customer_id, refs) = match self.invoice_inputs(rec).await? {
            Ok(inputs) => inputs,
            Err(reason) => {
                self.report.block(INVOICE, rec.id, Outcome::Blocked, reason);
                return Ok(None);
            }
        };
        let line_ids = self
            .line_map(rec.id)
            .await?
            .into_iter()
            .filter_map(|(line, st)| Some((ledgerbridge_core::SourceRef::servicetitan(st)?, line)))
            .collect();
        Ok(Some(Write::UpdateInvoice {
            servicetitan_id: rec.id,
            invoice: rec.record.clone(),
            customer_id,
            refs,
            target_id: target_id.to_owned(),
            version,
            line_ids,
        }))
    }
}
