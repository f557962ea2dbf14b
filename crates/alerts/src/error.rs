//! Errors of the alerts crate.

use std::time::Duration;

/// Why evaluating or delivering alerts failed as a whole (a single channel's failure is a
/// [`ChannelError`] recorded on its alert, not this).
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// The ledger refused or failed.
    #[error("ledger: {0}")]
    Ledger(#[from] ledgerbridge_ledger::LedgerError),
    /// A configuration value is not usable (the key is named).
    #[error("{key}: {message}")]
    Config {
        /// The config key, e.g. `alerts.channels[0].smtp_url`.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// `alerts test --channel NAME` named no configured channel.
    #[error("no alert channel named {0:?}")]
    UnknownChannel(String),
}

/// Why one channel did not take one message. The text never holds the channel's secret (a
/// Slack webhook URL is one): HTTP errors are reported without their URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// The remote asked to wait (Slack's 429 with `Retry-After`).
    #[error("rate limited: retry after {}s", retry_after.as_secs())]
    RateLimited {
        /// How long the remote asked to wait.
        retry_after: Duration,
    },
    /// A failure that may pass (a timeout, a 5xx, a refused connection).
    #[error("{0}")]
    Transient(String),
    /// A failure that will not pass by retrying (a 4xx, a refused recipient, bad credentials).
    #[error("{0}")]
    Permanent(String),
}

impl ChannelError {
    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, Self::Permanent(_))
    }
}
