//! The test world of ledgerbridge, built once for every suite: [`World::start`] gives the
//! sandbox (the three emulators over loopback HTTP), a ledger, and the demo tenants connected
//! through the real connectors with the demo mappings; its methods are the helpers every e2e
//! suite and bench shared (sync one tenant, read links and mappings, the sandbox's control
//! API and clock).
//!
//! Dev-only: a `[dev-dependencies]` entry of the suites and benches, never a dependency of a
//! product crate (it names the emulators and every vendor crate). This file and [`connect`] are
//! the one place that builds the accounting targets and asks for the demo mappings, so a move of
//! the vendor adapters changes imports here and nowhere else.
//!
//! Each suite keeps a thin wrapper for its own specifics (the web suite's books edits, the
//! convergence harness's population), usually a newtype that derefs to [`World`].

mod connect;
mod control;
mod options;
mod sync;
mod token;

use ledgerbridge_core::System;
use ledgerbridge_ledger::{Ledger, LedgerLocation, LedgerOptions};
use ledgerbridge_reconcile::{SyncSettings, TenantSpec};
use ledgerbridge_sandbox::{Sandbox, SandboxInfo, SandboxOptions};
use ledgerbridge_servicetitan::ServiceTitan;

pub use connect::{QuickBooksTarget, XeroTarget, quick_http};
pub use ledgerbridge_sandbox::{LimitMode, Scenario};
pub use options::{Connectors, LedgerKind, Tenants, Tokens, WorldOptions};
pub use sync::Holders;
pub use token::SandboxToken;

/// The sandbox, a ledger and both demo tenants' connectors. Dropping it stops the emulators
/// and removes the ledger's temporary folder.
pub struct World {
    pub sandbox: Sandbox,
    /// The sandbox's URLs and credentials, typed.
    pub info: SandboxInfo,
    pub ledger: Ledger,
    /// The QuickBooks tenant's ServiceTitan connector.
    pub st_qbo: ServiceTitan,
    /// The Xero tenant's ServiceTitan connector.
    pub st_xero: ServiceTitan,
    pub qbo: QuickBooksTarget,
    pub xero: XeroTarget,
    /// For plain HTTP calls (control API, edits through a vendor's API).
    pub http: reqwest::Client,
    /// The settings of [`World::sync_once`] (the default: the demo month).
    pub settings: SyncSettings,
    /// The tenants [`WorldOptions::tenants`] chose.
    tenants: Tenants,
    /// Holds the ledger's folder for [`LedgerKind::TempDir`].
    _dir: Option<tempfile::TempDir>,
}

impl World {
    /// Starts the sandbox, opens the ledger, builds the connectors and (unless
    /// [`WorldOptions::demo_mappings`] is off) stores the demo mappings of the chosen tenants.
    pub async fn start(options: WorldOptions) -> Self {
        let sandbox = Sandbox::start(SandboxOptions {
            seed: options.seed,
            ..SandboxOptions::for_tests(options.scenario, options.limits)
        })
        .await
        .expect("sandbox starts");
        let info = sandbox.info();
        let (ledger, dir) = open_ledger(options.ledger).await;
        let st = |system| connect::servicetitan(&info, system, &options.connectors);
        let world = Self {
            st_qbo: st(System::QuickBooks),
            st_xero: st(System::Xero),
            qbo: connect::quickbooks(&sandbox, &info, &options),
            xero: connect::xero(&sandbox, &info, &options),
            ledger,
            info,
            sandbox,
            http: reqwest::Client::new(),
            settings: SyncSettings::default(),
            tenants: options.tenants,
            _dir: dir,
        };
        if options.demo_mappings {
            world.set_demo_mappings().await;
        }
        world
    }

    /// The demo tenant that syncs to `system` (QuickBooks or Xero), with its books company.
    pub fn tenant(&self, system: System) -> TenantSpec {
        let (target, company) = match system {
            System::QuickBooks => ("quickbooks", &self.info.quickbooks.realm_id),
            _ => ("xero", &self.info.xero.tenant_id),
        };
        let tenant = self
            .info
            .servicetitan
            .tenant_for(target)
            .unwrap_or_else(|| panic!("the sandbox has a {target} tenant"));
        TenantSpec {
            tenant: tenant.tenant_id.to_string(),
            target: system,
            company: company.clone(),
        }
    }

    /// The systems of the tenants this world was started with, QuickBooks first.
    pub fn systems(&self) -> Vec<System> {
        self.tenants.systems()
    }

    /// The tenant's ServiceTitan connector.
    pub fn servicetitan(&self, system: System) -> &ServiceTitan {
        match system {
            System::QuickBooks => &self.st_qbo,
            _ => &self.st_xero,
        }
    }

    /// Stops the three emulators and waits for them (dropping the world stops them too).
    pub async fn shutdown(self) {
        self.sandbox.shutdown().await;
    }

    /// Maps every ServiceTitan value of the chosen tenants to a sensible choice of their books
    /// (what `init --sandbox` stores). Call it again after filling ServiceTitan.
    pub async fn set_demo_mappings(&self) {
        let mut rows = Vec::new();
        for system in self.systems() {
            let tenant = self.tenant(system).tenant;
            rows.extend(connect::demo_mappings(self, system, &tenant).await);
        }
        self.ledger
            .mappings()
            .upsert_all(&rows)
            .await
            .expect("mappings stored");
    }
}

async fn open_ledger(kind: LedgerKind) -> (Ledger, Option<tempfile::TempDir>) {
    let (location, dir) = match kind {
        LedgerKind::InMemory => (LedgerLocation::InMemory, None),
        LedgerKind::TempDir => {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let path = dir.path().join("ledgerbridge.db");
            (LedgerLocation::File(path), Some(dir))
        }
    };
    let ledger = Ledger::open(location, LedgerOptions::default())
        .await
        .expect("ledger");
    (ledger, dir)
}
