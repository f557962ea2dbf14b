//! The sync run of one tenant: recover, pull, plan, apply, verify, report.
//!
//! The order inside a tenant is fixed: unfinished requests of an earlier run are resolved
//! first (replay, then look-up), then the customer, invoice and payment feeds are read in
//! that order (an invoice needs its customer linked, a payment its invoices). For each feed
//! the parked records of earlier runs are retried first, then the feed is read page by page
//! from its durable cursor; each page is planned, applied through the outbox and verified,
//! and only then is the cursor moved, in one ledger transaction with the records the page
//! left parked. A crash re-reads at most one page, and the page's records already written are
//! recognised (linked, same base snapshot) instead of written again.

mod apply;
mod books_edits;
mod customers;
mod dry;
mod export;
mod feed;
mod freeze;
mod inbound;
mod invoices;
mod invoices_plan;
mod payments;
mod payments_plan;
mod period;
mod recover;
mod resolutions;
mod servicetitan_edits;
mod settle;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_connector::{ExportMark, SourceRecord};
use ledgerbridge_core::{Customer, EntityKind, Invoice, Payment, System};
use ledgerbridge_ledger::{Ledger, Link, NewEvent, RecordKey, RunId, Snapshot};
use serde::de::DeserializeOwned;

use crate::error::SyncError;
use crate::mapping::MappingSet;
use crate::parked::{self, Parked, ParkedRecord};
use crate::report::{Outcome, TargetReport};
use crate::settings::{SyncSettings, TenantSpec};
use ledgerbridge_protocol::{RemoteCustomer, RemoteInvoice, Source, Target};

/// Told how far a run got, for progress bars (the CLI hides them when not on a terminal).
pub trait Progress: Send + Sync {
    /// `n` more records of `entity` of `tenant` were handled.
    fn records(&self, tenant: &str, entity: EntityKind, n: usize);
}

/// No progress display.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn records(&self, _: &str, _: EntityKind, _: usize) {}
}

/// Everything one tenant's sync uses; capabilities are passed in.
pub struct SyncContext<'a, S, T> {
    /// The ledger.
    pub ledger: &'a Ledger,
    /// The run (from [`crate::SyncRun::id`]).
    pub run: RunId,
    /// The tenant's ServiceTitan connector (the field-service source).
    pub servicetitan: &'a S,
    /// The tenant's accounting target.
    pub target: &'a T,
    /// Which tenant and company.
    pub tenant: &'a TenantSpec,
    /// How to sync.
    pub settings: &'a SyncSettings,
    /// Progress display.
    pub progress: &'a dyn Progress,
}

/// What one tenant's sync did, and why it stopped early if it did.
#[derive(Debug)]
pub struct TenantRun {
    /// Its counts and blocked records.
    pub report: TargetReport,
    /// What stopped it (reconnect needed, a remote down, the ledger).
    pub error: Option<SyncError>,
}

/// Syncs one tenant; never panics on a remote failure: the report says what was done and the
/// error what stopped it.
pub async fn sync_tenant<S: Source, T: Target>(cx: SyncContext<'_, S, T>) -> TenantRun {
    let mut engine = Engine::new(cx);
    let error = engine.run().await.err();
    if let Some(e) = &error {
        tracing::warn!(tenant = %engine.cx.tenant.tenant, error = %e, "tenant sync stopped");
        engine.report.stopped = Some(e.to_string());
    }
    TenantRun {
        report: engine.report,
        error,
    }
}

pub(crate) struct Engine<'a, S, T> {
    pub(crate) cx: SyncContext<'a, S, T>,
    pub(crate) report: TargetReport,
    pub(crate) mappings: Option<MappingSet>,
    pub(crate) remote_customers: Option<Vec<RemoteCustomer>>,
    pub(crate) invoice_index: Option<HashMap<String, Vec<RemoteInvoice>>>,
    /// Display names taken in the books (lower-case), including those created this run.
    pub(crate) taken_names: HashSet<String>,
    /// Dry run: customers that would be linked or created.
    pub(crate) planned: HashSet<i64>,
    /// Dry run: customers that would be linked to an existing accounting customer.
    pub(crate) planned_links: HashMap<i64, String>,
    /// Dry run: what it would have written that its later decisions must see.
    pub(crate) dry_plan: dry::DryPlan,
    pub(crate) closed_through: Option<Option<NaiveDate>>,
    pub(crate) parked_customers: Parked<Customer>,
    pub(crate) parked_invoices: Parked<Invoice>,
    pub(crate) parked_payments: Parked<Payment>,
    /// The reason and since of each record parked before this run, so a record parked again
    /// for the same reason keeps when it was first parked.
    pub(crate) parked_since: HashMap<(EntityKind, i64), (String, DateTime<Utc>)>,
    pub(crate) marks: Vec<ExportMark>,
    pub(crate) payment_marks: Vec<i64>,
    /// How each ServiceTitan record read this run looked (version, export id, syncStatus),
    /// so a record rebuilt from a write ([`Engine::source_of`]) and parked keeps what the
    /// eligibility rules read next run.
    pub(crate) seen: HashMap<(EntityKind, i64), Seen>,
    /// Records handled earlier in this run: one coming back unchanged is our own echo (the
    /// export mark touched it) and is not counted twice.
    pub(crate) handled: HashSet<(EntityKind, i64)>,
    /// Invoices with an open conflict counted this run (counted once, written never).
    pub(crate) conflicted: HashSet<i64>,
}

/// What a run saw of one ServiceTitan record.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) modified_on: DateTime<Utc>,
    pub(crate) export_id: Option<String>,
    pub(crate) remote_status: Option<String>,
}

/// What the feed loop needs of each entity's handling.
pub(crate) trait Handle<R> {
    fn handle(
        &mut self,
        records: Vec<SourceRecord<R>>,
    ) -> impl Future<Output = Result<(), SyncError>> + Send;
    fn parked_mut(&mut self) -> &mut Parked<R>;
    /// ServiceTitan's current records of `ids` (those it still has). Used for parked records
    /// whose syncStatus was never read: their retry is planned from what ServiceTitan holds.
    fn refresh(
        &mut self,
        ids: Vec<i64>,
    ) -> impl Future<Output = Result<Vec<SourceRecord<R>>, SyncError>> + Send;
}

impl<'a, S: Source, T: Target> Engine<'a, S, T> {
    fn new(cx: SyncContext<'a, S, T>) -> Self {
        let mut report = TargetReport::new(&cx.tenant.tenant, cx.tenant.target.as_str());
        if cx.settings.dry_run {
            report.planning();
        }
        Self {
            cx,
            report,
            mappings: None,
            remote_customers: None,
            invoice_index: None,
            taken_names: HashSet::new(),
            planned: HashSet::new(),
            planned_links: HashMap::new(),
            dry_plan: dry::DryPlan::default(),
            closed_through: None,
            parked_customers: Parked::new(),
            parked_invoices: Parked::new(),
            parked_payments: Parked::new(),
            parked_since: HashMap::new(),
            marks: Vec::new(),
            payment_marks: Vec::new(),
            seen: HashMap::new(),
            handled: HashSet::new(),
            conflicted: HashSet::new(),
        }
    }

    pub(crate) fn dry(&self) -> bool {
        self.cx.settings.dry_run
    }

    pub(crate) fn tenant(&self) -> &str {
        &self.cx.tenant.tenant
    }

    pub(crate) fn system(&self) -> System {
        self.cx.tenant.target
    }

    async fn run(&mut self) -> Result<(), SyncError> {
        let tenant = self.cx.tenant;
        if tenant.target != self.cx.target.system() || tenant.company != self.cx.target.company() {
            return Err(SyncError::Config(format!(
                "tenant {} is configured for {} {} but the connector is for {} {}",
                tenant.tenant,
                tenant.target,
                tenant.company,
                self.cx.target.system(),
                self.cx.target.company()
            )));
        }
        let ledger = self.cx.ledger;
        self.parked_customers = parked::load(ledger, &tenant.tenant, EntityKind::Customer).await?;
        self.parked_invoices = parked::load(ledger, &tenant.tenant, EntityKind::Invoice).await?;
        self.parked_payments = parked::load(ledger, &tenant.tenant, EntityKind::Payment).await?;
        let mut since = HashMap::new();
        parked::remember_since(&mut since, EntityKind::Customer, &self.parked_customers);
        parked::remember_since(&mut since, EntityKind::Invoice, &self.parked_invoices);
        parked::remember_since(&mut since, EntityKind::Payment, &self.parked_payments);
        self.parked_since = since;
        let rows = ledger.mappings().list(Some(&tenant.tenant)).await?;
        let zones = self.tax_zone_index().await?;
        self.mappings = Some(MappingSet::new(
            tenant.target,
            &rows,
            self.cx.settings.defaults.clone(),
            zones,
        ));
        if !self.dry() {
            self.recover_unfinished().await?;
            self.recover_servicetitan_payments().await?;
            self.recover_servicetitan_edits().await?;
        }
        self.mark_unmarked().await?;
        self.apply_resolutions().await?;
        let scope = self.cx.settings.scope;
        if scope.books {
            self.run_books_invoices().await?;
        }
        if scope.servicetitan {
            let st = self.cx.servicetitan;
            self.run_feed(EntityKind::Customer, |from| st.customer_changes(from))
                .await?;
            self.run_feed(EntityKind::Invoice, |from| st.invoice_changes(from))
                .await?;
            self.run_feed(EntityKind::Payment, |from| st.payment_changes(from))
                .await?;
        }
        if scope.books {
            self.pull_books_payments().await?;
        }
        self.count_open_conflicts().await?;
        Ok(())
    }

    /// ServiceTitan tax rate id (`st:N`) -> its zone's name.
    async fn tax_zone_index(&self) -> Result<HashMap<String, String>, SyncError> {
        crate::unmapped::tax_zone_index(self.cx.servicetitan)
            .await
            .map_err(|e| SyncError::remote("servicetitan", e))
    }

    /// Counts a record with nothing to do, unless it is this run's own echo.
    pub(crate) fn unchanged(&mut self, entity: EntityKind, id: i64) {
        if !self.handled.contains(&(entity, id)) {
            self.report.record(entity, Outcome::Unchanged);
            self.plan_note(entity, id, crate::plan::PlanAction::Unchanged, None);
        }
    }

    pub(crate) fn key(&self, entity: EntityKind, id: i64) -> RecordKey {
        RecordKey::new(
            self.tenant(),
            entity,
            id.to_string(),
            self.system(),
            &self.cx.tenant.company,
        )
    }

    pub(crate) async fn link(
        &self,
        entity: EntityKind,
        id: i64,
    ) -> Result<Option<Link>, SyncError> {
        Ok(self.cx.ledger.links().get(&self.key(entity, id)).await?)
    }

    /// The stored base of a linked record, decoded.
    pub(crate) async fn base<R: DeserializeOwned>(
        &self,
        entity: EntityKind,
        id: i64,
    ) -> Result<Option<(Snapshot, R)>, SyncError> {
        let Some(snapshot) = self
            .cx
            .ledger
            .snapshots()
            .get(&self.key(entity, id))
            .await?
        else {
            return Ok(None);
        };
        Ok(serde_json::from_value(snapshot.base.clone())
            .ok()
            .map(|r| (snapshot, r)))
    }

    /// Appends an audit event (ids and field names only); nothing in a dry run.
    pub(crate) async fn event(
        &self,
        kind: &str,
        record: Option<(EntityKind, i64)>,
        detail: serde_json::Value,
    ) -> Result<(), SyncError> {
        if self.dry() {
            return Ok(());
        }
        let mut event = NewEvent::new(kind)
            .run(self.cx.run)
            .tenant(self.tenant())
            .detail(detail);
        if let Some((entity, id)) = record {
            event = event.record(entity, &id.to_string());
        }
        self.cx.ledger.events().append(&event).await?;
        Ok(())
    }

    /// Blocks a record and parks it for the next run.
    pub(crate) fn park<R: Clone>(
        &mut self,
        entity: EntityKind,
        source: &SourceRecord<R>,
        reason: String,
    ) where
        Self: Handle<R>,
    {
        self.report
            .block(entity, source.id, Outcome::Blocked, reason.clone());
        let mut parked = ParkedRecord::of(source, &reason);
        parked.since = Some(match self.parked_since.get(&(entity, source.id)) {
            Some((before, since)) if *before == reason => *since,
            _ => self.cx.ledger.now(),
        });
        self.parked_mut().insert(source.id, parked);
    }

    /// Remembers how ServiceTitan's record looked when this run read it.
    pub(crate) fn saw<R>(&mut self, entity: EntityKind, rec: &SourceRecord<R>) {
        let seen = Seen {
            modified_on: rec.modified_on,
            export_id: rec.export_id.clone(),
            remote_status: rec.remote_status.clone(),
        };
        self.seen.insert((entity, rec.id), seen);
    }

    /// A source record rebuilt from a write. A record this run did not read (recovery
    /// settles writes of earlier runs) has no version and no syncStatus: when parked, it is
    /// read again from ServiceTitan before its retry (see `feed`), never judged on the
    /// missing status.
    pub(crate) fn source_of<R>(&self, entity: EntityKind, id: i64, record: R) -> SourceRecord<R> {
        let seen = self.seen.get(&(entity, id));
        SourceRecord {
            id,
            modified_on: seen.map_or(DateTime::<Utc>::UNIX_EPOCH, |s| s.modified_on),
            export_id: seen.and_then(|s| s.export_id.clone()),
            remote_status: seen.and_then(|s| s.remote_status.clone()),
            record,
        }
    }
}

impl<S: Source, T: Target> Handle<Customer> for Engine<'_, S, T> {
    fn handle(
        &mut self,
        records: Vec<SourceRecord<Customer>>,
    ) -> impl Future<Output = Result<(), SyncError>> + Send {
        self.handle_customers(records)
    }
    fn parked_mut(&mut self) -> &mut Parked<Customer> {
        &mut self.parked_customers
    }
    async fn refresh(&mut self, _ids: Vec<i64>) -> Result<Vec<SourceRecord<Customer>>, SyncError> {
        // Never asked (the feed refreshes only records planned on their syncStatus).
        Ok(Vec::new())
    }
}

impl<S: Source, T: Target> Handle<Invoice> for Engine<'_, S, T> {
    fn handle(
        &mut self,
        records: Vec<SourceRecord<Invoice>>,
    ) -> impl Future<Output = Result<(), SyncError>> + Send {
        self.handle_invoices(records)
    }
    fn parked_mut(&mut self) -> &mut Parked<Invoice> {
        &mut self.parked_invoices
    }
    async fn refresh(&mut self, ids: Vec<i64>) -> Result<Vec<SourceRecord<Invoice>>, SyncError> {
        self.cx
            .servicetitan
            .invoices_by_id(&ids)
            .await
            .map_err(|e| SyncError::remote("servicetitan", e))
    }
}

impl<S: Source, T: Target> Handle<Payment> for Engine<'_, S, T> {
    fn handle(
        &mut self,
        records: Vec<SourceRecord<Payment>>,
    ) -> impl Future<Output = Result<(), SyncError>> + Send {
        self.handle_payments(records)
    }
    fn parked_mut(&mut self) -> &mut Parked<Payment> {
        &mut self.parked_payments
    }
    async fn refresh(&mut self, ids: Vec<i64>) -> Result<Vec<SourceRecord<Payment>>, SyncError> {
        self.cx
            .servicetitan
            .payments_by_id(&ids)
            .await
            .map_err(|e| SyncError::remote("servicetitan", e))
    }
}
