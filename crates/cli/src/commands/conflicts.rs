//! `ledgerbridge conflicts list|show|resolve|dismiss`: the conflict queue from a terminal.
//!
//! A conflict is a record both sides changed differently since the last sync, with the fields
//! a policy left for a person (docs/conflicts.md). `list --format json` prints exactly the
//! objects of CONTRACTS.md; `show --format json` adds the resolution, who made it, when, the
//! note, and when a sync applied it (`applied_at`). Resolving and dismissing go through the ledger's `conflicts()` repository, which
//! writes the audit event in the same transaction; resolving is checked first with the shared
//! rules of `ledgerbridge_core::resolution` (the same as the web UI's), see
//! [`super::conflicts_resolve`].
//!
//! Exit codes: 0 done; 2 when the decision itself is wrong (a path that is not a field of the
//! conflict, a value that does not read for its field, an invoice that would not add up, a
//! malformed flag), so a script can tell "fix your input" from 1: the conflict does not exist
//! or is no longer open (someone else settled it). Nothing is recorded in either case.

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use ledgerbridge_ledger::{
    Conflict, ConflictField, ConflictFilter, ConflictId, ConflictStatus, Ledger,
};
use serde_json::{Value, json};

use crate::args::{ConflictStatusArg, ConflictsCommand, DismissArgs, GlobalArgs, OutputFormat};
use crate::context::Context;
use crate::exit::{Exit, UsageError};
use crate::output::print_listing;

/// The object of `conflicts list --format json`, exactly the keys CONTRACTS.md pins.
pub(crate) fn contract_json(conflict: &Conflict) -> Value {
    json!({
        "id": conflict.id,
        "status": conflict.status,
        "entity": conflict.entity,
        "tenant": conflict.tenant,
        "servicetitan_id": conflict.servicetitan_id,
        "target": conflict.target_system,
        "target_id": conflict.target_id,
        "detected_at": conflict.detected_at,
        "fields": conflict.fields,
    })
}

/// `show --format json`: the contract object plus how it was settled.
fn detail_json(conflict: &Conflict, applied_at: Option<DateTime<Utc>>) -> Value {
    let mut object = contract_json(conflict);
    object["target_company"] = json!(conflict.target_company);
    object["resolution"] = json!(conflict.resolution);
    object["resolved_by"] = json!(conflict.resolved_by);
    object["resolved_at"] = json!(conflict.resolved_at);
    object["note"] = json!(conflict.note);
    object["applied_at"] = json!(applied_at);
    object
}

/// A field value for a person: money as `12.50 USD`, text as is, absent as `-`.
pub(crate) fn shown(value: &Value) -> String {
    match value {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        Value::Object(m) if m.len() == 2 => match (m.get("amount"), m.get("currency")) {
            (Some(Value::String(a)), Some(Value::String(c))) => format!("{a} {c}"),
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}

/// The conflict id given on the command line.
pub(crate) fn parse_id(text: &str) -> Result<ConflictId, UsageError> {
    text.parse()
        .map_err(|_| UsageError(format!("{text:?} is not a conflict id (a number)")))
}

/// The conflict, which must exist.
pub(crate) async fn load(ledger: &Ledger, id: ConflictId) -> anyhow::Result<Conflict> {
    ledger
        .conflicts()
        .get(id)
        .await?
        .with_context(|| format!("there is no conflict {id} in this ledger"))
}

/// Refuses a conflict that was already settled, saying how (exit 1).
pub(crate) fn ensure_open(conflict: &Conflict) -> anyhow::Result<()> {
    if conflict.status == ConflictStatus::Open {
        return Ok(());
    }
    let by = conflict.resolved_by.as_deref().unwrap_or("someone");
    let at = conflict
        .resolved_at
        .map(|t| t.format(" on %Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    bail!(
        "conflict {} is already {} (by {by}{at}); nothing was recorded",
        conflict.id,
        conflict.status
    )
}

/// Who decided, for the audit log: `--by`, else the OS user ($USER, $LOGNAME, $USERNAME).
pub(crate) fn who(by: Option<String>) -> String {
    by.filter(|b| !b.trim().is_empty())
        .or_else(|| {
            ["USER", "LOGNAME", "USERNAME"]
                .into_iter()
                .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

const HEADER: [&str; 8] = [
    "id",
    "status",
    "tenant",
    "record",
    "target",
    "detected",
    "fields",
    "settled by",
];

fn cells(c: &Conflict) -> Vec<String> {
    let paths: Vec<&str> = c.fields.iter().map(|f| f.path.as_str()).collect();
    vec![
        c.id.to_string(),
        c.status.to_string(),
        c.tenant.clone(),
        format!("{} {}", c.entity, c.servicetitan_id),
        format!("{} {}", c.target_system, c.target_id),
        c.detected_at.format("%Y-%m-%d %H:%M").to_string(),
        paths.join(", "),
        c.resolved_by.clone().unwrap_or_default(),
    ]
}

fn print_fields(fields: &[ConflictField], resolution: Option<&Value>) -> anyhow::Result<()> {
    let header = ["field", "base", "servicetitan", "accounting", "chosen"];
    print_listing(OutputFormat::Table, fields, &header, |f| {
        let chosen = resolution
            .and_then(|r| r.get(&f.path))
            .map(|c| match c {
                Value::String(side) => side.clone(),
                other => other.get("value").map_or_else(|| other.to_string(), shown),
            })
            .unwrap_or_default();
        vec![
            f.path.clone(),
            shown(&f.base),
            shown(&f.servicetitan),
            shown(&f.accounting),
            chosen,
        ]
    })
}

fn print_show(
    conflict: &Conflict,
    applied_at: Option<DateTime<Utc>>,
    format: OutputFormat,
) -> anyhow::Result<()> {
    if format == OutputFormat::Json {
        let detail = detail_json(conflict, applied_at);
        println!("{}", serde_json::to_string_pretty(&detail)?);
        return Ok(());
    }
    let c = conflict;
    println!(
        "Conflict {}: {} {} of tenant {} <-> {} {} ({}), {}",
        c.id,
        c.entity,
        c.servicetitan_id,
        c.tenant,
        c.target_system,
        c.target_id,
        c.target_company,
        c.status
    );
    println!("Detected {}", c.detected_at.format("%Y-%m-%d %H:%M:%S UTC"));
    print_fields(&c.fields, c.resolution.as_ref())?;
    if let (Some(by), Some(at)) = (&c.resolved_by, c.resolved_at) {
        println!(
            "{} by {by} on {}",
            c.status,
            at.format("%Y-%m-%d %H:%M:%S UTC")
        );
    }
    if let Some(note) = &c.note {
        println!("Note: {note}");
    }
    match (c.status, applied_at) {
        (ConflictStatus::Resolved, Some(at)) => println!(
            "Applied to both systems on {}",
            at.format("%Y-%m-%d %H:%M:%S UTC")
        ),
        (ConflictStatus::Resolved, None) => {
            println!(
                "Not applied yet: the next sync of tenant {} writes it.",
                c.tenant
            );
        }
        _ => {}
    }
    if c.status == ConflictStatus::Open {
        println!(
            "Resolve with `ledgerbridge conflicts resolve {} --take servicetitan|accounting` or \
             `--field PATH=servicetitan|accounting|VALUE` (repeatable), or dismiss it.",
            c.id
        );
    }
    Ok(())
}

async fn list(
    ledger: &Ledger,
    status: ConflictStatusArg,
    tenant: Option<String>,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let filter = ConflictFilter {
        status: match status {
            ConflictStatusArg::Open => Some(ConflictStatus::Open),
            ConflictStatusArg::Resolved => Some(ConflictStatus::Resolved),
            ConflictStatusArg::Dismissed => Some(ConflictStatus::Dismissed),
            ConflictStatusArg::All => None,
        },
        tenant,
        ..ConflictFilter::default()
    };
    let conflicts = ledger.conflicts().list(&filter).await?;
    match format {
        OutputFormat::Json => {
            let rows: Vec<Value> = conflicts.iter().map(contract_json).collect();
            println!("{}", serde_json::to_string_pretty(&rows)?);
            Ok(())
        }
        OutputFormat::Table => print_listing(format, &conflicts, &HEADER, cells),
    }
}

async fn dismiss(ledger: &Ledger, args: DismissArgs) -> anyhow::Result<()> {
    let id = parse_id(&args.id)?;
    let conflict = load(ledger, id).await?;
    ensure_open(&conflict)?;
    let by = who(args.by);
    let note = args
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    ledger
        .conflicts()
        .dismiss(id, &by, note)
        .await
        .with_context(|| format!("dismissing conflict {id}; nothing was recorded"))?;
    tracing::info!(conflict = id.0, "conflict dismissed");
    println!(
        "Conflict {id} dismissed by {by}: none of its values is written to either side for it."
    );
    Ok(())
}

pub(crate) async fn run(global: &GlobalArgs, command: ConflictsCommand) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    match command {
        ConflictsCommand::List {
            status,
            tenant,
            format,
        } => list(&ledger, status, tenant, format).await?,
        ConflictsCommand::Show { id, format } => {
            let conflict = load(&ledger, parse_id(&id)?).await?;
            let applied_at = ledger.conflicts().applied_at(conflict.id).await?;
            print_show(&conflict, applied_at, format)?;
        }
        ConflictsCommand::Dismiss(args) => dismiss(&ledger, args).await?,
        ConflictsCommand::Resolve(args) => {
            return super::conflicts_resolve::run(global, ledger, args).await;
        }
    }
    ledger.close().await;
    Ok(Exit::Ok)
}
