//! `ledgerbridge watch`: keeps every `[[tenants]]` block in sync until SIGINT/SIGTERM
//! (`ledgerbridge-service` decides when; [`super::watch_sync`] is what a run is).
//!
//! A first signal stops the connectors after the request in flight (the runs in progress end
//! `interrupted`, their operations settled or replayable) and stops starting new runs; `watch`
//! then waits up to `service.stop_seconds` and exits 0. A second signal exits at once: the
//! next start takes the leases over and settles what was in flight, as after a crash.

use std::sync::Arc;

use anyhow::Context as _;
use ledgerbridge_connector::CredentialStore;
use ledgerbridge_core::{System, WallClock};
use ledgerbridge_service::{Metrics, Service, ServiceError, StopToken, TenantKey};

use super::sync_stop::StopSignal;
use super::watch_sync::CliSyncer;
use crate::args::GlobalArgs;
use crate::context::Context;
use crate::exit::{Exit, UsageError};

/// The configured tenants as the service knows them.
fn tenant_keys(ctx: &Context) -> anyhow::Result<Vec<TenantKey>> {
    let tenants: Vec<TenantKey> = ctx
        .settings
        .tenants
        .iter()
        .map(|t| {
            let target: System = t.target.parse().map_err(UsageError)?;
            Ok(TenantKey {
                tenant: t.servicetitan_tenant.clone(),
                target,
                company: t.company.clone(),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    if tenants.is_empty() {
        return Err(UsageError(
            "no [[tenants]] block in the config: `watch` has nothing to keep in sync".into(),
        )
        .into());
    }
    Ok(tenants)
}

/// A config file holding a secret must be readable by its owner only.
fn warn_if_readable(ctx: &Context) {
    use std::os::unix::fs::PermissionsExt as _;
    let Some(file) = &ctx.config_file else {
        return;
    };
    let loose = std::fs::metadata(file).is_ok_and(|m| m.permissions().mode() & 0o077 != 0);
    if loose && ctx.settings.holds_inline_secret() {
        tracing::warn!(
            config = %file.display(),
            "secrets are configured and the config file is readable by group or others: \
             chmod 600 it (or keep every secret in a *_file or an environment variable)"
        );
        eprintln!(
            "warning: secrets are configured and {} is readable by group or others (chmod 600 it)",
            file.display()
        );
    }
}

/// Stops the service on the first SIGTERM/SIGINT ([`StopSignal`] also stops the connectors
/// and exits on a second one).
fn stop_on_signal() -> anyhow::Result<StopToken> {
    use tokio::signal::unix::{SignalKind, signal};
    let _connectors = StopSignal::install().context("listening for SIGTERM/SIGINT")?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let stop = StopToken::default();
    let token = stop.clone();
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        token.stop();
    });
    Ok(stop)
}

pub(crate) async fn run(global: &GlobalArgs) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let tenants = tenant_keys(&ctx)?;
    let settings = ctx.settings.service_settings()?;
    let sync_settings = super::sync::config_settings(&ctx)?;
    warn_if_readable(&ctx);
    let addr = ctx.settings.service.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("service.addr = {addr}: cannot listen there"))?;
    let stop = stop_on_signal()?;
    let ledger = ctx.open_ledger().await?;
    let store: Arc<dyn CredentialStore> = Arc::new(ledger.credential_store(Some(ctx.key()?)));
    let metrics = Arc::new(Metrics::new());
    let host = super::sync::host_name();
    let count = tenants.len();
    let syncer = CliSyncer::new(
        ctx,
        ledger.clone(),
        store,
        metrics.clone(),
        sync_settings,
        host,
    );
    let service = Service::new(
        settings,
        tenants,
        Arc::new(syncer),
        WallClock::system(),
        metrics,
    );
    eprintln!(
        "watching {count} tenant(s); webhooks, health and metrics on http://{}",
        listener.local_addr().unwrap_or(addr)
    );
    match service.run(listener, stop).await {
        Ok(()) => {}
        Err(ServiceError::Abandoned(n)) => {
            eprintln!("stopped with {n} run(s) still in flight; the next start resumes them");
        }
        Err(e) => return Err(e.into()),
    }
    ledger.close().await;
    eprintln!("stopped");
    Ok(Exit::Ok)
}
