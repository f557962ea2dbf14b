//! Serves the QuickBooks Online emulator (demo company, relaxed limits) and prints one JSON
//! line `{"quickbooks": {...info...}}` on stdout; logs go to stderr.
//!
//! ```text
//! cargo run -p ledgerbridge-emulator-quickbooks --example serve-quickbooks -- [PORT] [--seed N] [--start YYYY-MM-DD] [--limits real|relaxed|off] [--bulk N]
//! ```
//! PORT defaults to 8702 (`ledgerbridge sandbox serve`'s QuickBooks port); 0 picks a free one.

use std::net::SocketAddr;

use chrono::NaiveDate;
use ledgerbridge_emulator::{EmulatorContext, LimitMode, SeedOptions};
use ledgerbridge_emulator_quickbooks::{DEFAULT_PORT, EmulatorState, spawn_on};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port = DEFAULT_PORT;
    let mut limits = LimitMode::Relaxed;
    let today = chrono::Utc::now().date_naive();
    let mut seed = SeedOptions::demo(today);
    let mut bulk = 0usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--seed" => seed.seed = value()?.parse()?,
            "--start" => seed.start = value()?.parse::<NaiveDate>()?,
            "--limits" => limits = value()?.parse()?,
            "--bulk" => bulk = value()?.parse()?,
            other => {
                port = other
                    .parse()
                    .map_err(|_| format!("unknown argument {other}"))?
            }
        }
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let state = EmulatorState::new(EmulatorContext::new(limits), seed);
        if bulk > 0 {
            state.seed_bulk_invoices(bulk);
        }
        let handle = spawn_on(state.clone(), SocketAddr::from(([127, 0, 0, 1], port))).await?;
        println!("{}", serde_json::json!({ "quickbooks": state.info() }));
        eprintln!(
            "quickbooks emulator on {} (Ctrl-C to stop)",
            handle.base_url
        );
        tokio::signal::ctrl_c().await?;
        handle.shutdown().await;
        Ok(())
    })
}
