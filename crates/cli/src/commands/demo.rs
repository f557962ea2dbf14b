//! `ledgerbridge demo`: the whole product on the embedded default in one command.
//!
//! It starts the three emulators in this process (`relaxed` limits), writes a fresh demo
//! ledger into DIR (the three files of `init`; an earlier demo's files are replaced, since its
//! links point at records of an earlier sandbox), connects both demo tenants and their books
//! without a browser, sets the demo mappings, and syncs. With `--serve` the emulators stay up
//! on the default ports afterwards.

use std::path::Path;

use anyhow::Context as _;

use ledgerbridge_sandbox::{DEFAULT_PORTS, LimitMode, Ports, Sandbox, SandboxOptions, Scenario};

use crate::args::{DemoArgs, GlobalArgs, InitArgs, OutputFormat, SyncArgs};
use crate::exit::{Exit, UsageError};

use super::init::{CONFIG_FILE, KEY_FILE, LEDGER_FILE};

/// Removes an earlier demo's files (and the SQLite side files), nothing else.
fn clear(dir: &Path) -> anyhow::Result<()> {
    for name in [
        CONFIG_FILE,
        LEDGER_FILE,
        KEY_FILE,
        "ledgerbridge.db-wal",
        "ledgerbridge.db-shm",
    ] {
        let path = dir.join(name);
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("removing the earlier demo's {}", path.display()))?;
        }
    }
    Ok(())
}

pub(crate) async fn run(global: &GlobalArgs, args: DemoArgs) -> anyhow::Result<Exit> {
    let ports = if args.serve {
        DEFAULT_PORTS
    } else {
        Ports::EPHEMERAL
    };
    let scenario: Scenario = args
        .scenario
        .parse()
        .map_err(|e| UsageError(format!("--scenario: {e}")))?;
    let options = SandboxOptions {
        ports,
        ..SandboxOptions::for_tests(scenario, LimitMode::Relaxed)
    };
    let sandbox = Sandbox::start(options)
        .await
        .context("starting the sandbox")?;
    println!(
        "Sandbox: ServiceTitan {}, QuickBooks {}, Xero {}",
        sandbox.servicetitan_handle.base_url,
        sandbox.quickbooks_handle.base_url,
        sandbox.xero_handle.base_url
    );
    clear(&args.dir)?;
    let init = InitArgs {
        dir: args.dir.clone(),
        force: true,
        sandbox: true,
        sandbox_host: "127.0.0.1".into(),
        servicetitan_port: sandbox.servicetitan_handle.addr.port(),
        quickbooks_port: sandbox.quickbooks_handle.addr.port(),
        xero_port: sandbox.xero_handle.addr.port(),
    };
    super::init::run(init).await?;
    let config = args.dir.join(CONFIG_FILE);
    let demo_global = GlobalArgs {
        config: Some(config.clone()),
        ledger: None,
        ..global.clone()
    };
    println!("\nSyncing both demo tenants (ServiceTitan -> QuickBooks, ServiceTitan -> Xero)…");
    let sync = SyncArgs {
        tenant: None,
        target: None,
        dry_run: false,
        since: None,
        format: OutputFormat::Table,
    };
    let exit = super::sync::run(&demo_global, sync).await?;
    let c = config.display();
    println!("\nNext, try:");
    println!("  ledgerbridge --config {c} sync              # a second sync writes nothing");
    println!("  ledgerbridge --config {c} runs list");
    println!("  ledgerbridge --config {c} links suggested --tenant 2046291");
    println!("  ledgerbridge --config {c} mappings list");
    println!(
        "  ledgerbridge --config {c} serve             # the review UI on http://127.0.0.1:8080"
    );
    if args.serve {
        println!("\nThe emulators keep running on the default ports; Ctrl-C stops them.");
        let _ = tokio::signal::ctrl_c().await;
    } else {
        println!("(run `ledgerbridge demo --serve` to keep the emulators running for these)");
    }
    sandbox.shutdown().await;
    Ok(exit)
}
