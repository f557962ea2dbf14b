//! Exit codes scripts can trust (CONTRACTS.md), and how errors map onto them.

use std::process::ExitCode;

/// The process outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    Ok = 0,
    Error = 1,
    Usage = 2,
    /// `sync`, `watch`, `demo` only: the run finished but conflicts wait for a person.
    #[allow(dead_code)] // returned by sync/watch/demo, which build on this crate
    ConflictsPending = 3,
    /// Another live process holds the lease of a tenant this command must sync (the message
    /// names the tenant).
    TenantBusy = 4,
    /// A connection's tokens are expired or revoked; the message names the `connect` command.
    ReconnectNeeded = 5,
    /// `sync` stopped by SIGINT (128 + 2): the run is recorded `interrupted`.
    Interrupted = 130,
    /// `sync` stopped by SIGTERM (128 + 15): the run is recorded `interrupted`.
    Terminated = 143,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// A mistake in how the command was called (a bad flag value, a bad line in a file given on
/// the command line): exit 2. A config file that is missing or wrong is an error (exit 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct UsageError(pub(crate) String);

/// The exit code for an error, by what the caller should do about it.
pub(crate) fn classify(error: &anyhow::Error) -> Exit {
    for cause in error.chain() {
        if cause.downcast_ref::<UsageError>().is_some() {
            return Exit::Usage;
        }
        if let Some(ledgerbridge_ledger::LeaseError::Busy { .. }) = cause.downcast_ref() {
            return Exit::TenantBusy;
        }
        if let Some(error) = cause.downcast_ref::<ledgerbridge_connector::ConnectorError>()
            && error.needs_reconnect()
        {
            return Exit::ReconnectNeeded;
        }
        if cause.downcast_ref::<crate::config::ConfigError>().is_some() {
            return Exit::Error;
        }
    }
    Exit::Error
}
