//! Pulling from the books: payments recorded in QuickBooks or Xero against linked invoices
//! become ServiceTitan payments, exactly once, and never echo.
//!
//! The phase runs after the ServiceTitan feeds (so the payments this run wrote to the books
//! are already linked and come back as no-ops). It reads the payments changed since the
//! durable cursor of the tenant's company (plus the payments parked by earlier runs), and
//! decides per payment:
//!
//! | the books payment                                   | what happens                      |
//! |-----------------------------------------------------|-----------------------------------|
//! | linked by its id (our write, or already brought back) | nothing                         |
//! | linked, and voided/deleted in the books             | reported (ServiceTitan's API cannot void a payment); the base is marked voided, so nothing loops |
//! | unlinked, every allocation to a linked invoice, method mapped | created in ServiceTitan through the outbox, then linked |
//! | an allocation to an unlinked invoice, an unapplied amount, no allocation | blocked and parked, whole |
//! | method unmapped                                     | blocked ("unmapped accounting payment method X") and parked |
//! | applies more than a ServiceTitan invoice has open   | blocked and parked (it may already be recorded there) |
//!
//! The cursor moves, with the parked payments, in one ledger transaction after the page's
//! work is durable. A payment is never brought over in part: ServiceTitan would show it
//! short, and the rest could never join the same payment later.

mod checks;
mod create;
mod own_payments;
mod recovery;

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use ledgerbridge_core::{EntityKind, PaymentStatus, System};
use ledgerbridge_ledger::{NewQuarantine, OperationFilter, OperationState, Side};
use rust_decimal::Decimal;
use serde_json::json;

use super::Engine;
use crate::books_payments::{self, ParkedBooks, ParkedBooksPayment, export_id};
use crate::error::SyncError;
use crate::plan::{PlanAction, PlanEntry, PlannedWrite};
use crate::report::Outcome;
use ledgerbridge_protocol::{BooksPayment, BooksQuarantined};
use ledgerbridge_protocol::{Source, Target};

pub(crate) use create::StPaymentWrite;

const PAYMENT: EntityKind = EntityKind::Payment;

/// What to do with one payment of the books.
enum Plan {
    /// Nothing (linked, voided before it was ever brought over).
    Nothing,
    /// Not eligible (before the start date, not a positive amount).
    Skip(&'static str),
    /// Blocked until someone acts: reported and parked.
    Park(String),
    /// Reported once, not retried (a void ServiceTitan cannot take): the reason and the
    /// linked ServiceTitan payment.
    Warn(String, i64),
    /// Create it in ServiceTitan.
    Create(Box<StPaymentWrite>),
}

/// What one pull learns once and uses for every payment.
#[derive(Default)]
pub(crate) struct PullState {
    /// ServiceTitan payment types: lower-case name -> id, and the ids.
    types: Option<(HashMap<String, i64>, HashSet<i64>)>,
    /// Accounting payments whose ServiceTitan create has an unknown outcome.
    unresolved: HashSet<String>,
}

impl<S: Source, T: Target> Engine<'_, S, T> {
    /// The "pull from the books" phase (see the module docs).
    pub(crate) async fn pull_books_payments(&mut self) -> Result<(), SyncError> {
        let (tenant, system) = (self.tenant().to_owned(), self.system());
        let company = self.cx.tenant.company.clone();
        let ledger = self.cx.ledger;
        let key = books_payments::cursor_key(&tenant, system, &company);
        let stored = if self.cx.settings.scope.from_start {
            None
        } else {
            ledger.cursors().get(&key).await?
        };
        let stored = stored
            .and_then(|c| DateTime::parse_from_rfc3339(&c.value).ok())
            .map(|d| d.with_timezone(&Utc));
        let parked = books_payments::load_parked(ledger, &tenant, system, &company).await?;
        let changes = self
            .cx
            .target
            .payment_changes(stored)
            .await
            .map_err(|e| SyncError::remote(system.as_str(), e))?;
        self.quarantine_books(&changes.quarantined).await?;
        let mut queue: BTreeMap<String, BooksPayment> =
            parked.into_iter().map(|(id, p)| (id, p.payment)).collect();
        let fresh = changes.payments.len();
        for p in changes.payments {
            queue.insert(p.id.clone(), p);
        }
        let mut state = PullState {
            unresolved: self.unresolved_books_payments().await?,
            ..PullState::default()
        };
        let mut still = ParkedBooks::new();
        for (id, p) in queue {
            match self.plan_books_payment(&p, &mut state).await? {
                Plan::Nothing => {}
                Plan::Skip(why) => {
                    self.report.record(PAYMENT, Outcome::Skipped);
                    let named = export_id(self.system(), &p.id);
                    self.plan_note(PAYMENT, named, PlanAction::Skipped, Some(why.to_owned()));
                    let detail = json!({"target_id": p.id, "reason": why});
                    self.event("sync.skipped", None, detail).await?;
                }
                Plan::Park(reason) => {
                    self.block_books(&p, None, Outcome::Blocked, &reason);
                    let parked = ParkedBooksPayment { reason, payment: p };
                    still.insert(id, parked);
                }
                Plan::Warn(reason, st) => {
                    self.report.warnings.push(reason.clone());
                    self.block_books(&p, Some(st), Outcome::Blocked, &reason);
                }
                Plan::Create(_) if self.dry() => {
                    self.report.record(PAYMENT, Outcome::Created);
                    let named = export_id(self.system(), &p.id);
                    let write = PlannedWrite::new(System::ServiceTitan.as_str(), "create_payment");
                    let entry = PlanEntry::new(PAYMENT, named, PlanAction::Create).write(write);
                    self.report.plan_entry(entry);
                }
                Plan::Create(write) => {
                    if let Some(reason) = self.create_in_servicetitan(*write).await? {
                        let parked = ParkedBooksPayment { reason, payment: p };
                        still.insert(id, parked);
                    }
                }
            }
        }
        self.cx.progress.records(&tenant, PAYMENT, fresh);
        self.flush_marks().await?;
        if !self.dry() {
            let run = self.cx.run;
            let cursor = changes.cursor.map(|c| c.to_rfc3339());
            ledger
                .transaction(async |tx| {
                    if let Some(c) = &cursor {
                        tx.advance_cursor(&key, c, Some(run)).await?;
                    }
                    books_payments::save_parked(tx, (&tenant, system, &company), &still, Some(run))
                        .await
                })
                .await?;
        }
        Ok(())
    }

    async fn plan_books_payment(
        &mut self,
        p: &BooksPayment,
        state: &mut PullState,
    ) -> Result<Plan, SyncError> {
        let (system, company) = (self.system(), self.cx.tenant.company.clone());
        let voided = p.payment.status == PaymentStatus::Voided;
        let mut links = self.cx.ledger.links();
        if let Some(link) = links
            .find_by_target(PAYMENT, system, &company, &p.id)
            .await?
        {
            let st = link.key.servicetitan_id.parse::<i64>().unwrap_or_default();
            return if voided {
                self.voided_in_books(p, st).await
            } else {
                Ok(Plan::Nothing)
            };
        }
        if self.is_part_of_linked_payment(&p.id).await? {
            // One ServiceTitan payment written as several Xero payments: the others are
            // the link's lines. A void of one of them is the ServiceTitan side's business.
            return Ok(Plan::Nothing);
        }
        if self.adopt_own_payment(p).await? {
            // The bridge wrote it for a ServiceTitan payment (a crash lost only the link).
            return Ok(Plan::Nothing);
        }
        if state.unresolved.contains(&p.id) {
            return Ok(Plan::Park(
                "its ServiceTitan payment was sent but the outcome is unknown; the next run \
                 looks it up before anything else"
                    .to_owned(),
            ));
        }
        if voided {
            return Ok(Plan::Nothing);
        }
        let payment = &p.payment;
        if payment.amount.amount() <= Decimal::ZERO {
            return Ok(Plan::Skip(
                "not a positive amount (refunds stay in the books)",
            ));
        }
        if self
            .cx
            .settings
            .effective_start()
            .is_some_and(|start| payment.date < start)
        {
            return Ok(Plan::Skip("received before the start date"));
        }
        let splits = match self.splits(p).await? {
            Ok(s) => s,
            Err(reason) => return Ok(Plan::Park(reason)),
        };
        let mappings = self.mappings.as_ref().expect("loaded before the phases");
        let mapped = match mappings.payment_type_reverse(&p.method) {
            Ok(m) => m,
            Err(u) => return Ok(Plan::Park(crate::mapping::blocked_reason(&[u]))),
        };
        let Some(type_id) = self.payment_type_id(state, &mapped).await? else {
            return Ok(Plan::Park(format!(
                "accounting payment method {:?} is mapped to ServiceTitan payment type {mapped:?}, \
                 which ServiceTitan does not have (fix it with `ledgerbridge mappings set`)",
                p.method
            )));
        };
        if let Some(reason) = self.servicetitan_refusal(&splits).await? {
            return Ok(Plan::Park(reason));
        }
        let export_id = export_id(system, &p.id);
        Ok(Plan::Create(Box::new(StPaymentWrite {
            memo: books_payments::memo_for(system, &export_id),
            export_id,
            type_id,
            splits,
            books: p.clone(),
        })))
    }

    /// Whether `id` is one of the extra remote payments of a linked ServiceTitan payment.
    async fn is_part_of_linked_payment(&self, id: &str) -> Result<bool, SyncError> {
        Ok(self
            .cx
            .ledger
            .links()
            .find_by_target_line(PAYMENT, self.system(), &self.cx.tenant.company, id)
            .await?
            .is_some())
    }

    /// Accounting payments whose ServiceTitan create is still `sent` (outcome unknown).
    async fn unresolved_books_payments(&self) -> Result<HashSet<String>, SyncError> {
        let filter = OperationFilter {
            state: Some(OperationState::Sent),
            tenant: Some(self.tenant().to_owned()),
            run: None,
            limit: Some(10_000),
        };
        let open = self.cx.ledger.outbox().list(&filter).await?;
        Ok(open
            .into_iter()
            .filter(|o| o.side == Side::ServiceTitan && o.entity == PAYMENT)
            .filter(|o| o.target_company == self.cx.tenant.company)
            .filter_map(|o| o.target_id)
            .collect())
    }

    /// Reports a payment of the books that was not brought over. Its `servicetitan_id` is
    /// the ServiceTitan payment when linked, else the books id (`qbo:88`, `xero:…`).
    pub(crate) fn block_books(
        &mut self,
        p: &BooksPayment,
        st: Option<i64>,
        outcome: Outcome,
        reason: &str,
    ) {
        let named = st.map_or_else(|| export_id(self.system(), &p.id), |s| s.to_string());
        self.report
            .block_as(PAYMENT, named, outcome, reason.to_owned());
    }

    /// Stores unreadable payments of the books in the quarantine and reports them.
    async fn quarantine_books(
        &mut self,
        quarantined: &[BooksQuarantined],
    ) -> Result<(), SyncError> {
        let system = self.system();
        for q in quarantined {
            if !self.dry() {
                let entry = NewQuarantine {
                    run: Some(self.cx.run),
                    tenant: self.tenant().to_owned(),
                    system,
                    entity: PAYMENT,
                    remote_id: q.id.clone(),
                    reason: q.reason.clone(),
                    raw: q.raw.as_bytes().to_vec(),
                };
                self.cx.ledger.quarantine().add(&entry).await?;
            }
            let named = export_id(system, q.id.as_deref().unwrap_or("?"));
            let reason =
                format!("malformed {system} payment, quarantined (see the quarantine list)");
            self.report
                .block_as(PAYMENT, named, Outcome::Blocked, reason);
        }
        Ok(())
    }
}
