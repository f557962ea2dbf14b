//! Why a report could not be produced, grouped by what the caller does.

use ledgerbridge_ledger::LedgerError;

/// Why a report could not be produced. (A remote that cannot be read during `--refresh` is
/// not an error: the report says so in its warnings and uses the ledger.)
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The ledger failed; retry when [`LedgerError::is_retryable`] says so.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// What the ledger or a remote holds cannot be read as amounts (a corrupt snapshot, an
    /// amount out of range): a bug or a damaged ledger to report, not to retry.
    #[error("{0}")]
    Data(String),
}

impl From<ledgerbridge_core::MoneyError> for ReportError {
    fn from(e: ledgerbridge_core::MoneyError) -> Self {
        Self::Data(e.to_string())
    }
}
