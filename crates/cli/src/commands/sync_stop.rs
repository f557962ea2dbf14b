//! How a `sync` ends when it does not end well: a SIGTERM/SIGINT (stop after the request in
//! flight, record the run `interrupted`, exit 143/130), and a connection whose tokens were
//! refused (marked `broken` with the reason, so `doctor` and the dashboard show it).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use ledgerbridge_core::System;
use ledgerbridge_ledger::Ledger;
use ledgerbridge_reconcile::{SyncError, TenantRun};

use crate::exit::Exit;

const SIGINT: u8 = 2;
const SIGTERM: u8 = 15;

/// Which signal asked the sync to stop, if one did. On the first SIGTERM or SIGINT the
/// connectors send nothing new ([`ledgerbridge_connector::http::stop`]), so each tenant's sync
/// stops after the request in flight; a second signal exits at once (the next sync takes the
/// tenants' leases over and settles what was in flight, as after a crash).
#[derive(Clone, Default)]
pub(crate) struct StopSignal(Arc<AtomicU8>);

impl StopSignal {
    /// Starts listening; the default "die at once" of both signals no longer applies.
    pub(crate) fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let stop = Self::default();
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let flag = stop.0.clone();
        tokio::spawn(async move {
            loop {
                let which = tokio::select! {
                    _ = term.recv() => SIGTERM,
                    _ = int.recv() => SIGINT,
                };
                if flag.swap(which, Ordering::SeqCst) != 0 {
                    eprintln!("second signal: exiting now");
                    std::process::exit(i32::from(128 + which));
                }
                ledgerbridge_connector::http::stop::request_stop();
                tracing::warn!(signal = name(which), "stopping after the request in flight");
            }
        });
        Ok(stop)
    }

    /// The signal's name (`SIGTERM`, `SIGINT`) once one was received.
    pub(crate) fn received(&self) -> Option<&'static str> {
        match self.0.load(Ordering::SeqCst) {
            0 => None,
            which => Some(name(which)),
        }
    }

    /// The exit code after the signal: 128 + its number, as a shell reports a process the
    /// signal killed (143 for SIGTERM, 130 for SIGINT).
    pub(crate) fn exit(&self) -> Option<Exit> {
        match self.0.load(Ordering::SeqCst) {
            SIGINT => Some(Exit::Interrupted),
            SIGTERM => Some(Exit::Terminated),
            _ => None,
        }
    }
}

fn name(which: u8) -> &'static str {
    if which == SIGINT { "SIGINT" } else { "SIGTERM" }
}

/// Marks `tenant`'s connection to `system` broken with `reason` (no secret: the connector's
/// refusal text). A failure to do so is logged, not fatal: the exit code 5 still tells.
pub(crate) async fn mark_broken(ledger: &Ledger, tenant: &str, system: System, reason: &str) {
    let marked = async {
        if let Some(connection) = ledger.connections().find(tenant, system).await? {
            ledger
                .connections()
                .mark_broken(connection.id, reason)
                .await?;
        }
        Ok::<_, ledgerbridge_ledger::LedgerError>(())
    }
    .await;
    if let Err(e) = marked {
        tracing::warn!(tenant, %system, error = %e, "could not mark the connection broken");
    }
}

/// Marks broken every connection whose tokens a tenant's sync found refused.
pub(crate) async fn mark_refused(ledger: &Ledger, runs: &[TenantRun]) {
    for run in runs {
        if let Some(SyncError::ReconnectNeeded { system, source }) = &run.error
            && let Ok(system) = system.parse::<System>()
        {
            mark_broken(ledger, &run.report.tenant, system, &source.to_string()).await;
        }
    }
}

/// Whether `error` says a connection must be reconnected (refused tokens, none stored).
pub(crate) fn refused(error: &anyhow::Error) -> Option<String> {
    error
        .chain()
        .filter_map(|c| c.downcast_ref::<ledgerbridge_connector::ConnectorError>())
        .find(|e| e.needs_reconnect())
        .map(ToString::to_string)
}
