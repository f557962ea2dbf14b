//! What a dry run writes down instead of writing: the plan entry of each decision, and the
//! records it would create or link, so its later decisions see them as a real run sees the
//! links its writes left (a payment of an invoice the run would create is planned, not
//! blocked "not in the books").

use ledgerbridge_core::{EntityKind, FieldConflict, System};

use std::collections::{BTreeMap, HashMap, HashSet};

use super::Engine;
use super::apply::Applied;
use crate::error::SyncError;
use crate::plan::{PlanAction, PlanEntry, PlannedWrite};
use crate::report::Outcome;
use ledgerbridge_protocol::{
    Rejection, RejectionKind, Source, Target, Write, WriteKind, WriteOutcome,
};

/// What a dry run would have written that its later decisions must see (empty in a real run,
/// where the ledger's links and operations say it).
#[derive(Default)]
pub(crate) struct DryPlan {
    /// Invoices that would be created (a placeholder id) or linked (the books id), so their
    /// payments are planned as the real run would write them.
    invoices: HashMap<i64, String>,
    /// The books id -> ServiceTitan id of the invoices that would be linked, for the
    /// payments of the books that pay them.
    invoice_targets: HashMap<String, i64>,
    /// Linked records the run-start sweep found without an export mark (it only plans their
    /// marks, so they stay unmarked for the planner). In a real run the sweep sends every
    /// missing mark before any record is planned.
    pub(crate) unmarked: HashSet<(EntityKind, i64)>,
}

/// The operation name of a write kind in the plan (`create_invoice`, `void_payment`, ...).
pub(crate) fn operation(kind: WriteKind) -> &'static str {
    match kind {
        WriteKind::CreateCustomer => "create_customer",
        WriteKind::UpdateCustomer => "update_customer",
        WriteKind::CreateInvoice => "create_invoice",
        WriteKind::UpdateInvoice => "update_invoice",
        WriteKind::VoidInvoice => "void_invoice",
        WriteKind::CreateCreditNote => "create_credit_note",
        WriteKind::CreatePayment => "create_payment",
        WriteKind::CreateRefund => "create_refund",
        WriteKind::VoidPayment => "void_payment",
    }
}

/// The export mark a run sends to ServiceTitan after it links an invoice or payment.
pub(crate) fn mark_write() -> PlannedWrite {
    PlannedWrite::new(System::ServiceTitan.as_str(), "mark_exported")
}

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// A dry run's stand-in for applying `writes` of `entity`. Each is encoded as the real
    /// run would send it (the target's `prepare`, which sends nothing): one the target cannot
    /// express is settled as the real run settles its refusal (blocked, with the same
    /// reason); the others are counted as the real run counts them once saved, written down
    /// in the plan, and remembered as created (invoices, customers) so the records that need
    /// them are planned, not blocked.
    pub(crate) async fn plan_writes(
        &mut self,
        entity: EntityKind,
        writes: Vec<Write>,
    ) -> Result<(), SyncError> {
        let (accepted, refused) = self.prepare_all(writes)?;
        for applied in refused {
            match entity {
                EntityKind::Customer => drop(self.settle_customer(applied).await?),
                EntityKind::Invoice => self.settle_invoice(applied).await?,
                _ => self.settle_payment(applied).await?,
            }
        }
        for w in accepted {
            let id = w.servicetitan_id();
            let (outcome, action) = match w.kind() {
                WriteKind::CreateCustomer
                | WriteKind::CreateInvoice
                | WriteKind::CreateCreditNote
                | WriteKind::CreatePayment
                | WriteKind::CreateRefund => (Outcome::Created, PlanAction::Create),
                WriteKind::VoidInvoice | WriteKind::VoidPayment => {
                    (Outcome::Updated, PlanAction::Void)
                }
                WriteKind::UpdateCustomer | WriteKind::UpdateInvoice => {
                    (Outcome::Updated, PlanAction::Update)
                }
            };
            let mut entry = PlanEntry::new(entity, id.to_string(), action).write(
                PlannedWrite::new(self.system().as_str(), operation(w.kind())),
            );
            // A created invoice or payment is marked exported in ServiceTitan by the same run.
            let marked = matches!(w, Write::CreateInvoice { .. } | Write::CreatePayment { .. });
            if marked && self.cx.settings.mark_exported {
                entry = entry.write(mark_write());
            }
            match &w {
                Write::CreateCustomer { .. } => {
                    self.planned.insert(id);
                }
                Write::CreateInvoice { .. } => {
                    self.dry_plan
                        .invoices
                        .insert(id, format!("(new invoice {id})"));
                }
                _ => {}
            }
            self.report.record(entity, outcome);
            self.report.plan_entry(entry);
        }
        Ok(())
    }

    /// Splits `writes` into those the target can express and those it refuses, batched by
    /// kind as [`Engine::apply`] batches them (a refusal is per write, not per batch).
    fn prepare_all(&self, writes: Vec<Write>) -> Result<(Vec<Write>, Vec<Applied>), SyncError> {
        let mut by_kind: BTreeMap<WriteKind, Vec<Write>> = BTreeMap::new();
        for w in writes {
            by_kind.entry(w.kind()).or_default().push(w);
        }
        let (mut accepted, mut refused) = (Vec::new(), Vec::new());
        let system = self.system().as_str();
        for (kind, group) in by_kind {
            let limit = self.cx.target.batch_limit(kind).max(1);
            for chunk in group.chunks(limit) {
                let prepared = self
                    .cx
                    .target
                    .prepare(chunk)
                    .map_err(|e| SyncError::remote(system, e))?;
                accepted.extend(prepared.accepted.iter().map(|i| chunk[*i].clone()));
                refused.extend(prepared.refused.into_iter().map(|(i, message)| Applied {
                    write: chunk[i].clone(),
                    op: None,
                    outcome: WriteOutcome::Rejected(Rejection {
                        kind: RejectionKind::Invalid,
                        message,
                    }),
                }));
            }
        }
        Ok((accepted, refused))
    }

    /// Writes down a decision that sends nothing (skipped, unchanged) or only links.
    pub(crate) fn plan_note(
        &mut self,
        entity: EntityKind,
        id: impl ToString,
        action: PlanAction,
        reason: Option<String>,
    ) {
        if !self.report.is_planning() {
            return;
        }
        let mut entry = PlanEntry::new(entity, id.to_string(), action);
        entry.reason = reason;
        let marked = action == PlanAction::Link && entity != EntityKind::Customer;
        if marked && self.cx.settings.mark_exported {
            entry = entry.write(mark_write());
        }
        self.report.plan_entry(entry);
    }

    /// A change made in the books that ServiceTitan takes (the merge writes it there).
    pub(crate) fn plan_servicetitan_edit(&mut self, id: i64) {
        let write = PlannedWrite::new(System::ServiceTitan.as_str(), "update_invoice");
        let entry = PlanEntry::new(EntityKind::Invoice, id.to_string(), PlanAction::Update);
        self.report.plan_entry(entry.write(write));
    }

    /// A change on both sides the policies leave to a person: the real run raises a conflict
    /// (and writes neither side); a dry run reports it without storing it.
    pub(crate) fn plan_conflict(&mut self, id: i64, fields: &[FieldConflict]) {
        self.conflicted.insert(id);
        let paths: Vec<String> = fields.iter().map(|f| f.path.to_string()).collect();
        let reason = format!(
            "would raise a conflict on {}: resolve it with `ledgerbridge conflicts resolve` \
             after the sync",
            paths.join(", ")
        );
        self.report
            .block(EntityKind::Invoice, id, Outcome::Conflict, reason);
    }

    /// A linked record that only lacks its export mark in ServiceTitan.
    pub(crate) fn plan_mark(&mut self, entity: EntityKind, id: i64) {
        let entry = PlanEntry::new(entity, id.to_string(), PlanAction::MarkExported);
        self.report.plan_entry(entry.write(mark_write()));
    }

    /// In a dry run, the books id an invoice would have (linked to a pre-existing one, or a
    /// placeholder for one it would create); `None` in a real run, where the link is the
    /// answer.
    pub(crate) fn planned_invoice(&self, id: i64) -> Option<String> {
        self.dry_plan
            .invoices
            .get(&id)
            .filter(|_| self.dry())
            .cloned()
    }

    /// In a dry run, the ServiceTitan invoice it would link to the books invoice `target_id`
    /// (a pre-existing invoice matched by number, customer and total).
    pub(crate) fn planned_invoice_of(&self, target_id: &str) -> Option<i64> {
        if !self.dry() {
            return None;
        }
        self.dry_plan.invoice_targets.get(target_id).copied()
    }

    /// A dry run's stand-in for linking invoice `id` to the books' pre-existing `target_id`.
    pub(crate) fn plan_invoice_link(&mut self, id: i64, target_id: &str) {
        self.dry_plan.invoices.insert(id, target_id.to_owned());
        self.dry_plan
            .invoice_targets
            .insert(target_id.to_owned(), id);
        self.plan_note(EntityKind::Invoice, id, PlanAction::Link, None);
    }
}
