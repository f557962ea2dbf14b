//! One simulated world per seed: the testkit's world (the sandbox's three emulators over
//! loopback HTTP, an in-memory ledger, both demo tenants' connectors on renewing tokens, demo
//! mappings) with this harness's settings; the control calls the harness makes (faults, clock,
//! state dumps) are the testkit's.

use std::ops::Deref;
use std::time::Duration;

use ledgerbridge_connector::{HttpSettings, RetryPolicy};
use ledgerbridge_core::System;
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_reconcile::SyncRun;
use ledgerbridge_testkit::{Connectors, Holders, LedgerKind, Tokens, WorldOptions};

/// Both tenants, in the order the sandbox lists them.
pub(crate) const SYSTEMS: [System; 2] = [System::QuickBooks, System::Xero];

/// Short timeouts and retry waits: a seed must take about a second, and every injected
/// timeout must surface as an unknown outcome rather than a long wait.
fn harness_http() -> HttpSettings {
    HttpSettings {
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 3,
            min_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(2),
        },
        rate_limit: None,
        ..HttpSettings::default()
    }
}

/// The sandbox, the ledger and the connectors of one seed.
pub(crate) struct World(ledgerbridge_testkit::World);

impl Deref for World {
    type Target = ledgerbridge_testkit::World;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl World {
    /// A fresh world seeded with `data_seed`. Tokens are renewed after a 401 like an OAuth
    /// provider would: the clock moves forward in the scenario, so tokens do expire. Mappings
    /// are set once ServiceTitan is filled (`set_demo_mappings`).
    pub(crate) async fn start(data_seed: u64) -> Self {
        Self(
            ledgerbridge_testkit::World::start(WorldOptions {
                limits: LimitMode::Off,
                seed: data_seed,
                demo_mappings: false,
                tokens: Tokens::Renewing,
                connectors: Connectors::Unpaced(harness_http()),
                ledger: LedgerKind::InMemory,
                ..WorldOptions::default()
            })
            .await,
        )
    }

    /// A run of `system`'s tenant under its lease, as the CLI begins one. A run crashed
    /// in-process (its future dropped) leaves its lease as a killed process does, unless the
    /// dropped guard's clean-up freed it first: to the claim every holder's pid is dead, so the
    /// next run takes such a lease over (and marks the crashed run `interrupted`).
    pub(crate) async fn begin(&self, system: System) -> SyncRun<'_> {
        self.0.begin(system, false, Holders::Dead).await
    }

    /// Stops the three emulators and waits for them.
    pub(crate) async fn shutdown(self) {
        self.0.shutdown().await;
    }
}
