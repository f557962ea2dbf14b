//! Opening the ledger, running its migrations, and caller-held transactions.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerbridge_core::WallClock;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::db::{Db, Target, stored_now};
use crate::{
    Alerts, Conflicts, Connections, Cursors, Events, LedgerError, Links, MIGRATOR, Mappings,
    Outbox, Quarantine, Requests, Runs, Snapshots,
};

/// Where the ledger lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LedgerLocation {
    /// A SQLite file (the embedded default is `ledgerbridge.db` next to the config).
    File(PathBuf),
    /// A private in-memory database that lives as long as the [`Ledger`] (tests, `--dry-run`
    /// experiments).
    InMemory,
}

impl From<PathBuf> for LedgerLocation {
    fn from(path: PathBuf) -> Self {
        Self::File(path)
    }
}

impl From<&std::path::Path> for LedgerLocation {
    fn from(path: &std::path::Path) -> Self {
        Self::File(path.to_path_buf())
    }
}

/// How to open the ledger. The defaults suit the CLI: create the file if missing, wait up to
/// five seconds for another writer, bring the schema up to date.
#[derive(Clone, Debug)]
pub struct LedgerOptions {
    create_if_missing: bool,
    busy_timeout: Duration,
    max_connections: u32,
    migrate: bool,
    clock: WallClock,
}

impl Default for LedgerOptions {
    fn default() -> Self {
        Self {
            create_if_missing: true,
            busy_timeout: Duration::from_secs(5),
            max_connections: 4,
            migrate: true,
            clock: WallClock::system(),
        }
    }
}

impl LedgerOptions {
    /// Whether a missing file is created (default `true`). `false` turns a typo in a path into
    /// an error instead of a fresh, empty ledger.
    pub fn create_if_missing(mut self, create: bool) -> Self {
        self.create_if_missing = create;
        self
    }

    /// How long a statement waits for another writer before failing with a retryable error.
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Pool size (default 4: the sync worker, the web UI and a few readers).
    pub fn max_connections(mut self, max: u32) -> Self {
        self.max_connections = max.max(1);
        self
    }

    /// Whether [`Ledger::open`] applies pending migrations (default `true`). With `false`, call
    /// [`Ledger::migrate`] yourself (`ledgerbridge db migrate`).
    pub fn migrate(mut self, migrate: bool) -> Self {
        self.migrate = migrate;
        self
    }

    /// The clock used for every timestamp the ledger writes.
    pub fn clock(mut self, clock: WallClock) -> Self {
        self.clock = clock;
        self
    }
}

/// A migration applied by [`Ledger::migrate`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AppliedMigration {
    /// The number in its file name.
    pub version: i64,
    /// The rest of its file name.
    pub description: String,
}

/// The mapping ledger: a SQLite pool plus the clock. Cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct Ledger {
    pool: SqlitePool,
    clock: WallClock,
}

impl Ledger {
    /// Opens (and by default creates and migrates) the ledger: WAL journal so readers (the web
    /// UI) never block the sync writer, foreign keys on, a busy timeout, and `synchronous=FULL`
    /// because the outbox promises that a committed row survives a power cut before its request
    /// goes out.
    pub async fn open(
        location: LedgerLocation,
        options: LedgerOptions,
    ) -> Result<Self, LedgerError> {
        if let LedgerLocation::File(path) = &location {
            crate::guards::refuse_empty_file(path)?;
        }
        let (connect, label, in_memory) = match &location {
            LedgerLocation::File(path) => (
                SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(options.create_if_missing),
                path.display().to_string(),
                false,
            ),
            LedgerLocation::InMemory => (
                SqliteConnectOptions::from_str("sqlite::memory:").map_err(|source| {
                    LedgerError::Open {
                        path: ":memory:".into(),
                        source,
                    }
                })?,
                ":memory:".to_owned(),
                true,
            ),
        };
        let connect = connect
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout);
        let mut pool = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.busy_timeout + Duration::from_secs(25));
        if in_memory {
            // The database disappears with its last connection: keep one for the pool's life.
            pool = pool
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        }
        let pool = pool
            .connect_with(connect)
            .await
            .map_err(|source| LedgerError::Open {
                path: label,
                source,
            })?;
        let ledger = Self {
            pool,
            clock: options.clock,
        };
        if options.migrate {
            ledger.migrate().await?;
        }
        Ok(ledger)
    }

    /// Wraps an existing pool (e.g. the one `#[sqlx::test]` hands a test). The pool's own
    /// connect options apply; nothing is migrated.
    pub fn from_pool(pool: SqlitePool, clock: WallClock) -> Self {
        Self { pool, clock }
    }

    /// Applies the migrations this build knows and the ledger lacks, returning those applied.
    /// Refuses a ledger written by a newer ledgerbridge (it has migrations this build lacks) and
    /// one whose applied migrations were edited (checksums differ).
    pub async fn migrate(&self) -> Result<Vec<AppliedMigration>, LedgerError> {
        let before = self.applied_versions().await?;
        crate::guards::refuse_newer(&before)?;
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(LedgerError::Migrate)?;
        Ok(MIGRATOR
            .iter()
            .filter(|m| !before.contains(&m.version))
            .map(|m| AppliedMigration {
                version: m.version,
                description: m.description.to_string(),
            })
            .collect())
    }

    /// The newest migration applied to this ledger, `None` for an empty database.
    pub async fn schema_version(&self) -> Result<Option<i64>, LedgerError> {
        Ok(self.applied_versions().await?.into_iter().max())
    }

    async fn applied_versions(&self) -> Result<Vec<i64>, LedgerError> {
        let exists: Option<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
        )
        .fetch_optional(&self.pool)
        .await?;
        if exists.is_none() {
            return Ok(Vec::new());
        }
        Ok(
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The underlying pool, for callers that need plain SQL (reports); prefer the repositories.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The ledger's clock.
    pub fn clock(&self) -> &WallClock {
        &self.clock
    }

    /// The current time at the precision the ledger stores (whole microseconds), so a value
    /// written and read back compares equal.
    pub fn now(&self) -> DateTime<Utc> {
        stored_now(&self.clock)
    }

    /// Closes every connection (checkpointing the WAL). Clones of this ledger stop working.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Starts a write transaction. Nothing done through the returned [`LedgerTx`] is visible to
    /// others until [`LedgerTx::commit`]; dropping it rolls everything back.
    pub async fn begin(&self) -> Result<LedgerTx, LedgerError> {
        crate::db::trace_transaction();
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(LedgerTx {
            tx,
            clock: self.clock.clone(),
        })
    }

    /// Runs `work` in one transaction: commits when it returns `Ok`, rolls back when it returns
    /// `Err` (or panics, or its future is dropped).
    ///
    /// ```no_run
    /// # async fn demo(ledger: ledgerbridge_ledger::Ledger, key: ledgerbridge_ledger::CursorKey)
    /// # -> Result<(), ledgerbridge_ledger::LedgerError> {
    /// ledger
    ///     .transaction(async |tx| {
    ///         // ... store the page's records through tx.links(), tx.snapshots() ...
    ///         tx.advance_cursor(&key, "continuation-token-2", None).await
    ///     })
    ///     .await
    /// # }
    /// ```
    pub async fn transaction<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: AsyncFnOnce(&mut LedgerTx) -> Result<T, E>,
        E: From<LedgerError>,
    {
        let mut tx = self.begin().await?;
        match work(&mut tx).await {
            Ok(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Err(error) => {
                if let Err(rollback) = tx.rollback().await {
                    tracing::warn!(error = %rollback, "ledger rollback failed; the connection drops the transaction");
                }
                Err(error)
            }
        }
    }

    fn db(&self) -> Db<'_> {
        Db::new(Target::Pool(&self.pool), &self.clock)
    }

    /// Connections to remote companies.
    pub fn connections(&self) -> Connections<'_> {
        Connections::new(self.db())
    }
    /// Links between ServiceTitan records and their accounting twins.
    pub fn links(&self) -> Links<'_> {
        Links::new(self.db())
    }
    /// Base snapshots and remote versions of linked records.
    pub fn snapshots(&self) -> Snapshots<'_> {
        Snapshots::new(self.db())
    }
    /// Feed cursors (read and reset; advancing needs a [`LedgerTx`]).
    pub fn cursors(&self) -> Cursors<'_> {
        Cursors::new(self.db())
    }
    /// Outbox operations.
    pub fn outbox(&self) -> Outbox<'_> {
        Outbox::new(self.db())
    }
    /// Remote requests and their idempotency keys.
    pub fn requests(&self) -> Requests<'_> {
        Requests::new(self.db())
    }
    /// Conflicts awaiting or past review.
    pub fn conflicts(&self) -> Conflicts<'_> {
        Conflicts::new(self.db())
    }
    /// Sync runs.
    pub fn runs(&self) -> Runs<'_> {
        Runs::new(self.db())
    }
    /// The append-only audit trail.
    pub fn events(&self) -> Events<'_> {
        Events::new(self.db())
    }
    /// Value mappings (items, GL accounts, business units, tax zones, payment types).
    pub fn mappings(&self) -> Mappings<'_> {
        Mappings::new(self.db())
    }
    /// Remote records that could not be parsed.
    pub fn quarantine(&self) -> Quarantine<'_> {
        Quarantine::new(self.db())
    }
    /// Alert conditions and the alerts outbox.
    pub fn alerts(&self) -> Alerts<'_> {
        Alerts::new(self.db())
    }
}

/// A write transaction held by the caller; see [`Ledger::begin`]. The repositories it hands out
/// work inside it.
pub struct LedgerTx {
    tx: Transaction<'static, Sqlite>,
    clock: WallClock,
}

impl std::fmt::Debug for LedgerTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LedgerTx")
    }
}

impl LedgerTx {
    /// Makes everything done in this transaction durable and visible.
    pub async fn commit(self) -> Result<(), LedgerError> {
        Ok(self.tx.commit().await?)
    }

    /// Discards everything done in this transaction (dropping it does the same).
    pub async fn rollback(self) -> Result<(), LedgerError> {
        Ok(self.tx.rollback().await?)
    }

    pub(crate) fn db(&mut self) -> Db<'_> {
        Db::new(Target::Tx(&mut self.tx), &self.clock)
    }

    /// Connections, inside this transaction.
    pub fn connections(&mut self) -> Connections<'_> {
        Connections::new(self.db())
    }
    /// Links, inside this transaction.
    pub fn links(&mut self) -> Links<'_> {
        Links::new(self.db())
    }
    /// Snapshots, inside this transaction.
    pub fn snapshots(&mut self) -> Snapshots<'_> {
        Snapshots::new(self.db())
    }
    /// Cursors, inside this transaction (see also [`LedgerTx::advance_cursor`]).
    pub fn cursors(&mut self) -> Cursors<'_> {
        Cursors::new(self.db())
    }
    /// Outbox operations, inside this transaction.
    pub fn outbox(&mut self) -> Outbox<'_> {
        Outbox::new(self.db())
    }
    /// Requests, inside this transaction.
    pub fn requests(&mut self) -> Requests<'_> {
        Requests::new(self.db())
    }
    /// Conflicts, inside this transaction.
    pub fn conflicts(&mut self) -> Conflicts<'_> {
        Conflicts::new(self.db())
    }
    /// Runs, inside this transaction.
    pub fn runs(&mut self) -> Runs<'_> {
        Runs::new(self.db())
    }
    /// Events, inside this transaction.
    pub fn events(&mut self) -> Events<'_> {
        Events::new(self.db())
    }
    /// Mappings, inside this transaction.
    pub fn mappings(&mut self) -> Mappings<'_> {
        Mappings::new(self.db())
    }
    /// Quarantine, inside this transaction.
    pub fn quarantine(&mut self) -> Quarantine<'_> {
        Quarantine::new(self.db())
    }
}
