//! `ledgerbridge blocked`: the work queue. Every record waiting for a person, read from the
//! ledger alone (no remote is called): the records the engine parked (blocked until a mapping,
//! a review, an open period... lets them through; retried every run), the payments recorded in
//! the books that wait to be brought over, the open quarantine (unreadable payloads) and the
//! writes the outbox gave up. The parked sets are rewritten by each run that reads their feed,
//! so this is the state as of the latest run per tenant.
//!
//! `number` is an invoice's number; `customer` is the customer's name when the ledger holds
//! it (a parked customer, or the base snapshot of a synced one). Both are null otherwise.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use clap::Args;
use ledgerbridge_core::{Customer, EntityKind, Invoice, Payment, SourceRef, System};
use ledgerbridge_ledger::{Ledger, OperationFilter, OperationState, QuarantineEntry, RecordKey};
use ledgerbridge_reconcile::{books_payments, parked};
use serde::Serialize;

use super::blocked_kind::{ReasonKind, classify};
use crate::args::GlobalArgs;
use crate::context::Context;
use crate::exit::Exit;
use crate::output::{ListingFormat, print_rows};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct BlockedArgs {
    #[command(subcommand)]
    pub(crate) action: Option<BlockedAction>,
    /// Only this ServiceTitan tenant.
    #[arg(long)]
    pub(crate) tenant: Option<String>,
    /// Only records waiting for this kind of reason.
    #[arg(long, value_enum, value_name = "KIND")]
    pub(crate) reason: Option<ReasonKind>,
    /// Table for people, JSON or CSV for scripts.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: ListingFormat,
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum BlockedAction {
    /// Mark records to be planned again by the next run (`--apply`: run that sync now).
    Retry(super::blocked_retry::RetryArgs),
}

/// One waiting record, as CONTRACTS.md pins its JSON.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Row {
    /// Stable while it waits: `TENANT:ENTITY:ST_ID` (parked), `TENANT:payment:qbo:ID` (a
    /// books payment), `quarantine:N`, `operation:UUID`.
    pub(crate) id: String,
    pub(crate) entity: EntityKind,
    pub(crate) tenant: String,
    pub(crate) target: System,
    pub(crate) servicetitan_id: Option<String>,
    pub(crate) number: Option<String>,
    pub(crate) customer: Option<String>,
    pub(crate) reason_kind: ReasonKind,
    pub(crate) reason: String,
    pub(crate) since: DateTime<Utc>,
}

/// An accounting connection: whose records to read.
struct Scope {
    tenant: String,
    target: System,
    company: String,
}

/// Every waiting record of the tenants in `tenant` (all with `None`), by tenant then id.
pub(crate) async fn list(ledger: &Ledger, tenant: Option<&str>) -> anyhow::Result<Vec<Row>> {
    let mut scopes: Vec<Scope> = ledger
        .connections()
        .list()
        .await?
        .into_iter()
        .filter(|c| c.system.is_accounting() && tenant.is_none_or(|t| t == c.tenant))
        .map(|c| Scope {
            tenant: c.tenant,
            target: c.system,
            company: c.company,
        })
        .collect();
    scopes.sort_by(|a, b| a.tenant.cmp(&b.tenant));
    let mut rows = Vec::new();
    for scope in &scopes {
        parked_rows(ledger, scope, &mut rows).await?;
        books_rows(ledger, scope, &mut rows).await?;
        let quarantined = ledger.quarantine().list(Some(&scope.tenant), false).await?;
        rows.extend(quarantined.iter().map(|q| quarantine_row(scope, q)));
    }
    given_up_rows(ledger, &scopes, &mut rows).await?;
    Ok(rows)
}

/// The customer names the ledger holds: parked customers first, then synced ones' bases.
struct Names<'a> {
    ledger: &'a Ledger,
    scope: &'a Scope,
    parked: &'a parked::Parked<Customer>,
    cache: BTreeMap<i64, Option<String>>,
}

impl Names<'_> {
    async fn of(&mut self, customer: &SourceRef) -> anyhow::Result<Option<String>> {
        let SourceRef::ServiceTitan(id) = customer else {
            return Ok(None);
        };
        if let Some(name) = self.cache.get(id) {
            return Ok(name.clone());
        }
        let name = match self.parked.get(id) {
            Some(p) => Some(p.record.display_name.clone()),
            None => {
                let key = RecordKey::new(
                    &self.scope.tenant,
                    EntityKind::Customer,
                    id.to_string(),
                    self.scope.target,
                    &self.scope.company,
                );
                let snapshot = self.ledger.snapshots().get(&key).await?;
                snapshot.and_then(|s| s.base["display_name"].as_str().map(str::to_owned))
            }
        };
        self.cache.insert(*id, name.clone());
        Ok(name)
    }
}

async fn parked_rows(ledger: &Ledger, scope: &Scope, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let tenant = scope.tenant.as_str();
    let customers = parked::load::<Customer>(ledger, tenant, EntityKind::Customer).await?;
    let invoices = parked::load::<Invoice>(ledger, tenant, EntityKind::Invoice).await?;
    let payments = parked::load::<Payment>(ledger, tenant, EntityKind::Payment).await?;
    let mut names = Names {
        ledger,
        scope,
        parked: &customers,
        cache: BTreeMap::new(),
    };
    let row = |entity: EntityKind, id: i64, reason: &str, since: DateTime<Utc>| Row {
        id: format!("{tenant}:{entity}:{id}"),
        entity,
        tenant: tenant.to_owned(),
        target: scope.target,
        servicetitan_id: Some(id.to_string()),
        number: None,
        customer: None,
        reason_kind: classify(reason, false),
        reason: reason.to_owned(),
        since,
    };
    // Records parked by an older build carry no `since`: the latest save is the best known.
    let saved = |entity| parked::saved_at(ledger, tenant, entity);
    let saved_customers = saved(EntityKind::Customer).await?.unwrap_or_default();
    for (id, p) in &customers {
        let mut r = row(
            EntityKind::Customer,
            *id,
            &p.reason,
            p.since.unwrap_or(saved_customers),
        );
        r.customer = Some(p.record.display_name.clone());
        rows.push(r);
    }
    let saved_invoices = saved(EntityKind::Invoice).await?.unwrap_or_default();
    for (id, p) in &invoices {
        let mut r = row(
            EntityKind::Invoice,
            *id,
            &p.reason,
            p.since.unwrap_or(saved_invoices),
        );
        r.number = Some(p.record.number.clone());
        r.customer = names.of(&p.record.customer).await?;
        rows.push(r);
    }
    let saved_payments = saved(EntityKind::Payment).await?.unwrap_or_default();
    for (id, p) in &payments {
        let mut r = row(
            EntityKind::Payment,
            *id,
            &p.reason,
            p.since.unwrap_or(saved_payments),
        );
        r.customer = names.of(&p.record.customer).await?;
        rows.push(r);
    }
    Ok(())
}

/// Payments recorded in the books waiting to be brought to ServiceTitan. They have no
/// ServiceTitan id yet; `since` is when the latest run saved them.
async fn books_rows(ledger: &Ledger, scope: &Scope, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let (tenant, system, company) = (scope.tenant.as_str(), scope.target, scope.company.as_str());
    let waiting = books_payments::load_parked(ledger, tenant, system, company).await?;
    if waiting.is_empty() {
        return Ok(());
    }
    let since = books_payments::parked_saved_at(ledger, tenant, system, company)
        .await?
        .unwrap_or_default();
    for (id, p) in &waiting {
        rows.push(Row {
            id: format!("{tenant}:payment:{}", books_payments::export_id(system, id)),
            entity: EntityKind::Payment,
            tenant: tenant.to_owned(),
            target: system,
            servicetitan_id: None,
            number: None,
            customer: None,
            reason_kind: classify(&p.reason, true),
            reason: p.reason.clone(),
            since,
        });
    }
    Ok(())
}

fn quarantine_row(scope: &Scope, q: &QuarantineEntry) -> Row {
    let from = if q.system == System::ServiceTitan {
        None
    } else {
        q.remote_id.as_deref()
    };
    Row {
        id: format!("quarantine:{}", q.id.0),
        entity: q.entity,
        tenant: q.tenant.clone(),
        target: scope.target,
        servicetitan_id: (q.system == System::ServiceTitan)
            .then(|| q.remote_id.clone())
            .flatten(),
        number: None,
        customer: None,
        reason_kind: ReasonKind::Quarantined,
        reason: match from {
            Some(id) => format!("unreadable {} record {id}: {}", q.system, q.reason),
            None => format!("unreadable {} record: {}", q.system, q.reason),
        },
        since: q.received_at,
    }
}

/// The writes the outbox gave up on (the `dead` operations) of the listed tenants.
async fn given_up_rows(
    ledger: &Ledger,
    scopes: &[Scope],
    rows: &mut Vec<Row>,
) -> anyhow::Result<()> {
    let dead = ledger
        .outbox()
        .list(&OperationFilter {
            state: Some(OperationState::Dead),
            limit: Some(u32::MAX),
            ..OperationFilter::default()
        })
        .await?;
    for op in dead {
        if !scopes.iter().any(|s| s.tenant == op.tenant) {
            continue;
        }
        rows.push(Row {
            id: format!("operation:{}", op.id),
            entity: op.entity,
            tenant: op.tenant.clone(),
            target: op.target_system,
            servicetitan_id: op.servicetitan_id.clone(),
            number: None,
            customer: None,
            reason_kind: ReasonKind::GivenUp,
            reason: format!(
                "{:?} {} given up after {} attempt(s): {}",
                op.action,
                op.entity,
                op.attempts,
                op.last_error.as_deref().unwrap_or("no error recorded")
            ),
            since: op.updated_at,
        });
    }
    Ok(())
}

fn opt(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

const HEADER: [&str; 7] = [
    "tenant", "record", "number", "customer", "kind", "since", "reason",
];

fn cells(r: &Row) -> Vec<String> {
    let record = match &r.servicetitan_id {
        Some(id) => format!("{} {id}", r.entity),
        None => format!("{} ({})", r.entity, r.id),
    };
    vec![
        format!("{} ({})", r.tenant, r.target),
        record,
        opt(r.number.as_deref()),
        opt(r.customer.as_deref()),
        r.reason_kind.as_str().to_owned(),
        r.since.format("%Y-%m-%d %H:%M").to_string(),
        r.reason.clone(),
    ]
}

const CSV_HEADER: [&str; 10] = [
    "id",
    "entity",
    "tenant",
    "target",
    "servicetitan_id",
    "number",
    "customer",
    "reason_kind",
    "reason",
    "since",
];

fn csv_cells(r: &Row) -> Vec<String> {
    vec![
        r.id.clone(),
        r.entity.to_string(),
        r.tenant.clone(),
        r.target.to_string(),
        opt(r.servicetitan_id.as_deref()),
        opt(r.number.as_deref()),
        opt(r.customer.as_deref()),
        r.reason_kind.as_str().to_owned(),
        r.reason.clone(),
        r.since.to_rfc3339(),
    ]
}

pub(crate) async fn run(global: &GlobalArgs, args: BlockedArgs) -> anyhow::Result<Exit> {
    if let Some(BlockedAction::Retry(retry)) = args.action {
        return super::blocked_retry::run(global, retry).await;
    }
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    let rows = list(&ledger, args.tenant.as_deref()).await;
    ledger.close().await;
    let mut rows = rows?;
    if let Some(kind) = args.reason {
        rows.retain(|r| r.reason_kind == kind);
    }
    print_rows(
        args.format,
        &rows,
        (&HEADER, &cells),
        (&CSV_HEADER, &csv_cells),
    )?;
    Ok(Exit::Ok)
}
