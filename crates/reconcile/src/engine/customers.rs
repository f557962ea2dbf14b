//! Customers: link, then match (stamp, email/phone, name + address), review or create.
//!
//! Every decision goes to the audit log with its evidence as field names and a confidence,
//! never the values compared. A weak match writes nothing: the customer is parked with the
//! reason and listed by `ledgerbridge links suggested` until a person links it, or rejects
//! it (`links::reject_suggestion`): a rejected pair is left out of matching from then on.

use std::collections::HashSet;

use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::{Customer, EntityKind};
use ledgerbridge_ledger::{NewSnapshot, OperationId};
use serde_json::json;

use super::Engine;
use super::apply::Applied;
use crate::error::SyncError;
use crate::matching::{Decision, decide};
use crate::plan::PlanAction;
use crate::report::Outcome;
use ledgerbridge_protocol::{RejectionKind, Source, Target, Write, WriteOutcome};

const CUSTOMER: EntityKind = EntityKind::Customer;

impl<S: Source, T: Target> Engine<'_, S, T> {
    pub(crate) async fn handle_customers(
        &mut self,
        records: Vec<SourceRecord<Customer>>,
    ) -> Result<(), SyncError> {
        let mut writes = Vec::new();
        for rec in &records {
            if let Some(w) = self.plan_customer(rec).await? {
                writes.push(w);
            }
        }
        if self.dry() {
            self.plan_writes(CUSTOMER, writes).await?;
            return Ok(());
        }
        let mut round = writes;
        // A second round only for names QuickBooks/Xero refused as taken (a vendor or an
        // employee can hold a display name the customer list does not show).
        for _ in 0..2 {
            if round.is_empty() {
                break;
            }
            let mut again = Vec::new();
            for applied in self.apply(round).await? {
                if let Some(retry) = self.settle_customer(applied).await? {
                    again.push(retry);
                }
            }
            round = again;
        }
        for w in round {
            let source = self.write_source(&w);
            self.park(CUSTOMER, &source, "the display name is taken twice".into());
        }
        Ok(())
    }

    fn write_source(&self, w: &Write) -> SourceRecord<Customer> {
        let customer = match w {
            Write::CreateCustomer { customer, .. } | Write::UpdateCustomer { customer, .. } => {
                customer.clone()
            }
            _ => unreachable_customer(),
        };
        self.source_of(CUSTOMER, w.servicetitan_id(), customer)
    }

    /// Loads the target's customers once per run, with the names they take and which are
    /// already linked.
    async fn load_customers(&mut self) -> Result<(), SyncError> {
        if self.remote_customers.is_some() {
            return Ok(());
        }
        let system = self.system().as_str();
        let remote = self
            .cx
            .target
            .customers()
            .await
            .map_err(|e| SyncError::remote(system, e))?;
        for c in &remote {
            self.taken_names
                .insert(c.customer.display_name.trim().to_lowercase());
        }
        self.remote_customers = Some(remote);
        Ok(())
    }

    /// The name to write: ServiceTitan's, or a disambiguated one when another customer has
    /// it (`own` is the linked record's id, whose own name does not count as taken).
    fn name_for(&self, customer: &Customer, id: i64, own: Option<&str>) -> String {
        let plain = customer.display_name.trim().to_owned();
        let lower = plain.to_lowercase();
        let taken_by_other = self.remote_customers.iter().flatten().any(|c| {
            c.customer.display_name.trim().to_lowercase() == lower && Some(c.id.as_str()) != own
        });
        let taken_now = own.is_none() && self.taken_names.contains(&lower);
        if taken_by_other || taken_now {
            self.cx.target.disambiguate(&plain, id)
        } else {
            plain
        }
    }

    async fn plan_customer(
        &mut self,
        rec: &SourceRecord<Customer>,
    ) -> Result<Option<Write>, SyncError> {
        let id = rec.id;
        if let Err(e) = ledgerbridge_core::limits::check_customer(self.system(), &rec.record) {
            self.park(CUSTOMER, rec, super::invoices::too_long_reason(&e));
            return Ok(None);
        }
        if let Some(link) = self.link(CUSTOMER, id).await? {
            self.planned.insert(id);
            return match self.base::<Customer>(CUSTOMER, id).await? {
                Some((_, base)) if base == rec.record => {
                    self.unchanged(CUSTOMER, id);
                    Ok(None)
                }
                Some((snapshot, _)) => {
                    self.load_customers().await?;
                    Ok(Some(Write::UpdateCustomer {
                        servicetitan_id: id,
                        customer: rec.record.clone(),
                        name: self.name_for(&rec.record, id, Some(&link.target_id)),
                        target_id: link.target_id,
                        version: snapshot.target_version,
                    }))
                }
                None => {
                    // Linked by a person (`links set`): adopt ServiceTitan's record as the base.
                    self.save_customer_base(rec, None, None).await?;
                    self.unchanged(CUSTOMER, id);
                    Ok(None)
                }
            };
        }
        if !rec.record.active {
            self.report.record(CUSTOMER, Outcome::Skipped);
            let reason = "inactive in ServiceTitan and never synced".to_owned();
            self.plan_note(CUSTOMER, id, PlanAction::Skipped, Some(reason));
            return Ok(None);
        }
        self.load_customers().await?;
        let linked: HashSet<String> = self
            .cx
            .ledger
            .links()
            .list(self.tenant(), Some(CUSTOMER))
            .await?
            .into_iter()
            .map(|l| l.target_id)
            .collect();
        let remote = self.remote_customers.as_deref().unwrap_or_default();
        // A twin matched earlier in this run is taken too, even before its link is saved (an
        // inactive twin is linked only with its reactivation's answer).
        let reserved: HashSet<&String> = self.planned_links.values().collect();
        let candidates: Vec<_> = remote
            .iter()
            .filter(|c| !linked.contains(&c.id) && !reserved.contains(&c.id))
            .collect();
        let strong = self.cx.settings.strong_match;
        let mut decision = decide(id, &rec.record, &candidates, strong);
        // A pair a person rejected (`customer.match.rejected`) is never proposed or linked
        // again; read only when there is a match to check, which is rare after the first run.
        if let Decision::Link { target_id, .. } | Decision::Review { target_id, .. } = &decision {
            let rejected = crate::links::rejected(self.cx.ledger, self.tenant()).await?;
            let st_id = id.to_string();
            if rejected.contains(&(st_id.clone(), target_id.clone())) {
                let kept: Vec<_> = candidates
                    .iter()
                    .filter(|c| !rejected.contains(&(st_id.clone(), c.id.clone())))
                    .copied()
                    .collect();
                decision = decide(id, &rec.record, &kept, strong);
            }
        }
        match decision {
            Decision::Link {
                target_id,
                confidence,
                evidence,
            } => {
                let found = candidates
                    .iter()
                    .find(|c| c.id == target_id)
                    .cloned()
                    .cloned();
                let version = found.as_ref().and_then(|c| c.version.clone());
                // An inactive accounting twin of an active customer is reactivated, or its new
                // invoices would be refused. The link is then saved with the reactivation's
                // answer, not before: a crash in between leaves the twin unlinked and inactive,
                // so the next run matches it again and plans the reactivation again (a link
                // saved first would leave it inactive for good, its invoices refused).
                let reactivate = found.is_some_and(|c| !c.customer.active) && rec.record.active;
                if !reactivate {
                    self.save_customer_base(rec, Some(&target_id), version.clone())
                        .await?;
                }
                self.event(
                    "customer.matched",
                    Some((CUSTOMER, id)),
                    json!({"target_id": target_id, "confidence": confidence, "evidence": evidence, "reactivate": reactivate}),
                )
                .await?;
                ledgerbridge_core::crash::point("customer.matched");
                self.planned.insert(id);
                self.planned_links.insert(id, target_id.clone());
                self.report.record(CUSTOMER, Outcome::Linked);
                self.plan_note(CUSTOMER, id, PlanAction::Link, None);
                if reactivate {
                    return Ok(Some(Write::UpdateCustomer {
                        servicetitan_id: id,
                        customer: rec.record.clone(),
                        name: self.name_for(&rec.record, id, Some(&target_id)),
                        target_id,
                        version,
                    }));
                }
                Ok(None)
            }
            Decision::Review {
                target_id,
                confidence,
                evidence,
            } => {
                self.event(
                    "customer.match.suggested",
                    Some((CUSTOMER, id)),
                    json!({"target_id": target_id, "confidence": confidence, "evidence": evidence}),
                )
                .await?;
                let reason = format!(
                    "possible match with {} customer {target_id} ({confidence}% confidence): \
                     review it with `ledgerbridge links suggested`",
                    self.system()
                );
                self.park(CUSTOMER, rec, reason);
                Ok(None)
            }
            Decision::Create => {
                let name = self.name_for(&rec.record, id, None);
                self.taken_names.insert(name.to_lowercase());
                self.taken_names
                    .insert(rec.record.display_name.trim().to_lowercase());
                Ok(Some(Write::CreateCustomer {
                    servicetitan_id: id,
                    customer: rec.record.clone(),
                    name,
                }))
            }
        }
    }

    /// Links (when `target_id` is given) and stores ServiceTitan's record as the base.
    async fn save_customer_base(
        &self,
        rec: &SourceRecord<Customer>,
        target_id: Option<&str>,
        version: Option<String>,
    ) -> Result<(), SyncError> {
        if self.dry() {
            return Ok(());
        }
        let key = self.key(CUSTOMER, rec.id);
        let snapshot = NewSnapshot {
            base: serde_json::to_value(&rec.record).unwrap_or_default(),
            servicetitan_version: Some(rec.modified_on.to_rfc3339()),
            target_version: version,
            totals: None,
            target_total: None,
            target_tax: None,
            document_date: None,
            run: Some(self.cx.run),
        };
        self.cx
            .ledger
            .transaction(async |tx| {
                if let Some(target) = target_id {
                    tx.links().insert(&key, target).await?;
                }
                tx.snapshots().save(&key, &snapshot).await
            })
            .await?;
        Ok(())
    }

    /// Records what became of a customer write; returns a write to try again (a taken name,
    /// now disambiguated).
    pub(crate) async fn settle_customer(
        &mut self,
        applied: Applied,
    ) -> Result<Option<Write>, SyncError> {
        let Applied { write, op, outcome } = applied;
        let (id, customer, name, create) = match &write {
            Write::CreateCustomer {
                servicetitan_id,
                customer,
                name,
            } => (*servicetitan_id, customer.clone(), name.clone(), true),
            Write::UpdateCustomer {
                servicetitan_id,
                customer,
                name,
                ..
            } => (*servicetitan_id, customer.clone(), name.clone(), false),
            _ => return Ok(None),
        };
        let source = self.source_of(CUSTOMER, id, customer.clone());
        match outcome {
            WriteOutcome::Saved(saved) => {
                let key = self.key(CUSTOMER, id);
                let snapshot = NewSnapshot {
                    base: serde_json::to_value(&customer).unwrap_or_default(),
                    servicetitan_version: Some(source.modified_on.to_rfc3339()),
                    target_version: saved.version.clone(),
                    totals: None,
                    target_total: None,
                    target_tax: None,
                    document_date: None,
                    run: Some(self.cx.run),
                };
                let target_id = saved.id().to_owned();
                self.cx
                    .ledger
                    .transaction(async |tx| {
                        if let Some(op) = op {
                            tx.outbox().confirm(op, Some(&target_id)).await?;
                        }
                        // A create, or the reactivation of a matched twin (linked only now).
                        if tx.links().get(&key).await?.is_none() {
                            tx.links().insert(&key, &target_id).await?;
                        }
                        tx.snapshots().save(&key, &snapshot).await
                    })
                    .await?;
                // The outbox's confirm above appended the write's audit event
                // (`customer.created` / `customer.updated`); no second one here.
                self.taken_names.insert(name.to_lowercase());
                self.planned.insert(id);
                let outcome = if create {
                    Outcome::Created
                } else {
                    Outcome::Updated
                };
                self.report.record(CUSTOMER, outcome);
                Ok(None)
            }
            WriteOutcome::Rejected(r) => {
                self.give_up(op, &format!("rejected: {:?}", r.kind)).await?;
                let plain = customer.display_name.trim();
                if create && r.kind == RejectionKind::DuplicateName && name == plain {
                    return Ok(Some(Write::CreateCustomer {
                        servicetitan_id: id,
                        name: self.cx.target.disambiguate(plain, id),
                        customer,
                    }));
                }
                let reason = format!("{} refused the customer: {}", self.system(), r.message);
                self.park(CUSTOMER, &source, reason);
                Ok(None)
            }
            other => {
                self.unsettled(CUSTOMER, &source, op, &other).await?;
                Ok(None)
            }
        }
    }

    /// `sent -> failed -> dead` for a refused operation (the reason is a kind, not data).
    pub(crate) async fn give_up(
        &self,
        op: Option<OperationId>,
        why: &str,
    ) -> Result<(), SyncError> {
        if let Some(op) = op {
            let mut outbox = self.cx.ledger.outbox();
            outbox.fail(op, why).await?;
            outbox.give_up(op, why).await?;
        }
        Ok(())
    }
}

fn unreachable_customer() -> Customer {
    // Only customer writes reach `write_source`; an empty customer keeps this total.
    Customer {
        display_name: String::new(),
        company_name: None,
        email: None,
        phone: None,
        billing_address: Default::default(),
        tax_exempt: false,
        currency: None,
        active: false,
    }
}
