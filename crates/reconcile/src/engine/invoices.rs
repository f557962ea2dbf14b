//! Invoices: eligibility, plan (create / update / void / no-op / own echo), pre-existing
//! records linked instead of duplicated, apply, verify, and the export mark.

use std::collections::HashMap;

use ledgerbridge_connector::{ExportMark, SourceRecord};
use ledgerbridge_core::{EntityKind, Invoice, InvoiceStatus, Money, SourceRef};
use ledgerbridge_ledger::{LineLink, NewSnapshot, OperationId, SnapshotTotals};

use super::Engine;
use crate::error::SyncError;
use crate::mapping::blocked_reason;
use crate::settings::ExportId;
use ledgerbridge_protocol::{RemoteInvoice, Source, Target};

const INVOICE: EntityKind = EntityKind::Invoice;

fn totals(invoice: &Invoice) -> SnapshotTotals {
    SnapshotTotals {
        total: invoice.total,
        tax: invoice.tax,
        balance: invoice.balance,
    }
}

/// The books' own total and tax of an invoice, as QuickBooks or Xero answered the write or
/// the look-up that verified it (`None` where it did not say). The base snapshot keeps them
/// beside ServiceTitan's figures, so the report shows a recalculated tax from the ledger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct BooksFigures {
    pub(crate) total: Option<rust_decimal::Decimal>,
    pub(crate) tax: Option<rust_decimal::Decimal>,
}

/// What the books answered for a saved invoice, stored with its base.
pub(crate) struct InvoiceBase<'a> {
    /// The books' version (QBO `SyncToken`, Xero `UpdatedDateUTC`).
    pub(crate) version: Option<String>,
    /// The books' line ids beside ServiceTitan's item ids (empty: keep those stored).
    pub(crate) lines: &'a [LineLink],
    pub(crate) books: BooksFigures,
}

impl BooksFigures {
    /// Both figures, as read from the books.
    pub(crate) fn known(total: rust_decimal::Decimal, tax: rust_decimal::Decimal) -> Self {
        Self {
            total: Some(total),
            tax: Some(tax),
        }
    }

    /// In the invoice's currency (the books' invoice is in it); a figure that is not a valid
    /// amount there is left unknown rather than failing the save.
    fn in_currency_of(self, invoice: &Invoice) -> (Option<Money>, Option<Money>) {
        let currency = invoice.total.currency();
        let money = |d: Option<rust_decimal::Decimal>| d.and_then(|d| Money::new(d, currency).ok());
        (money(self.total), money(self.tax))
    }
}

/// Why a record whose text is longer than its target takes is blocked. The data is fine
/// (nothing is quarantined); the target cannot hold it, so a person shortens it at the source.
pub(crate) fn too_long_reason(e: &ledgerbridge_core::limits::TooLong) -> String {
    format!("{e}: shorten it in ServiceTitan (the bridge never cuts a value)")
}

impl<S: Source, T: Target> Engine<'_, S, T> {
    pub(crate) async fn handle_invoices(
        &mut self,
        records: Vec<SourceRecord<Invoice>>,
    ) -> Result<(), SyncError> {
        let mut writes = Vec::new();
        for rec in &records {
            if let Some(w) = self.plan_invoice(rec).await? {
                writes.push(w);
            }
        }
        if self.dry() {
            self.plan_writes(INVOICE, writes).await?;
            for rec in &records {
                self.report.plan_number(INVOICE, rec.id, &rec.record.number);
            }
            return Ok(());
        }
        if writes.is_empty() {
            return Ok(());
        }
        for applied in self.apply(writes).await? {
            self.settle_invoice(applied).await?;
        }
        Ok(())
    }

    /// The accounting id of a linked customer (a placeholder in a dry run for one that would
    /// be created), or the reason the invoice must wait.
    pub(crate) async fn customer_target(
        &self,
        customer: &SourceRef,
    ) -> Result<Result<String, String>, SyncError> {
        let Some(id) = customer.servicetitan_id() else {
            return Ok(Err(format!(
                "customer {customer} is not a ServiceTitan customer"
            )));
        };
        if let Some(link) = self.link(EntityKind::Customer, id).await? {
            return Ok(Ok(link.target_id));
        }
        if let Some(target) = self.planned_links.get(&id).filter(|_| self.dry()) {
            return Ok(Ok(target.clone()));
        }
        if self.dry() && self.planned.contains(&id) {
            return Ok(Ok(format!("(new customer {id})")));
        }
        let mut why = self
            .report
            .reason_for(EntityKind::Customer, id)
            .map(|r| format!(": {r}"));
        if why.is_none() {
            // Not read this run: a quarantined customer is never re-read until it is fixed
            // in ServiceTitan, so say so rather than give no reason.
            let quarantined = self
                .cx
                .ledger
                .quarantine()
                .list(Some(self.tenant()), false)
                .await?
                .into_iter()
                .any(|q| {
                    q.entity == EntityKind::Customer
                        && q.remote_id.as_deref() == Some(id.to_string().as_str())
                });
            if quarantined {
                why = Some(
                    ": the customer is quarantined (unreadable in ServiceTitan; see the \
                     quarantine list)"
                        .to_owned(),
                );
            }
        }
        let why = why.unwrap_or_default();
        Ok(Err(format!("customer {id} is not in the books yet{why}")))
    }

    /// The linked customer and the resolved mappings, or why the invoice must wait.
    pub(crate) async fn invoice_inputs(
        &mut self,
        rec: &SourceRecord<Invoice>,
    ) -> Result<Result<(String, ledgerbridge_protocol::InvoiceRefs), String>, SyncError> {
        // The same rule for QuickBooks and Xero, before any mapping: a text the target cannot
        // hold blocks the record (never cut, never half-written).
        if let Err(e) = ledgerbridge_core::limits::check_invoice(self.system(), &rec.record) {
            return Ok(Err(too_long_reason(&e)));
        }
        let customer_id = match self.customer_target(&rec.record.customer).await? {
            Ok(id) => id,
            Err(reason) => return Ok(Err(reason)),
        };
        let mappings = self.mappings.as_ref().expect("loaded before the feeds");
        let refs = match mappings.invoice(&rec.record) {
            Ok(refs) => refs,
            Err(unmapped) => return Ok(Err(blocked_reason(&unmapped))),
        };
        let date = rec.record.invoice_date;
        if self.closed_through().await?.is_some_and(|c| date <= c) {
            return Ok(Err(self.period_reason(date)));
        }
        Ok(Ok((customer_id, refs)))
    }

    /// An accounting invoice with this number (the invoice list is read once per run).
    pub(crate) async fn pre_existing(
        &mut self,
        number: &str,
    ) -> Result<Option<RemoteInvoice>, SyncError> {
        if self.invoice_index.is_none() {
            let system = self.system().as_str();
            let all = self
                .cx
                .target
                .invoices()
                .await
                .map_err(|e| SyncError::remote(system, e))?;
            let mut index: HashMap<String, Vec<RemoteInvoice>> = HashMap::new();
            for i in all {
                index.entry(i.number.clone()).or_default().push(i);
            }
            self.invoice_index = Some(index);
        }
        let found = self.invoice_index.as_ref().and_then(|i| i.get(number));
        Ok(found.and_then(|list| list.first().cloned()))
    }

    pub(crate) async fn is_linked_elsewhere(&self, target_id: &str) -> Result<bool, SyncError> {
        Ok(self
            .cx
            .ledger
            .links()
            .find_by_target(INVOICE, self.system(), &self.cx.tenant.company, target_id)
            .await?
            .is_some())
    }

    /// Links (if not yet) and stores the invoice as the base with its line ids, the books'
    /// own figures unknown.
    pub(crate) async fn save_invoice_base(
        &self,
        rec: &SourceRecord<Invoice>,
        target_id: &str,
        version: Option<String>,
        lines: &[LineLink],
    ) -> Result<(), SyncError> {
        self.save_verified_invoice_base(rec, target_id, version, lines, BooksFigures::default())
            .await
    }

    /// Links (if not yet) and stores the invoice as the base with its line ids and the books'
    /// own total and tax (left unknown for a voided invoice: the books zero it).
    pub(crate) async fn save_verified_invoice_base(
        &self,
        rec: &SourceRecord<Invoice>,
        target_id: &str,
        version: Option<String>,
        lines: &[LineLink],
        books: BooksFigures,
    ) -> Result<(), SyncError> {
        let base = InvoiceBase {
            version,
            lines,
            books,
        };
        self.settle_invoice_base(None, rec, target_id, base).await
    }

    /// Confirms the write `op` that saved the invoice (if any), links it (if not yet) and
    /// stores its base, all in one ledger transaction.
    pub(crate) async fn settle_invoice_base(
        &self,
        op: Option<OperationId>,
        rec: &SourceRecord<Invoice>,
        target_id: &str,
        InvoiceBase {
            version,
            lines,
            books,
        }: InvoiceBase<'_>,
    ) -> Result<(), SyncError> {
        if self.dry() {
            return Ok(());
        }
        let key = self.key(INVOICE, rec.id);
        let books = if rec.record.status == InvoiceStatus::Voided {
            BooksFigures::default()
        } else {
            books
        };
        let (target_total, target_tax) = books.in_currency_of(&rec.record);
        let snapshot = NewSnapshot {
            base: serde_json::to_value(&rec.record).unwrap_or_default(),
            servicetitan_version: Some(rec.modified_on.to_rfc3339()),
            target_version: version,
            totals: Some(totals(&rec.record)),
            target_total,
            target_tax,
            document_date: Some(rec.record.invoice_date),
            run: Some(self.cx.run),
        };
        self.cx
            .ledger
            .transaction(async |tx| {
                if let Some(op) = op {
                    tx.outbox().confirm(op, Some(target_id)).await?;
                }
                if tx.links().get(&key).await?.is_none() {
                    tx.links().insert(&key, target_id).await?;
                }
                if !lines.is_empty() {
                    tx.links().set_lines(&key, lines).await?;
                }
                tx.snapshots().save(&key, &snapshot).await
            })
            .await?;
        Ok(())
    }

    pub(crate) fn queue_mark(&mut self, id: i64, target_id: &str, number: &str) {
        if !self.cx.settings.mark_exported || self.dry() {
            return;
        }
        let external_id = match self.cx.settings.export_id {
            ExportId::TargetId => target_id.to_owned(),
            ExportId::Number => number.to_owned(),
        };
        let product = match self.system() {
            ledgerbridge_core::System::Xero => "Xero",
            _ => "QuickBooks Online",
        };
        self.marks.push(ExportMark {
            invoice_id: id,
            external_id,
            message: Some(format!("Exported to {product} by ledgerbridge")),
        });
    }
}
