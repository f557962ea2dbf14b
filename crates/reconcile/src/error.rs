//! [`SyncError`]: why a tenant's sync stopped, grouped by how the caller reacts.
//!
//! A record that cannot be written is not an error of the run: it is blocked with a reason
//! in the report and the run goes on. Only what stops the tenant's sync is a `SyncError`.

use ledgerbridge_connector::ConnectorError;
use ledgerbridge_ledger::{LeaseError, LedgerError};

/// Why a tenant's sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A connection's tokens are expired or revoked: nothing more is written for this
    /// tenant; the message names the `connect` command (exit code 5).
    #[error("reconnect needed for {system}: {source}")]
    ReconnectNeeded {
        /// `servicetitan`, `quickbooks` or `xero`.
        system: &'static str,
        /// The connector's refusal.
        #[source]
        source: ConnectorError,
    },
    /// A remote failed in a way retrying within this run cannot fix (down, throttled for
    /// the day, an unexpected answer). The cursors stay where the last durable page left
    /// them; the next run resumes there.
    #[error("{system} failed: {source}")]
    Remote {
        /// Which remote.
        system: &'static str,
        /// What it said.
        #[source]
        source: ConnectorError,
    },
    /// The ledger failed (disk, lock, corruption): stop before anything is sent unrecorded.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The tenant's setup is wrong (target company differs from the connection, ...).
    #[error("configuration: {0}")]
    Config(String),
    /// The run's lease of a tenant was taken over (this process looked dead or hung): it
    /// must write nothing more.
    #[error("{0}")]
    LeaseLost(String),
}

impl From<LeaseError> for SyncError {
    fn from(error: LeaseError) -> Self {
        match error {
            LeaseError::Ledger(e) => Self::Ledger(e),
            other => Self::LeaseLost(other.to_string()),
        }
    }
}

impl SyncError {
    /// Wraps a connector failure of `system`, separating "reconnect" from the rest.
    pub fn remote(system: &'static str, source: ConnectorError) -> Self {
        if source.needs_reconnect() {
            Self::ReconnectNeeded { system, source }
        } else {
            Self::Remote { system, source }
        }
    }

    /// Whether the CLI should exit with code 5 (reconnect needed).
    pub fn needs_reconnect(&self) -> bool {
        matches!(self, Self::ReconnectNeeded { .. })
    }
}
