//! `ledgerbridge conflicts resolve ID (--take SIDE | --field PATH=SIDE|VALUE ...)`.
//!
//! The decision is built from the flags (`--take` gives every field not named by a `--field`
//! that side), then checked with the shared rules of `ledgerbridge_core::resolution` against
//! the record's base snapshot, exactly as the web UI checks it: each path must be a field of
//! the conflict, each typed value must read in its field's shape and fit the record, every
//! field needs a choice, and the resolved invoice or payment must still add up. Only then is
//! it recorded with `conflicts().resolve` (status, who, when, note and the audit event in one
//! transaction). The pinned `choice` JSON is what the next sync applies; `--apply` runs that
//! sync at once for the conflict's tenant, through the `sync` command itself.

use anyhow::Context as _;
use ledgerbridge_core::resolution::check_limits;
use ledgerbridge_core::resolution::{Choice, Decision};
use ledgerbridge_core::{FieldConflict, Side, check_resolution};
use ledgerbridge_ledger::{Conflict, Ledger, LedgerError, Resolution};

use crate::args::{GlobalArgs, OutputFormat, ResolveArgs, SideArg, SyncArgs};
use crate::exit::{Exit, UsageError};

use super::conflicts::{ensure_open, load, parse_id, shown, who};

/// The longest note accepted (the web UI's limit too).
const NOTE_LIMIT: usize = 2000;

/// The conflict's fields in core form. A stored path that does not parse is the ledger's
/// problem, not the caller's: exit 1.
fn core_fields(conflict: &Conflict) -> anyhow::Result<Vec<FieldConflict>> {
    conflict
        .fields
        .iter()
        .map(|f| {
            Ok(FieldConflict {
                path: f.path.parse().with_context(|| {
                    format!(
                        "conflict {} stores an unreadable path {:?}",
                        conflict.id, f.path
                    )
                })?,
                base: f.base.clone(),
                servicetitan: f.servicetitan.clone(),
                accounting: f.accounting.clone(),
            })
        })
        .collect()
}

fn field_list(fields: &[FieldConflict]) -> String {
    let paths: Vec<String> = fields.iter().map(|f| f.path.to_string()).collect();
    paths.join(", ")
}

/// The decision the flags describe; every mistake is a usage error naming the flag.
fn decision(args: &ResolveArgs, fields: &[FieldConflict]) -> Result<Decision, UsageError> {
    let mut decision = match args.take {
        Some(SideArg::Servicetitan) => Decision::take(Side::ServiceTitan, fields),
        Some(SideArg::Accounting) => Decision::take(Side::Accounting, fields),
        None => Decision::new(),
    };
    for flag in &args.fields {
        let (path, text) = flag.split_once('=').ok_or_else(|| {
            UsageError(format!(
                "--field {flag:?}: expected PATH=servicetitan, PATH=accounting or PATH=VALUE"
            ))
        })?;
        let field = fields
            .iter()
            .find(|f| f.path.to_string() == path.trim())
            .ok_or_else(|| {
                UsageError(format!(
                    "--field {flag:?}: {} is not a field of this conflict (its fields: {})",
                    path.trim(),
                    field_list(fields)
                ))
            })?;
        let choice = Choice::from_text(field, text)
            .map_err(|e| UsageError(format!("--field {flag:?}: {e}")))?;
        decision.insert(field.path.clone(), choice);
    }
    Ok(decision)
}

fn print_decision(conflict: &Conflict, fields: &[FieldConflict], decision: &Decision, by: &str) {
    println!(
        "Conflict {} ({} {} of tenant {}) resolved by {by}:",
        conflict.id, conflict.entity, conflict.servicetitan_id, conflict.tenant
    );
    for field in fields {
        let Some(choice) = decision.get(&field.path) else {
            continue;
        };
        let what = match choice {
            Choice::Take(Side::ServiceTitan) => "ServiceTitan's value",
            Choice::Take(Side::Accounting) => "the accounting value",
            Choice::Value(_) => "a typed value",
        };
        println!(
            "  {} = {} ({what})",
            field.path,
            shown(&choice.value_for(field))
        );
    }
}

pub(crate) async fn run(
    global: &GlobalArgs,
    ledger: Ledger,
    args: ResolveArgs,
) -> anyhow::Result<Exit> {
    if args.take.is_none() && args.fields.is_empty() {
        return Err(UsageError(
            "say what to keep: --take servicetitan|accounting and/or --field PATH=servicetitan|accounting|VALUE"
                .into(),
        )
        .into());
    }
    let note = args
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > NOTE_LIMIT) {
        return Err(UsageError(format!("--note is longer than {NOTE_LIMIT} characters")).into());
    }
    let id = parse_id(&args.id)?;
    let conflict = load(&ledger, id).await?;
    ensure_open(&conflict)?;
    let fields = core_fields(&conflict)?;
    let decision =
        decision(&args, &fields).map_err(|e| UsageError(format!("{e}; nothing was recorded")))?;
    let snapshot = ledger.snapshots().get(&conflict.key()).await?;
    check_resolution(
        conflict.entity,
        snapshot.as_ref().map(|s| &s.base),
        &fields,
        &decision,
    )
    .map_err(|e| UsageError(format!("conflict {id}: {e}; nothing was recorded")))?;
    check_limits(conflict.target_system, &fields, &decision)
        .map_err(|e| UsageError(format!("conflict {id}: {e}; nothing was recorded")))?;
    let by = who(args.by.clone());
    let resolution = Resolution {
        choice: decision.to_json(),
        by: by.clone(),
        note: note.map(str::to_owned),
    };
    match ledger.conflicts().resolve(id, &resolution).await {
        Ok(_) => {}
        Err(LedgerError::IllegalTransition { from, .. }) => {
            anyhow::bail!("conflict {id} was {from} meanwhile; nothing was recorded")
        }
        Err(e) => return Err(e).context(format!("resolving conflict {id}")),
    }
    tracing::info!(conflict = id.0, fields = fields.len(), "conflict resolved");
    print_decision(&conflict, &fields, &decision, &by);
    ledger.close().await;
    if !args.apply {
        println!(
            "The next sync of tenant {} writes these values to ServiceTitan and {} \
             (or run this again with --apply next time).",
            conflict.tenant, conflict.target_system
        );
        return Ok(Exit::Ok);
    }
    println!("\nApplying: syncing tenant {}…", conflict.tenant);
    let sync = SyncArgs {
        tenant: Some(conflict.tenant.clone()),
        target: None,
        dry_run: false,
        since: None,
        format: OutputFormat::Table,
        no_alerts: false,
    };
    // Exit code 3 belongs to `sync`, `watch` and `demo`: here other open conflicts are news,
    // not a failure of this command.
    match super::sync::run(global, sync).await? {
        Exit::ConflictsPending => {
            println!(
                "Other conflicts of tenant {} are still open: `ledgerbridge conflicts list`.",
                conflict.tenant
            );
            Ok(Exit::Ok)
        }
        other => Ok(other),
    }
}
