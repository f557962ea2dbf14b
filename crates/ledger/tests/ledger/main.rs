//! The ledger's integration tests: one binary (one link), one module per repository.
//!
//! Most tests get a fresh, migrated database from `#[sqlx::test]`; the tests of opening,
//! migrating and the tenant leases use real files, and a lease test runs a second process.

mod alerts;
mod conflicts;
mod conflicts_applied;
mod connections;
mod credentials;
mod helpers;
mod lease;
mod lease_process;
mod lease_tenants;
mod links;
mod mappings;
mod money;
mod open;
mod outbox;
mod runs_events;
mod snapshot_target_totals;
mod snapshots_cursors;
mod transactions;
mod write_events;
