//! `ledgerbridge demo`: the whole product on the embedded default in one command.
//!
//! It starts the three emulators in this process (`relaxed` limits), writes a fresh demo
//! ledger into DIR (the three files of `init`; an earlier demo's files are replaced, since its
//! links point at records of an earlier sandbox), connects both demo tenants and their books
//! without a browser, sets the demo mappings, and syncs. Then (scenario `demo`) people keep
//! working: the edits of [`super::demo_edits`], made through each product's API; a second
//! sync; and a summary of what flowed each way, read back from both systems, with the open
//! conflicts. With `--serve` the emulators stay up on the default ports afterwards.
//!
//! Exit code: like `sync`, 3 while conflicts are open (CONTRACTS.md lists `demo` among the
//! commands that use it). The demo makes one conflict on purpose, so a full demo exits 3; the
//! summary says so. `--scenario empty` makes no edits and exits 0.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use ledgerbridge_connector::CredentialStore;
use ledgerbridge_core::System;
use ledgerbridge_sandbox::{
    DEFAULT_PORTS, DEFAULT_SMTP_PORT, LimitMode, Ports, Sandbox, SandboxOptions, Scenario,
};

use crate::args::{DemoArgs, GlobalArgs, InitArgs, OutputFormat, SyncArgs};
use crate::context::Context;
use crate::exit::{Exit, UsageError};

use super::demo_edits::{self, Apis, Edit};
use super::demo_summary;
use super::init::{CONFIG_FILE, KEY_FILE, LEDGER_FILE};

/// `sync` of every tenant, as a table.
fn sync_all() -> SyncArgs {
    SyncArgs {
        tenant: None,
        target: None,
        dry_run: false,
        since: None,
        format: OutputFormat::Table,
        no_alerts: false,
    }
}

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
        smtp_port: if args.serve { DEFAULT_SMTP_PORT } else { 0 },
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
    let first = super::sync::run_unsignalled(&demo_global, sync_all()).await?;
    let exit = if scenario == Scenario::Demo && first != Exit::Error {
        second_act(&demo_global, &sandbox).await?
    } else {
        first
    };
    show_alerts(&sandbox);
    let c = config.display();
    println!("\nNext, try:");
    println!("  ledgerbridge --config {c} alerts list");
    println!("  ledgerbridge --config {c} conflicts list");
    println!(
        "  ledgerbridge --config {c} conflicts show ID              # base, ServiceTitan and books values"
    );
    println!("  ledgerbridge --config {c} conflicts resolve ID --take accounting --apply");
    println!(
        "  ledgerbridge --config {c} conflicts resolve ID --field 'PATH=servicetitan' --note 'why'"
    );
    println!("  ledgerbridge --config {c} report");
    println!("  ledgerbridge --config {c} runs list");
    println!(
        "  ledgerbridge --config {c} serve             # the review UI on http://127.0.0.1:8080"
    );
    if exit == Exit::ConflictsPending {
        println!("\nThe demo exits with code 3, like `sync`: conflicts wait for a person.");
    }
    if args.watch {
        let served = super::demo_watch::run(&demo_global, &sandbox).await;
        sandbox.shutdown().await;
        return served;
    }
    if args.serve {
        println!("\nThe emulators keep running on the default ports; Ctrl-C stops them.");
        let _ = tokio::signal::ctrl_c().await;
    } else {
        println!(
            "(run `ledgerbridge demo --serve` to keep the emulators running for `sync` and `--apply`)"
        );
    }
    sandbox.shutdown().await;
    Ok(exit)
}

/// What the sandbox's Slack receiver and SMTP sink received from the syncs' alerts.
fn show_alerts(sandbox: &Sandbox) {
    let slack = sandbox.alert_sinks.slack_messages();
    let mail = sandbox.smtp.mailbox.messages();
    println!(
        "\nAlerts that arrived: {} in the sandbox's Slack, {} in its mailbox",
        slack.len(),
        mail.len()
    );
    // The conflict first: the second act raised it, and it is the alert that needs a person.
    let mut subjects: Vec<&str> = slack
        .iter()
        .filter_map(|m| m.text.as_deref()?.lines().next())
        .collect();
    subjects.sort_by_key(|s| !s.starts_with("Conflict"));
    for subject in subjects.iter().take(6) {
        println!("  slack: {subject}");
    }
    if let Some(first) = mail.first().and_then(|m| m.subject.as_deref()) {
        println!("  email: {first} (and {} more)", mail.len() - 1);
    }
}

/// The edits people make, a second sync, and the summary of what flowed where.
async fn second_act(global: &GlobalArgs, sandbox: &Sandbox) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    let store: Arc<dyn CredentialStore> = Arc::new(ledger.credential_store(Some(ctx.key()?)));
    let apis = Apis::new(sandbox);
    let today = sandbox.clock().now().date_naive().to_string();
    let mut clients = Vec::new();
    let mut edits = Vec::new();
    println!("\nMeanwhile, people keep working:");
    for tenant in &ctx.settings.tenants {
        let id = tenant.servicetitan_tenant.as_str();
        let system: System = tenant.target.parse().map_err(UsageError)?;
        let st = super::targets::servicetitan(&ctx, &ledger, store.as_ref(), id).await?;
        demo_edits::map_books_payments(&ledger, id, system).await?;
        let wanted = if system == System::QuickBooks { 3 } else { 1 };
        let picked = demo_edits::pick(&ledger, &st, &apis, (id, system), wanted).await?;
        if picked.len() < wanted {
            println!("  (tenant {id}: too few open synced invoices for every edit)");
        }
        let mut picked = picked.into_iter();
        if let Some(p) = picked.next() {
            let edit = demo_edits::books_payment(&apis, &p, &today).await?;
            say(&edit);
            edits.push(edit);
        }
        if let Some(p) = picked.next() {
            let edit = demo_edits::part_added(&apis, &st, &p).await?;
            say(&edit);
            edits.push(edit);
        }
        if let Some(p) = picked.next() {
            let edit = demo_edits::both_sides(&apis, &st, &p).await?;
            say(&edit);
            edits.push(edit);
        }
        clients.push((id.to_owned(), st));
    }
    ledger.close().await;
    println!("\nSyncing both tenants again…");
    let exit = super::sync::run_unsignalled(global, sync_all()).await?;
    let ledger = ctx.open_ledger().await?;
    demo_summary::print(&ledger, &edits, &clients, &apis).await?;
    ledger.close().await;
    Ok(exit)
}

fn say(edit: &Edit) {
    match edit {
        Edit::BooksPayment {
            system,
            number,
            amount,
            ..
        } => {
            let books = if *system == System::QuickBooks {
                "QuickBooks"
            } else {
                "Xero"
            };
            println!("  {books}: the office records a {amount} payment against invoice {number}");
        }
        Edit::PartAdded { number, .. } => println!(
            "  ServiceTitan: a technician adds a part to invoice {number}, already exported"
        ),
        Edit::BothSides { number, .. } => println!(
            "  ServiceTitan and QuickBooks: the technician and the accountant each reword the \
             same line of invoice {number}: {:?} / {:?}",
            demo_edits::TECHNICIAN_TEXT,
            demo_edits::ACCOUNTANT_TEXT
        ),
    }
}
