//! `ledgerbridge audit`: the ledger's append-only events, oldest first. Every remote write is
//! one of them (`invoice.created`, `payment.created`, `invoice.exported`, ..., appended by the
//! outbox with the write's outcome), beside the decisions (links, conflicts, mappings).

use chrono::{DateTime, Utc};
use clap::Args;
use ledgerbridge_core::System;
use ledgerbridge_ledger::{Event, EventFilter};
use serde::Serialize;

use crate::args::GlobalArgs;
use crate::context::Context;
use crate::exit::{Exit, UsageError};
use crate::output::{ListingFormat, print_rows};

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// Only this ServiceTitan tenant.
    #[arg(long)]
    pub(crate) tenant: Option<String>,
    /// Only this record: a ServiceTitan id, or `qbo:<id>` / `xero:<id>` for a books record.
    #[arg(long, value_name = "ID")]
    pub(crate) record: Option<String>,
    /// Only events from this day on (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub(crate) since: Option<chrono::NaiveDate>,
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: ListingFormat,
}

/// One event as CONTRACTS.md pins its JSON.
#[derive(Serialize)]
struct Row {
    id: i64,
    at: DateTime<Utc>,
    kind: String,
    tenant: Option<String>,
    entity: Option<String>,
    servicetitan_id: Option<String>,
    target: Option<System>,
    target_id: Option<String>,
    operation_id: Option<String>,
    run_id: Option<i64>,
    detail: serde_json::Value,
}

impl From<Event> for Row {
    fn from(e: Event) -> Self {
        // Events older than the target columns named the books id in their detail only.
        let target_id = e
            .target_id
            .or_else(|| e.detail["target_id"].as_str().map(str::to_owned));
        Self {
            id: e.id.0,
            at: e.at,
            kind: e.kind,
            tenant: e.tenant,
            entity: e.entity.map(|k| k.as_str().to_owned()),
            servicetitan_id: e.record_id,
            target: e.target_system,
            target_id,
            operation_id: e.operation.map(|o| o.to_string()),
            run_id: e.run.map(|r| r.0),
            detail: e.detail,
        }
    }
}

/// `--record`: `qbo:<id>` / `xero:<id>` name a books record, anything else a ServiceTitan id.
fn record_filter(record: &str, filter: &mut EventFilter) -> Result<(), UsageError> {
    let Some((prefix, id)) = record.split_once(':') else {
        filter.record = Some(record.trim().to_owned());
        return Ok(());
    };
    let system = match prefix.trim().to_ascii_lowercase().as_str() {
        "qbo" | "quickbooks" => System::QuickBooks,
        "xero" => System::Xero,
        other => {
            return Err(UsageError(format!(
                "--record {record:?}: {other:?} is not qbo or xero (a ServiceTitan id has no prefix)"
            )));
        }
    };
    if id.trim().is_empty() {
        return Err(UsageError(format!(
            "--record {record:?}: the id is missing"
        )));
    }
    filter.target = Some((system, id.trim().to_owned()));
    Ok(())
}

fn opt(value: Option<&str>) -> String {
    value.unwrap_or_default().to_owned()
}

const HEADER: [&str; 8] = [
    "id",
    "at",
    "kind",
    "tenant",
    "record",
    "target",
    "operation",
    "run",
];

fn cells(r: &Row) -> Vec<String> {
    let record = match (&r.entity, &r.servicetitan_id) {
        (Some(entity), Some(id)) => format!("{entity} {id}"),
        (_, id) => opt(id.as_deref()),
    };
    let target = match (r.target, &r.target_id) {
        (Some(system), Some(id)) => format!("{system}:{id}"),
        (Some(system), None) => system.to_string(),
        (None, id) => opt(id.as_deref()),
    };
    vec![
        r.id.to_string(),
        r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
        r.kind.clone(),
        opt(r.tenant.as_deref()),
        record,
        target,
        opt(r.operation_id.as_deref()),
        r.run_id.map(|r| r.to_string()).unwrap_or_default(),
    ]
}

const CSV_HEADER: [&str; 11] = [
    "id",
    "at",
    "kind",
    "tenant",
    "entity",
    "servicetitan_id",
    "target",
    "target_id",
    "operation_id",
    "run_id",
    "detail",
];

fn csv_cells(r: &Row) -> Vec<String> {
    vec![
        r.id.to_string(),
        r.at.to_rfc3339(),
        r.kind.clone(),
        opt(r.tenant.as_deref()),
        opt(r.entity.as_deref()),
        opt(r.servicetitan_id.as_deref()),
        r.target.map(|s| s.to_string()).unwrap_or_default(),
        opt(r.target_id.as_deref()),
        opt(r.operation_id.as_deref()),
        r.run_id.map(|r| r.to_string()).unwrap_or_default(),
        r.detail.to_string(),
    ]
}

/// Pages through the whole trail (it only grows; no page is read twice).
const PAGE: u32 = 1000;

pub(crate) async fn run(global: &GlobalArgs, args: AuditArgs) -> anyhow::Result<Exit> {
    let mut filter = EventFilter {
        tenant: args.tenant.clone(),
        since: args
            .since
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc()),
        limit: Some(PAGE),
        ..EventFilter::default()
    };
    if let Some(record) = &args.record {
        record_filter(record, &mut filter)?;
    }
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    let mut rows: Vec<Row> = Vec::new();
    loop {
        let page = ledger.events().list(&filter).await?;
        let full = page.len() == PAGE as usize;
        filter.after = page.last().map(|e| e.id).or(filter.after);
        rows.extend(page.into_iter().map(Row::from));
        if !full {
            break;
        }
    }
    ledger.close().await;
    print_rows(
        args.format,
        &rows,
        (&HEADER, &cells),
        (&CSV_HEADER, &csv_cells),
    )?;
    Ok(Exit::Ok)
}
