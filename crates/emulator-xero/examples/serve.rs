//! Serves the Xero emulator alone (demo scenario, relaxed limits) and prints one JSON line
//! `{"xero": info}` on stdout, like `ledgerbridge sandbox serve --json` does for all three.
//!
//! `cargo run -p ledgerbridge-emulator-xero --example serve-xero -- [PORT] [--limits real|relaxed|off]`
//! (default port 8703, the `sandbox serve` default for Xero; 0 picks a free port).

use std::net::SocketAddr;

use ledgerbridge_emulator::{EmulatorContext, LimitMode, SeedOptions};
use ledgerbridge_emulator_xero::{EmulatorState, spawn_on};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut port: u16 = 8703;
    let mut limits = LimitMode::Relaxed;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--limits" {
            limits = args.next().ok_or("--limits needs a value")?.parse()?;
        } else {
            port = arg.parse()?;
        }
    }
    let ctx = EmulatorContext::new(limits);
    let today = ctx.clock.now().date_naive();
    let state = EmulatorState::new(ctx, SeedOptions::demo(today));
    let handle = spawn_on(state.clone(), SocketAddr::from(([127, 0, 0, 1], port))).await?;
    println!("{}", serde_json::json!({ "xero": state.info() }));
    eprintln!("xero emulator on {} (Ctrl-C to stop)", handle.base_url);
    tokio::signal::ctrl_c().await?;
    handle.shutdown().await;
    Ok(())
}
