//! Planning one invoice: the engine gathers the facts [`decide_invoice`] asks for (ledger and
//! remote reads), then carries its decision out as a write, a link, a park or a count.

use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::{EntityKind, Invoice, InvoiceStatus};
use ledgerbridge_ledger::Snapshot;
use serde_json::json;

use super::Engine;
use super::invoices::BooksFigures;
use crate::eligibility::invoice_eligibility;
use crate::error::SyncError;
use crate::plan::PlanAction;
use crate::plan::invoice::{
    BooksTwin, InvoiceDecision, InvoiceFact, InvoiceFacts, InvoiceStep, LinkedInvoice,
    decide_invoice,
};
use crate::report::Outcome;
use ledgerbridge_protocol::{InvoiceRefs, RemoteInvoice, Source, Target, Write};

const INVOICE: EntityKind = EntityKind::Invoice;

/// A decision is made only from facts gathered; one without them is a planner defect,
/// reported as such rather than written with empty values.
fn missing(id: i64, what: &str) -> SyncError {
    SyncError::Config(format!("invoice {id} was planned without {what}"))
}

fn resolved(
    id: i64,
    inputs: Option<(String, InvoiceRefs)>,
) -> Result<(String, InvoiceRefs), SyncError> {
    inputs.ok_or_else(|| missing(id, "its customer and mappings"))
}

/// What gathering the facts read that carrying the decision out needs again.
#[derive(Default)]
struct Gathered {
    snapshot: Option<Snapshot>,
    inputs: Option<(String, InvoiceRefs)>,
    twin: Option<RemoteInvoice>,
}

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// The write one invoice needs, if any; everything else it needs (a link, a park, a
    /// count) is done here.
    pub(crate) async fn plan_invoice(
        &mut self,
        rec: &SourceRecord<Invoice>,
    ) -> Result<Option<Write>, SyncError> {
        let id = rec.id;
        let mut link = self.link(INVOICE, id).await?;
        // Recovery, not a decision: our own create whose link a crash lost is linked first.
        if link.is_none() && self.relink_confirmed_create(id).await? {
            link = self.link(INVOICE, id).await?;
        }
        let mut got = Gathered::default();
        let linked = match link {
            Some(link) => {
                let base = self.base::<Invoice>(INVOICE, id).await?;
                let (snapshot, base) = base.map_or((None, None), |(s, b)| (Some(s), Some(b)));
                got.snapshot = snapshot;
                Some(LinkedInvoice {
                    target_id: link.target_id,
                    base,
                    frozen: None,
                    changed_in_books: None,
                    marked: !self.dry_plan.unmarked.contains(&(INVOICE, id)),
                })
            }
            None => None,
        };
        let settings = self.cx.settings;
        let start = settings.effective_start();
        let mut facts = InvoiceFacts {
            system: self.system(),
            invoice: rec.record.clone(),
            eligibility: invoice_eligibility(rec, start, settings.include_pending),
            link: linked,
            inputs: None,
            twin: None,
        };
        loop {
            match decide_invoice(&facts) {
                InvoiceStep::Ask(fact) => self.gather(rec, fact, &mut facts, &mut got).await?,
                InvoiceStep::Decide(decision) => {
                    return self.carry_out(rec, &facts, decision, got).await;
                }
            }
        }
    }

    async fn gather(
        &mut self,
        rec: &SourceRecord<Invoice>,
        fact: InvoiceFact,
        facts: &mut InvoiceFacts,
        got: &mut Gathered,
    ) -> Result<(), SyncError> {
        match fact {
            InvoiceFact::Frozen => {
                // Reports the conflict (once per run) when frozen.
                let frozen = self.frozen(rec.id).await?;
                if let Some(l) = facts.link.as_mut() {
                    l.frozen = Some(frozen);
                }
            }
            InvoiceFact::ChangedInBooks => {
                let (Some(l), Some(snapshot)) = (facts.link.as_mut(), &got.snapshot) else {
                    return Err(SyncError::Config(format!("invoice {} has no base", rec.id)));
                };
                let changed = self.changed_in_books(rec, &l.target_id, snapshot).await?;
                l.changed_in_books = Some(changed);
            }
            InvoiceFact::Inputs => {
                let inputs = self.invoice_inputs(rec).await?;
                facts.inputs = Some(inputs.as_ref().map(drop).map_err(Clone::clone));
                got.inputs = inputs.ok();
            }
            InvoiceFact::Twin => {
                let found = self.pre_existing(&rec.record.number).await?;
                let twin = match &found {
                    Some(found) => {
                        let customer = got.inputs.as_ref().map(|(c, _)| c.as_str());
                        let same = Some(found.customer_id.as_str()) == customer
                            && found.total == rec.record.total.amount()
                            && found.status != InvoiceStatus::Voided;
                        Some(BooksTwin {
                            target_id: found.id.clone(),
                            same,
                            // Asked only of a twin that is the same invoice (one read saved).
                            linked_elsewhere: same && self.is_linked_elsewhere(&found.id).await?,
                        })
                    }
                    None => None,
                };
                facts.twin = Some(twin);
                got.twin = found;
            }
        }
        Ok(())
    }

    async fn carry_out(
        &mut self,
        rec: &SourceRecord<Invoice>,
        facts: &InvoiceFacts,
        decision: InvoiceDecision,
        got: Gathered,
    ) -> Result<Option<Write>, SyncError> {
        let id = rec.id;
        let target_id = facts.link.as_ref().map(|l| l.target_id.clone());
        let version = got.snapshot.and_then(|s| s.target_version);
        let write = match decision {
            InvoiceDecision::AdoptBase => {
                let target = target_id.unwrap_or_default();
                self.save_invoice_base(rec, &target, None, &[]).await?;
                self.unchanged(INVOICE, id);
                None
            }
            InvoiceDecision::Unchanged => {
                self.unchanged(INVOICE, id);
                None
            }
            InvoiceDecision::MarkExported => {
                self.unchanged(INVOICE, id);
                let target = target_id.unwrap_or_default();
                self.queue_mark(id, &target, &rec.record.number);
                if self.dry() {
                    self.plan_mark(INVOICE, id);
                }
                None
            }
            // Reported where the fact was read (the conflict; the merge's own outcome).
            InvoiceDecision::Frozen | InvoiceDecision::Merged => None,
            InvoiceDecision::Void { draft } => Some(Write::VoidInvoice {
                servicetitan_id: id,
                target_id: target_id.unwrap_or_default(),
                version,
                draft,
            }),
            InvoiceDecision::Update => {
                let (customer_id, refs) = resolved(id, got.inputs)?;
                Some(
                    self.invoice_update(rec, target_id, version, customer_id, refs)
                        .await?,
                )
            }
            InvoiceDecision::Create => {
                let (customer_id, refs) = resolved(id, got.inputs)?;
                Some(Write::CreateInvoice {
                    servicetitan_id: id,
                    invoice: rec.record.clone(),
                    customer_id,
                    refs,
                })
            }
            InvoiceDecision::Link { target_id } => {
                let found = got.twin.ok_or_else(|| missing(id, "its books twin"))?;
                self.link_pre_existing(rec, &target_id, &found).await?;
                None
            }
            InvoiceDecision::Park(reason) => {
                self.park(INVOICE, rec, reason);
                None
            }
            InvoiceDecision::Block(reason) => {
                self.report.block(INVOICE, id, Outcome::Blocked, reason);
                None
            }
            InvoiceDecision::Skip(reason) => {
                self.report.record(INVOICE, Outcome::Skipped);
                self.plan_note(INVOICE, id, PlanAction::Skipped, Some(reason.clone()));
                let detail = json!({"reason": reason});
                self.event("sync.skipped", Some((INVOICE, id)), detail)
                    .await?;
                None
            }
        };
        Ok(write)
    }

    async fn invoice_update(
        &self,
        rec: &SourceRecord<Invoice>,
        target_id: Option<String>,
        version: Option<String>,
        customer_id: String,
        refs: InvoiceRefs,
    ) -> Result<Write, SyncError> {
        let key = self.key(INVOICE, rec.id);
        let line_ids = self
            .cx
            .ledger
            .links()
            .lines(&key)
            .await?
            .into_iter()
            .filter_map(|l| Some((l.servicetitan_item_id.parse().ok()?, l.target_line_id)))
            .collect();
        Ok(Write::UpdateInvoice {
            servicetitan_id: rec.id,
            invoice: rec.record.clone(),
            customer_id,
            refs,
            target_id: target_id.unwrap_or_default(),
            version,
            line_ids,
        })
    }

    /// Links an invoice to the books' invoice entered before the bridge (same number,
    /// customer and total), stores it as the base and queues its export mark.
    async fn link_pre_existing(
        &mut self,
        rec: &SourceRecord<Invoice>,
        target_id: &str,
        found: &RemoteInvoice,
    ) -> Result<(), SyncError> {
        let id = rec.id;
        let books = BooksFigures::known(found.total, found.tax);
        self.save_verified_invoice_base(rec, target_id, found.version.clone(), &[], books)
            .await?;
        self.event(
            "invoice.linked",
            Some((INVOICE, id)),
            json!({"target_id": target_id, "evidence": ["number", "customer", "total"]}),
        )
        .await?;
        self.queue_mark(id, target_id, &rec.record.number);
        self.report.record(INVOICE, Outcome::Linked);
        if self.dry() {
            self.plan_invoice_link(id, target_id);
        }
        Ok(())
    }
}
