//! The ledger's error type, grouped by how the caller reacts.
//!
//! * The ledger cannot be used at all ([`LedgerError::Open`], [`LedgerError::EmptyFile`],
//!   [`LedgerError::NewerSchema`], [`LedgerError::Migrate`]): stop and tell the user; retrying
//!   will not help.
//! * The request contradicts what is recorded ([`LedgerError::Duplicate`],
//!   [`LedgerError::NotFound`], [`LedgerError::MissingReference`], [`LedgerError::Invalid`],
//!   [`LedgerError::IllegalTransition`], [`LedgerError::TargetMismatch`]): a bug or a
//!   configuration problem of the caller; the transaction was rolled back.
//! * The stored data cannot be read by this version ([`LedgerError::Corrupt`]).
//! * Storage failed ([`LedgerError::Storage`]): [`LedgerError::is_retryable`] says whether it
//!   was only contention (another writer held the database past the busy timeout).
//!
//! Messages carry table and column names and ids, never customer data: SQLite's constraint
//! messages name columns, not values.

use sqlx::error::ErrorKind;

/// Everything that can go wrong in the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database file could not be opened or created.
    #[error("cannot open the ledger at {path}")]
    Open {
        /// The path (or `:memory:`) that was opened.
        path: String,
        /// What SQLite said.
        #[source]
        source: sqlx::Error,
    },
    /// The ledger file exists but is empty: a truncated or lost ledger, which must not be
    /// silently turned into a new, empty one.
    #[error(
        "the ledger {path} is an empty (0-byte) file: a truncated ledger is a lost one, not a \
         new one. Restore it from a backup; to start over, move it away and run \
         `ledgerbridge init`"
    )]
    EmptyFile {
        /// The file.
        path: String,
    },
    /// The ledger has migrations this build does not know: a newer ledgerbridge wrote it.
    #[error(
        "this ledger was written by a newer ledgerbridge (schema {found}, this one knows up to \
         {known}); upgrade ledgerbridge"
    )]
    NewerSchema {
        /// The newest migration applied to the ledger.
        found: i64,
        /// The newest migration this build knows.
        known: i64,
    },
    /// The schema could not be brought up to date (e.g. the ledger was written by a newer
    /// ledgerbridge, or an applied migration was edited).
    #[error("cannot migrate the ledger schema: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A uniqueness rule refused the write.
    #[error("{what} already exists ({detail})")]
    Duplicate {
        /// What was being written, e.g. `link`.
        what: &'static str,
        /// The constraint that refused it (column names only).
        detail: String,
    },
    /// The row the caller named does not exist.
    #[error("{what} {id} not found")]
    NotFound {
        /// What was looked up, e.g. `run`.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// The write refers to a row that does not exist (a foreign key).
    #[error("{what} refers to a row that does not exist ({detail})")]
    MissingReference {
        /// What was being written.
        what: &'static str,
        /// The constraint that refused it.
        detail: String,
    },
    /// The caller passed a value the ledger does not accept.
    #[error("invalid {what}: {detail}")]
    Invalid {
        /// What was being written.
        what: &'static str,
        /// Why it was refused.
        detail: String,
    },
    /// A state machine refused the move (outbox operations, requests, conflicts, runs).
    #[error("{what} {id} cannot move from {from} to {to}")]
    IllegalTransition {
        /// The kind of row, e.g. `operation`.
        what: &'static str,
        /// Its id.
        id: String,
        /// Its current state.
        from: String,
        /// The refused target state.
        to: String,
    },
    /// The configuration points a tenant at a different company or environment than the one
    /// recorded when it was connected. Refused so that sandbox data never lands in production
    /// books (CONTRACTS.md).
    #[error(
        "tenant {tenant} is connected to {recorded}; the configuration now points it at \
         {configured}. Refusing to mix books: fix the configuration, or remove the old \
         connection deliberately first"
    )]
    TargetMismatch {
        /// The ServiceTitan tenant.
        tenant: String,
        /// What the ledger recorded, e.g. `quickbooks company 4620816365 (sandbox)`.
        recorded: String,
        /// What the caller asked for.
        configured: String,
    },
    /// A stored value could not be decoded (hand-edited ledger, or written by a newer version).
    #[error("unreadable {what} in the ledger: {detail}")]
    Corrupt {
        /// The column or value.
        what: &'static str,
        /// Why it could not be read.
        detail: String,
    },
    /// SQLite failed.
    #[error("ledger storage error")]
    Storage(#[source] sqlx::Error),
}

impl LedgerError {
    /// Whether retrying the same call later may succeed: the database was locked by another
    /// writer for longer than the busy timeout, or the pool had no free connection.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Storage(sqlx::Error::PoolTimedOut) => true,
            Self::Storage(sqlx::Error::Database(db)) => db
                .code()
                .and_then(|code| code.parse::<i32>().ok())
                // Primary result codes SQLITE_BUSY (5) and SQLITE_LOCKED (6); the extended
                // codes keep the primary code in their low byte.
                .is_some_and(|code| matches!(code & 0xff, 5 | 6)),
            _ => false,
        }
    }

    pub(crate) fn corrupt(what: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            what,
            detail: detail.to_string(),
        }
    }

    pub(crate) fn invalid(what: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Invalid {
            what,
            detail: detail.to_string(),
        }
    }

    pub(crate) fn not_found(what: &'static str, id: impl std::fmt::Display) -> Self {
        Self::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

/// Maps a SQLite error raised while writing `what` to the variant the caller reacts to.
pub(crate) fn write_error(what: &'static str) -> impl FnOnce(sqlx::Error) -> LedgerError {
    move |error| {
        let kind_and_message = match &error {
            sqlx::Error::Database(db) => Some((db.kind(), db.message().to_owned())),
            _ => None,
        };
        match kind_and_message {
            Some((ErrorKind::UniqueViolation, detail)) => LedgerError::Duplicate { what, detail },
            Some((ErrorKind::ForeignKeyViolation, detail)) => {
                LedgerError::MissingReference { what, detail }
            }
            Some((ErrorKind::CheckViolation | ErrorKind::NotNullViolation, detail)) => {
                LedgerError::Invalid { what, detail }
            }
            _ => LedgerError::Storage(error),
        }
    }
}

impl From<sqlx::Error> for LedgerError {
    fn from(error: sqlx::Error) -> Self {
        Self::Storage(error)
    }
}
