//! `ledgerbridge mappings list|set|import|export` (CSV columns: docs/configuration.md).

use anyhow::Context as _;

use super::mappings_csv::{check_tenant, mapping, read_csv, write_csv};
use crate::args::{GlobalArgs, MappingsCommand};
use crate::context::Context;
use crate::exit::{Exit, UsageError};
use crate::output::print_listing;

pub(crate) async fn run(global: &GlobalArgs, command: MappingsCommand) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    match command {
        MappingsCommand::List { tenant, format } => {
            let rows = ledger.mappings().list(tenant.as_deref()).await?;
            print_listing(
                format,
                &rows,
                &["tenant", "target", "kind", "source", "maps to", "label"],
                |m| {
                    vec![
                        m.tenant.clone(),
                        m.target_system.to_string(),
                        m.kind.to_string(),
                        m.source.clone(),
                        m.target.clone(),
                        m.target_label.clone().unwrap_or_default(),
                    ]
                },
            )?;
        }
        MappingsCommand::Set {
            tenant,
            target,
            kind,
            source,
            target_value,
            label,
        } => {
            let row = mapping([
                &tenant,
                &target,
                &kind,
                &source,
                &target_value,
                label.as_deref().unwrap_or(""),
            ])
            .map_err(UsageError)?;
            check_tenant(&row, &ctx.settings.tenants).map_err(UsageError)?;
            let summary = ledger.mappings().set(&row).await?;
            println!(
                "{} {} {} -> {} ({})",
                row.kind,
                row.source,
                row.target_system,
                row.target,
                if summary.inserted > 0 {
                    "added"
                } else if summary.updated > 0 {
                    "changed"
                } else {
                    "unchanged"
                }
            );
        }
        MappingsCommand::Import { file } => {
            let rows = read_csv(&file, &ctx.settings.tenants)?;
            let summary = ledger.mappings().upsert_all(&rows).await?;
            println!(
                "{} rows: {} added, {} changed, {} unchanged",
                rows.len(),
                summary.inserted,
                summary.updated,
                summary.unchanged
            );
        }
        MappingsCommand::Unmapped { tenant, format } => {
            super::unmapped::list(&ctx, &ledger, tenant.as_deref(), format).await?;
        }
        MappingsCommand::Export { out } => {
            let rows = ledger.mappings().list(None).await?;
            let sink: Box<dyn std::io::Write> = match &out {
                Some(path) => Box::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                ),
                None => Box::new(std::io::stdout()),
            };
            write_csv(&rows, sink)?;
        }
    }
    ledger.close().await;
    Ok(Exit::Ok)
}
