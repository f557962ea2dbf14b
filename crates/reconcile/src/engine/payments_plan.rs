//! Planning one payment: the engine gathers what [`decide_payment`] asks for, then carries
//! its decision out.

use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::{EntityKind, Payment, SourceRef};
use serde_json::json;

use super::Engine;
use crate::eligibility::payment_eligibility;
use crate::error::SyncError;
use crate::mapping::blocked_reason;
use crate::plan::PlanAction;
use crate::plan::payment::{
    LinkedPayment, PaymentDecision, PaymentFacts, PaymentStep, decide_payment,
};
use crate::report::Outcome;
use ledgerbridge_protocol::{PaymentRefs, Source, Target, Write};

const PAYMENT: EntityKind = EntityKind::Payment;

/// The customer, invoices and mappings a create needs.
struct PaymentInputs {
    customer_id: String,
    invoice_ids: Vec<(SourceRef, String)>,
    refs: PaymentRefs,
}

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// The write one payment needs, if any; everything else (a park, a count) is done here.
    pub(crate) async fn plan_payment(
        &mut self,
        rec: &SourceRecord<Payment>,
    ) -> Result<Option<Write>, SyncError> {
        let id = rec.id;
        let link = self.link(PAYMENT, id).await?;
        let mut snapshot = None;
        let linked = match &link {
            Some(_) => {
                let base = self.base::<Payment>(PAYMENT, id).await?;
                let (s, base) = base.map_or((None, None), |(s, b)| (Some(s), Some(b)));
                snapshot = s;
                Some(LinkedPayment {
                    base,
                    marked: !self.dry_plan.unmarked.contains(&(PAYMENT, id)),
                })
            }
            None => None,
        };
        let mut facts = PaymentFacts {
            payment: rec.record.clone(),
            eligibility: payment_eligibility(rec, self.cx.settings.effective_start()),
            link: linked,
            inputs: None,
        };
        let mut inputs = None;
        let decision = loop {
            match decide_payment(&facts) {
                PaymentStep::AskInputs => {
                    let got = self.payment_inputs(rec).await?;
                    facts.inputs = Some(got.as_ref().map(drop).map_err(Clone::clone));
                    inputs = got.ok();
                }
                PaymentStep::Decide(d) => break d,
            }
        };
        let target_id = link.map(|l| l.target_id);
        let version = snapshot.and_then(|s| s.target_version);
        Ok(match decision {
            PaymentDecision::AdoptBase => {
                let target = target_id.unwrap_or_default();
                self.save_payment_base(rec, &target, &[], None, None)
                    .await?;
                self.unchanged(PAYMENT, id);
                None
            }
            PaymentDecision::Unchanged => {
                self.unchanged(PAYMENT, id);
                None
            }
            PaymentDecision::MarkExported => {
                self.unchanged(PAYMENT, id);
                if self.dry() {
                    self.plan_mark(PAYMENT, id);
                } else if self.cx.settings.mark_exported {
                    self.payment_marks.push(id);
                }
                None
            }
            PaymentDecision::Void => {
                let mut target_ids: Vec<String> = target_id.into_iter().collect();
                for line in self.cx.ledger.links().lines(&self.key(PAYMENT, id)).await? {
                    if !target_ids.contains(&line.target_line_id) {
                        target_ids.push(line.target_line_id);
                    }
                }
                Some(Write::VoidPayment {
                    servicetitan_id: id,
                    target_ids,
                    version,
                })
            }
            PaymentDecision::Create => {
                let PaymentInputs {
                    customer_id,
                    invoice_ids,
                    refs,
                } = inputs.ok_or_else(|| {
                    SyncError::Config(format!("payment {id} was planned without its inputs"))
                })?;
                Some(Write::CreatePayment {
                    servicetitan_id: id,
                    payment: rec.record.clone(),
                    customer_id,
                    invoice_ids,
                    refs,
                })
            }
            PaymentDecision::Park(reason) => {
                self.park(PAYMENT, rec, reason);
                None
            }
            PaymentDecision::Block(reason) => {
                self.report.block(PAYMENT, id, Outcome::Blocked, reason);
                None
            }
            PaymentDecision::Skip(reason) => {
                self.report.record(PAYMENT, Outcome::Skipped);
                self.plan_note(PAYMENT, id, PlanAction::Skipped, Some(reason.clone()));
                let detail = json!({"reason": reason});
                self.event("sync.skipped", Some((PAYMENT, id)), detail)
                    .await?;
                None
            }
        })
    }

    /// Why payment `id` waits for `invoice`, which is not in the books. An invoice another
    /// integration exported is never synced, so its payments say so; the invoice is read
    /// only by the run that first sees it, so a retried payment keeps that reason.
    fn unbooked_invoice_reason(&self, id: i64, invoice: &SourceRef) -> String {
        let pre_exported = format!(
            "pays invoice {invoice} which was already exported by another integration (the \
             bridge does not sync it): record the payment where the invoice was exported"
        );
        let st = invoice.servicetitan_id();
        let seen = st.and_then(|i| self.seen.get(&(EntityKind::Invoice, i)));
        if seen.is_some_and(|s| {
            s.remote_status
                .as_deref()
                .is_some_and(|st| st.eq_ignore_ascii_case("Exported"))
        }) {
            return pre_exported;
        }
        let before = self.parked_since.get(&(PAYMENT, id));
        if seen.is_none() && before.is_some_and(|(reason, _)| *reason == pre_exported) {
            return pre_exported;
        }
        let why = st
            .and_then(|i| self.report.reason_for(EntityKind::Invoice, i))
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        format!("pays invoice {invoice} which is not in the books{why}")
    }

    /// The customer, the invoices paid and the mappings of a payment, or why it must wait:
    /// checked in that order, so the reason names the first thing to fix.
    async fn payment_inputs(
        &mut self,
        rec: &SourceRecord<Payment>,
    ) -> Result<Result<PaymentInputs, String>, SyncError> {
        let payment = &rec.record;
        let customer_id = match self.customer_target(&payment.customer).await? {
            Ok(c) => c,
            Err(reason) => return Ok(Err(reason)),
        };
        let mut invoice_ids = Vec::new();
        for allocation in &payment.allocations {
            // A dry run plans the payment of an invoice it would create or link as the real
            // run writes it: after the invoice's link.
            let linked = match allocation.invoice.servicetitan_id() {
                Some(invoice) => match self.link(EntityKind::Invoice, invoice).await? {
                    Some(link) => Some(link.target_id),
                    None => self.planned_invoice(invoice),
                },
                None => None,
            };
            let Some(target_id) = linked else {
                return Ok(Err(
                    self.unbooked_invoice_reason(rec.id, &allocation.invoice)
                ));
            };
            invoice_ids.push((allocation.invoice.clone(), target_id));
        }
        let mappings = self.mappings.as_ref().expect("loaded before the feeds");
        let refs = match mappings.payment(payment) {
            Ok(refs) => refs,
            Err(unmapped) => return Ok(Err(blocked_reason(&unmapped))),
        };
        if self
            .closed_through()
            .await?
            .is_some_and(|c| payment.date <= c)
        {
            return Ok(Err(self.period_reason(payment.date)));
        }
        Ok(Ok(PaymentInputs {
            customer_id,
            invoice_ids,
            refs,
        }))
    }
}
