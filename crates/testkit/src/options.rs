//! How to start a [`crate::World`].

use std::time::Duration;

use ledgerbridge_connector::HttpSettings;
use ledgerbridge_core::System;
use ledgerbridge_sandbox::{LimitMode, Scenario};

/// How to start a [`crate::World`]. The default: the demo scenario with relaxed limits and
/// seed 42, both tenants with their demo mappings, fixed tokens, quick unpaced connectors and a
/// file ledger in a temporary folder.
#[derive(Clone, Debug)]
pub struct WorldOptions {
    pub scenario: Scenario,
    /// The emulators' limits.
    pub limits: LimitMode,
    /// The sandbox's data seed.
    pub seed: u64,
    /// Whose demo mappings [`crate::World::set_demo_mappings`] stores.
    pub tenants: Tenants,
    /// Store the demo mappings at start (off: the caller fills ServiceTitan first, then calls
    /// [`crate::World::set_demo_mappings`]).
    pub demo_mappings: bool,
    pub tokens: Tokens,
    pub connectors: Connectors,
    pub ledger: LedgerKind,
}

impl Default for WorldOptions {
    fn default() -> Self {
        Self {
            scenario: Scenario::Demo,
            limits: LimitMode::Relaxed,
            seed: 42,
            tenants: Tenants::Both,
            demo_mappings: true,
            tokens: Tokens::Fixed,
            connectors: Connectors::Unpaced(crate::quick_http()),
            ledger: LedgerKind::TempDir,
        }
    }
}

/// Which demo tenants the world sets up. Both tenants' connectors are always built (that
/// makes no network call); this chooses whose mappings are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tenants {
    Both,
    QuickBooks,
    Xero,
}

impl Tenants {
    /// The systems chosen, QuickBooks first (the sandbox's order).
    pub fn systems(self) -> Vec<System> {
        match self {
            Self::Both => vec![System::QuickBooks, System::Xero],
            Self::QuickBooks => vec![System::QuickBooks],
            Self::Xero => vec![System::Xero],
        }
    }
}

/// The books' access tokens, issued straight by the emulators (the consent shortcut).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tokens {
    /// One token issued at start and never renewed: a test that moves the clock past its
    /// expiry sees the 401.
    Fixed,
    /// A new token after every 401, as an OAuth provider's refresh would give: for worlds
    /// whose clock moves forward.
    Renewing,
}

/// The connectors' HTTP settings and local pacing.
#[derive(Clone, Debug)]
pub enum Connectors {
    /// These settings for all three connectors, and no local pacing (QuickBooks'
    /// `Limits::none()`): what the e2e suites use, with short retry waits.
    Unpaced(HttpSettings),
    /// Each connector's production settings and local pacing, with this request timeout
    /// (benchmarks against the emulators' real limits).
    Paced { timeout: Duration },
}

/// Where the ledger lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LedgerKind {
    /// A SQLite file in a temporary folder removed with the world (what production runs).
    TempDir,
    /// A private in-memory database: no fsync, the fastest.
    InMemory,
}
