//! `demo --watch`: after its two syncs the demo keeps running as the service (`watch`), with
//! the sandbox's webhooks pointed at it, and shows the point of it: a payment recorded in the
//! QuickBooks sandbox reaches ServiceTitan seconds later without anyone running `sync`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use ledgerbridge_connector::CredentialStore;
use ledgerbridge_core::System;
use ledgerbridge_ledger::{EventFilter, Ledger};
use ledgerbridge_sandbox::Sandbox;

use super::demo_edits::{self, Apis};
use crate::args::GlobalArgs;
use crate::context::Context;
use crate::exit::Exit;

/// How long the demo waits to see its payment arrive before saying it did not.
const SHOW_FOR: Duration = Duration::from_secs(60);

pub(crate) async fn run(global: &GlobalArgs, sandbox: &Sandbox) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let base = format!("http://{}", ctx.settings.service.addr);
    let service_global = global.clone();
    let mut service = tokio::spawn(async move { super::watch::run(&service_global).await });
    tokio::select! {
        ready = wait_for_health(&base) => ready?,
        // `watch` ended before serving (e.g. service.addr taken): say why at once.
        ended = &mut service => return ended.context("the service task")?,
    }
    for (name, set) in [
        (
            "QuickBooks",
            sandbox.quickbooks.set_webhook_url(Some(&base)),
        ),
        ("Xero", sandbox.xero.set_webhook_url(Some(&base))),
    ] {
        set.map_err(anyhow::Error::msg)
            .with_context(|| format!("pointing the {name} sandbox's webhooks at {base}"))?;
    }
    println!("\nNow keeping both tenants in sync as a service (`ledgerbridge watch`):");
    println!(
        "  webhooks  {base}/webhooks/quickbooks  {base}/webhooks/xero  (the sandbox sends them)"
    );
    println!("  health    {base}/healthz  {base}/readyz");
    println!("  metrics   {base}/metrics");
    if let Err(e) = show_a_payment(&ctx, sandbox).await {
        println!("  (could not show a payment arriving: {e:#})");
    }
    println!("\nCtrl-C stops the service and the emulators.");
    service.await.context("the service task")?
}

/// `/healthz` answers (the webhooks must not reach a port nobody listens on yet).
async fn wait_for_health(base: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        let answered = http.get(format!("{base}/healthz")).send().await;
        if answered.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(20),
            "the service did not start serving on {base}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn brought_back(ledger: &Ledger) -> anyhow::Result<usize> {
    let filter = EventFilter {
        kind: Some("payment.from_books".to_owned()),
        ..EventFilter::default()
    };
    Ok(ledger.events().list(&filter).await?.len())
}

/// Records a payment in QuickBooks and says when it reached ServiceTitan.
async fn show_a_payment(ctx: &Context, sandbox: &Sandbox) -> anyhow::Result<()> {
    let Some(tenant) = ctx
        .settings
        .tenants
        .iter()
        .find(|t| t.target == "quickbooks")
    else {
        return Ok(());
    };
    let ledger = ctx.open_ledger().await?;
    let store: Arc<dyn CredentialStore> = Arc::new(ledger.credential_store(Some(ctx.key()?)));
    let id = tenant.servicetitan_tenant.as_str();
    let st = super::targets::servicetitan(ctx, &ledger, store.as_ref(), id).await?;
    let apis = Apis::new(sandbox);
    let picked = demo_edits::pick(&ledger, &st, &apis, (id, System::QuickBooks), 1).await?;
    let Some(p) = picked.into_iter().next() else {
        ledger.close().await;
        return Ok(());
    };
    let before = brought_back(&ledger).await?;
    let today = sandbox.clock().now().date_naive().to_string();
    let edit = demo_edits::books_payment(&apis, &p, &today).await?;
    let started = Instant::now();
    if let demo_edits::Edit::BooksPayment { number, amount, .. } = &edit {
        println!("\n  QuickBooks: the office records a {amount} payment against invoice {number}…");
    }
    let arrived = loop {
        if brought_back(&ledger).await? > before {
            break true;
        }
        if started.elapsed() > SHOW_FOR || ledgerbridge_connector::http::stop::stop_requested() {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    ledger.close().await;
    if arrived {
        let ms = started.elapsed().as_millis();
        println!(
            "  …and it is in ServiceTitan {}.{} s later; nobody ran `sync` (the sandbox's webhook \
             woke the tenant, or its poll found it first).",
            ms / 1000,
            ms % 1000 / 100
        );
    } else {
        println!(
            "  …not in ServiceTitan after {} s: see `runs list`.",
            SHOW_FOR.as_secs()
        );
    }
    Ok(())
}
