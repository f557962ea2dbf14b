//! `ledgerbridge doctor`: every connection with its environment, company, status and last
//! success, so an integrator sees at a glance what needs a reconnect.

use ledgerbridge_ledger::Connection;

use crate::args::{GlobalArgs, OutputFormat};
use crate::context::Context;
use crate::exit::Exit;
use crate::output::print_listing;

fn cells(c: &Connection) -> Vec<String> {
    vec![
        c.system.to_string(),
        c.tenant.clone(),
        c.company.clone(),
        c.environment.to_string(),
        match &c.status_reason {
            Some(reason) => format!("{} ({reason})", c.status),
            None => c.status.to_string(),
        },
        c.last_success_at
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| "never".into()),
    ]
}

pub(crate) async fn run(global: &GlobalArgs, format: OutputFormat) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    let connections = ledger.connections().list().await?;
    print_listing(
        format,
        &connections,
        &[
            "system",
            "tenant",
            "company",
            "environment",
            "status",
            "last success",
        ],
        cells,
    )?;
    ledger.close().await;
    Ok(Exit::Ok)
}
