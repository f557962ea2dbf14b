//! `ledgerbridge runs list|show`.

use anyhow::Context as _;
use ledgerbridge_ledger::Run;

use crate::args::{GlobalArgs, OutputFormat, RunsCommand};
use crate::context::Context;
use crate::exit::{Exit, UsageError};
use crate::output::print_listing;

const HEADER: [&str; 6] = ["run", "started", "finished", "dry run", "status", "counts"];

fn cells(run: &Run) -> Vec<String> {
    vec![
        run.id.to_string(),
        run.started_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        run.finished_at
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default(),
        if run.dry_run { "yes" } else { "" }.to_owned(),
        run.status.to_string(),
        totals(&run.counts),
    ]
}

/// `created 3, updated 1, …` from the run's totals, skipping zeros, then why it stopped
/// (`error: …` of a failed run, `interrupted by SIGTERM`).
fn totals(counts: &serde_json::Value) -> String {
    let mut parts: Vec<String> = counts
        .get("totals")
        .and_then(|t| t.as_object())
        .into_iter()
        .flatten()
        .filter(|(_, v)| v.as_u64().is_some_and(|n| n > 0))
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    if let Some(error) = counts.get("error").and_then(|e| e.as_str()) {
        parts.push(format!("error: {error}"));
    }
    if let Some(signal) = counts.get("interrupted").and_then(|s| s.as_str()) {
        parts.push(format!("interrupted by {signal}"));
    }
    parts.join(", ")
}

pub(crate) async fn run(global: &GlobalArgs, command: RunsCommand) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    match command {
        RunsCommand::List { limit, format } => {
            let runs = ledger.runs().list(limit).await?;
            print_listing(format, &runs, &HEADER, cells)?;
        }
        RunsCommand::Show { id, format } => {
            let id = id
                .parse()
                .map_err(|e| UsageError(format!("run id {id:?}: {e}")))?;
            let run = ledger
                .runs()
                .get(id)
                .await?
                .with_context(|| format!("no run {id} in this ledger"))?;
            match format {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&run)?),
                OutputFormat::Table => {
                    print_listing(format, std::slice::from_ref(&run), &HEADER, cells)?;
                    println!("{}", serde_json::to_string_pretty(&run.counts)?);
                }
            }
        }
    }
    ledger.close().await;
    Ok(Exit::Ok)
}
