//! `ledgerbridge blocked retry ID|--all [--apply]`: marks waiting records to be planned again
//! by the next run. Level-triggered: it writes nothing to any remote and decides nothing; it
//! only forgets what the ledger remembers of the record's ServiceTitan state (its version and
//! syncStatus), so the next run reads the record from ServiceTitan again before planning it,
//! exactly as it plans a record it never saw. Parked records are planned again by every run in
//! any case; the mark makes that run start from ServiceTitan's current record.
//!
//! The quarantine (a remote must send the record again) and writes given up (a dead outbox
//! operation is final) cannot be marked: they are listed as such and left alone.
//! `--apply` then runs `sync` for each tenant it marked records of, through the sync
//! command's own code path.

use std::collections::BTreeSet;

use clap::Args;
use ledgerbridge_core::{EntityKind, Invoice, Payment};
use ledgerbridge_ledger::Ledger;
use ledgerbridge_reconcile::parked::{self, Parked};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::blocked::{Row, list};
use super::blocked_kind::ReasonKind;
use crate::args::{GlobalArgs, OutputFormat, SyncArgs};
use crate::context::Context;
use crate::exit::{Exit, UsageError};

#[derive(Debug, Args)]
pub(crate) struct RetryArgs {
    /// The record's id, as `blocked` lists it (`TENANT:ENTITY:ST_ID`, ...).
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub(crate) id: Option<String>,
    /// Every waiting record (of `--tenant` only, when given).
    #[arg(long)]
    pub(crate) all: bool,
    /// Only this ServiceTitan tenant (with `--all`).
    #[arg(long)]
    pub(crate) tenant: Option<String>,
    /// Then run `sync` for the tenants marked, at once.
    #[arg(long)]
    pub(crate) apply: bool,
}

/// Forgets the ServiceTitan state of `ids` among the parked records of `entity`, so the next
/// run reads them again. Returns how many were marked.
async fn mark<R: Serialize + DeserializeOwned>(
    ledger: &Ledger,
    tenant: &str,
    entity: EntityKind,
    ids: &BTreeSet<i64>,
) -> anyhow::Result<usize> {
    let mut waiting: Parked<R> = parked::load(ledger, tenant, entity).await?;
    let mut marked = 0;
    for (id, p) in &mut waiting {
        if ids.contains(id) {
            p.remote_status = None;
            marked += 1;
        }
    }
    if marked > 0 {
        let tenant = tenant.to_owned();
        ledger
            .transaction(async |tx| parked::save(tx, &tenant, entity, &waiting, None).await)
            .await?;
    }
    Ok(marked)
}

/// Whether a row can be marked, and if not, why.
fn unmarkable(row: &Row) -> Option<&'static str> {
    match row.reason_kind {
        ReasonKind::Quarantined => Some("quarantined: the remote must send it again"),
        ReasonKind::GivenUp => Some("a write given up is final: see `ledgerbridge audit`"),
        _ => None,
    }
}

pub(crate) async fn run(global: &GlobalArgs, args: RetryArgs) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    let result = retry(&ledger, &args).await;
    ledger.close().await;
    let tenants = result?;
    if !args.apply || tenants.is_empty() {
        if !tenants.is_empty() {
            println!("the next `ledgerbridge sync` plans them again (or add --apply)");
        }
        return Ok(Exit::Ok);
    }
    let mut exit = Exit::Ok;
    for tenant in tenants {
        let sync = SyncArgs {
            tenant: Some(tenant),
            target: None,
            dry_run: false,
            since: None,
            format: OutputFormat::Table,
            no_alerts: false,
        };
        let done = super::sync::run(global, sync).await?;
        if exit == Exit::Ok {
            exit = done;
        }
    }
    Ok(exit)
}

/// Marks the chosen rows; returns the tenants with records marked.
async fn retry(ledger: &Ledger, args: &RetryArgs) -> anyhow::Result<BTreeSet<String>> {
    let mut rows = list(ledger, args.tenant.as_deref()).await?;
    if let Some(id) = &args.id {
        rows.retain(|r| r.id == *id);
        if rows.is_empty() {
            return Err(UsageError(format!(
                "no waiting record {id:?} (`ledgerbridge blocked` lists their ids)"
            ))
            .into());
        }
    }
    let mut tenants = BTreeSet::new();
    let mut by_tenant: std::collections::BTreeMap<(String, EntityKind), BTreeSet<i64>> =
        Default::default();
    for row in &rows {
        if let Some(why) = unmarkable(row) {
            println!("{}: not marked ({why})", row.id);
            continue;
        }
        tenants.insert(row.tenant.clone());
        // Customers and payments recorded in the books are read again by every run anyway.
        let st_id = row.servicetitan_id.as_deref().and_then(|i| i.parse().ok());
        if let (EntityKind::Invoice | EntityKind::Payment, Some(id)) = (row.entity, st_id) {
            by_tenant
                .entry((row.tenant.clone(), row.entity))
                .or_default()
                .insert(id);
        }
    }
    let mut marked = 0;
    for ((tenant, entity), ids) in &by_tenant {
        marked += match entity {
            EntityKind::Invoice => mark::<Invoice>(ledger, tenant, *entity, ids).await?,
            _ => mark::<Payment>(ledger, tenant, *entity, ids).await?,
        };
    }
    let planned = rows.iter().filter(|r| unmarkable(r).is_none()).count();
    println!(
        "{planned} record(s) will be planned again by the next run of their tenant \
         ({marked} read again from ServiceTitan first)"
    );
    tracing::info!(
        records = planned,
        read_again = marked,
        "blocked records marked for retry"
    );
    Ok(tenants)
}
