//! The demo world of the testkit (the sandbox over HTTP, an in-memory ledger, both tenants'
//! real connectors, demo mappings), as this suite starts it.

use std::ops::Deref;

use ledgerbridge_emulator::LimitMode;
use ledgerbridge_reconcile::SyncSettings;
use ledgerbridge_testkit::{LedgerKind, WorldOptions};

/// The testkit's world; every helper (sync, tenant, mappings, control) is on it.
pub(crate) struct World(ledgerbridge_testkit::World);

impl Deref for World {
    type Target = ledgerbridge_testkit::World;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl World {
    pub(crate) async fn start() -> Self {
        Self::start_with(LimitMode::Relaxed).await
    }

    pub(crate) async fn start_with(limits: LimitMode) -> Self {
        Self(
            ledgerbridge_testkit::World::start(WorldOptions {
                limits,
                ledger: LedgerKind::InMemory,
                ..WorldOptions::default()
            })
            .await,
        )
    }
}

/// Settings for the demo month (everything the sandbox seeded is on or after its start).
pub(crate) fn settings() -> SyncSettings {
    SyncSettings::default()
}
