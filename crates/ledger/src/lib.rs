//! The mapping ledger of ledgerbridge: what the bridge knows and has promised, in one SQLite
//! file.
//!
//! It records which ServiceTitan record is linked to which accounting record (down to the
//! line), the base snapshot both sides agreed on, how far each feed was read, every write the
//! bridge intends (the outbox) and every request that carries them, conflicts awaiting review,
//! runs, an append-only audit trail, value mappings, quarantined payloads, encrypted
//! credentials, the per-tenant leases that allow one live sync of a tenant at a time, and the
//! alerts outbox (what the alert rules found and each message to a channel).
//!
//! # Design decisions
//!
//! * **SQLite through sqlx at runtime.** Queries are `query_as::<_, Row>` with
//!   `#[derive(FromRow)]` row structs converted into typed public structs; no `query!` macros,
//!   so building needs no database and no `.sqlx/` data. Every statement is exercised by the
//!   tests. Dynamic filters are built with `QueryBuilder` only.
//! * **The schema guards itself.** Tables are `STRICT` (an amount column cannot hold a REAL),
//!   closed value sets are `CHECK`ed, uniqueness both ways is a constraint, the outbox state
//!   machine and the append-only audit trail are triggers. The Rust API checks the same rules
//!   first to return typed errors; the schema makes them hold for hand-written SQL too.
//! * **Money is integer minor units plus a currency column**, so `SUM` in SQL is exact;
//!   canonical records are JSON (snapshots, payloads) so this crate does not depend on the
//!   canonical model's shape.
//! * **One transaction per multi-row change.** Each repository method is atomic on its own;
//!   callers that must store several things together (a page of records and the cursor after
//!   it) hold a [`LedgerTx`] and commit once. Cursors can *only* be advanced inside one. Write
//!   transactions start with `BEGIN IMMEDIATE` so concurrent writers wait on the busy timeout
//!   instead of failing on a lock upgrade.
//! * **Capabilities are passed in.** The clock, the encryption key and the pid liveness check
//!   come from the caller; this crate reads no environment variables and no files besides the
//!   database it is pointed at.
//! * **Ids:** small integers for what people type (`runs show 12`, `conflicts resolve 7`),
//!   UUIDv7 text for what leaves the process (operation ids, idempotency keys).
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), ledgerbridge_ledger::LedgerError> {
//! use ledgerbridge_ledger::{Ledger, LedgerLocation, LedgerOptions};
//!
//! let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default()).await?;
//! let run = ledger.runs().start(false).await?;
//! for mapping in ledger.mappings().list(None).await? {
//!     println!("{} {} -> {}", mapping.kind, mapping.source, mapping.target);
//! }
//! # let _ = run;
//! # Ok(())
//! # }
//! ```

mod alerts;
mod conflicts;
mod connections;
mod credentials;
mod cursors;
mod db;
mod error;
mod events;
mod guards;
mod ids;
mod lease;
mod ledger;
mod links;
mod mappings;
mod outbox;
mod quarantine;
mod requests;
mod runs;
mod snapshots;

pub use alerts::{Alert, AlertStatus, Alerts, NewAlert};
pub use conflicts::{
    Conflict, ConflictField, ConflictFilter, ConflictStatus, Conflicts, NewConflict, Resolution,
};
pub use connections::{Connection, ConnectionStatus, Connections, NewConnection};
pub use credentials::{EncryptionKey, KeyError, LedgerCredentialStore};
pub use cursors::{Cursor, CursorKey, Cursors};
pub use db::{TRANSACTION_TRACE_TARGET, UnknownValue};
pub use error::LedgerError;
pub use events::{Event, EventFilter, Events, NewEvent};
pub use ids::{
    ConflictId, ConnectionId, EventId, IdempotencyKey, LinkId, OperationId, QuarantineId,
    RecordKey, RunId,
};
pub use lease::{LeaseClaim, LeaseError, LeaseGuard, LeaseInfo, Leases, Takeover, TakeoverReason};
pub use ledger::{AppliedMigration, Ledger, LedgerLocation, LedgerOptions, LedgerTx};
/// Re-exported: the ledger records each connection's environment.
pub use ledgerbridge_core::Environment;
pub use links::{LineLink, Link, Links};
pub use mappings::{Mapping, MappingKind, Mappings, UpsertSummary};
pub use outbox::{
    NewOperation, Operation, OperationAction, OperationFilter, OperationState, Outbox, Side,
};
pub use quarantine::{NewQuarantine, Quarantine, QuarantineEntry};
pub use requests::{NewRequest, Request, RequestStatus, Requests};
pub use runs::{Run, RunStatus, Runs};
pub use snapshots::{NewSnapshot, PeriodTotals, Snapshot, SnapshotTotals, Snapshots};

/// The ledger's migrations (`migrations/` at the workspace root), embedded at build time.
/// Tests use it as `#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");
