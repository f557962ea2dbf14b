//! Serves the ServiceTitan emulator alone (demo scenario, relaxed limits) and prints one JSON
//! line `{"servicetitan": <info>}` to stdout, like `ledgerbridge sandbox serve --json` does
//! for all three emulators. Logs go to stderr. Stops on Ctrl-C.
//!
//! ```text
//! cargo run -p ledgerbridge-emulator-servicetitan --example serve-servicetitan -- [PORT] [--limits real|relaxed|off] [--seed N]
//! ```
//! PORT defaults to 8701 (the `sandbox serve` default); 0 picks a free one.

use std::net::SocketAddr;

use ledgerbridge_emulator::{EmulatorContext, LimitMode, SeedOptions};
use ledgerbridge_emulator_servicetitan::{EmulatorState, spawn_on};

fn usage(message: &str) -> ! {
    eprintln!("{message}\nusage: serve [PORT] [--limits real|relaxed|off] [--seed N]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut port: u16 = 8701;
    let mut limits = LimitMode::Relaxed;
    let mut seed: u64 = 42;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--limits" => {
                let value = args
                    .next()
                    .unwrap_or_else(|| usage("--limits needs a value"));
                limits = value.parse().unwrap_or_else(|e: String| usage(&e));
            }
            "--seed" => {
                let value = args.next().unwrap_or_else(|| usage("--seed needs a value"));
                seed = value
                    .parse()
                    .unwrap_or_else(|_| usage("--seed takes a number"));
            }
            other => {
                port = other
                    .parse()
                    .unwrap_or_else(|_| usage(&format!("unknown argument {other:?}")))
            }
        }
    }
    let ctx = EmulatorContext::new(limits);
    let mut options = SeedOptions::demo(ctx.clock.now().date_naive());
    options.seed = seed;
    let state = EmulatorState::new(ctx, options);
    let handle = match spawn_on(state.clone(), SocketAddr::from(([127, 0, 0, 1], port))).await {
        Ok(handle) => handle,
        Err(e) => usage(&format!("cannot listen on 127.0.0.1:{port}: {e}")),
    };
    println!("{}", serde_json::json!({ "servicetitan": state.info() }));
    eprintln!(
        "servicetitan emulator on {} (Ctrl-C to stop)",
        handle.base_url
    );
    let _ = tokio::signal::ctrl_c().await;
    handle.shutdown().await;
}
