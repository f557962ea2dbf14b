//! Syncing one tenant through the public API the CLI uses, and reading what it left in the
//! ledger.

use std::time::Duration;

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{LeaseClaim, Link, Mapping, MappingKind};
use ledgerbridge_reconcile::{
    NoProgress, RunClaim, SyncContext, SyncReport, SyncRun, SyncSettings, TenantRun,
};

use crate::World;

/// Whether the holder of a lease found in the ledger is alive, as the claim judges it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holders {
    /// Every holder is alive (this process): a held lease refuses the run, as for the CLI.
    Alive,
    /// Every holder is dead: a lease left by a run crashed in-process (its future dropped) is
    /// taken over, as the CLI takes over the lease of a killed process.
    Dead,
}

impl World {
    /// A run of `system`'s tenant under its lease, begun as the CLI begins one.
    pub async fn begin(&self, system: System, dry_run: bool, holders: Holders) -> SyncRun<'_> {
        let tenants = [self.tenant(system).tenant];
        let alive: &(dyn Fn(u32) -> bool + Sync) = match holders {
            Holders::Alive => &|_| true,
            Holders::Dead => &|_| false,
        };
        let claim = RunClaim {
            tenants: &tenants,
            dry_run,
            lease: LeaseClaim {
                pid: std::process::id(),
                host: "testkit",
                run: None,
                stale_after: Duration::from_secs(3_600),
                is_alive: alive,
            },
        };
        SyncRun::begin(&self.ledger, &claim)
            .await
            .expect("no other live run holds the tenant's lease")
    }

    /// One sync run of one tenant, through the public API the CLI uses; panics if a remote
    /// failure stopped it.
    pub async fn sync(&self, system: System, settings: &SyncSettings) -> SyncReport {
        let tenant = self.tenant(system).tenant;
        let mut run = self.begin(system, settings.dry_run, Holders::Alive).await;
        let stopped = self.tenant_run(&mut run, system, settings).await;
        if let Some(e) = stopped {
            panic!("sync of {tenant} stopped: {e}");
        }
        run.finish(None).await.expect("finish")
    }

    /// Like [`World::sync`], but a run stopped by a remote failure is `None`, not a panic.
    pub async fn try_sync(&self, system: System, settings: &SyncSettings) -> Option<SyncReport> {
        let mut run = self.begin(system, settings.dry_run, Holders::Alive).await;
        let stopped = self.tenant_run(&mut run, system, settings).await.is_some();
        let report = run.finish(None).await.expect("finish");
        (!stopped).then_some(report)
    }

    /// One tenant's part of `run` with [`World::settings`], as a future the caller may drop
    /// half-way (the in-process crash of the convergence harness); what stopped it, if
    /// anything did.
    pub async fn sync_once(&self, run: &mut SyncRun<'_>, system: System) -> Option<String> {
        self.tenant_run(run, system, &self.settings).await
    }

    /// One tenant's part of `run` with `settings`: what stopped it, if anything did (its
    /// report is in [`SyncRun::tenants`]).
    ///
    /// The engine's future is awaited straight from `run.tenant(..)`, never bound to a local
    /// first: a future bound and then awaited is stored twice in the caller's state, and the
    /// convergence harness keeps several of these at once on one stack.
    pub async fn tenant_run(
        &self,
        run: &mut SyncRun<'_>,
        system: System,
        settings: &SyncSettings,
    ) -> Option<String> {
        let tenant = self.tenant(system);
        let id = run.id();
        let outcome: &TenantRun = match system {
            System::QuickBooks => {
                sendable(run.tenant(SyncContext {
                    ledger: &self.ledger,
                    run: id,
                    servicetitan: &self.st_qbo,
                    target: &self.qbo,
                    tenant: &tenant,
                    settings,
                    progress: &NoProgress,
                }))
                .await
            }
            _ => {
                sendable(run.tenant(SyncContext {
                    ledger: &self.ledger,
                    run: id,
                    servicetitan: &self.st_xero,
                    target: &self.xero,
                    tenant: &tenant,
                    settings,
                    progress: &NoProgress,
                }))
                .await
            }
        };
        outcome.error.as_ref().map(ToString::to_string)
    }

    /// The tenant's links, of one entity or all.
    pub async fn links(&self, system: System, entity: Option<EntityKind>) -> Vec<Link> {
        let tenant = self.tenant(system).tenant;
        self.ledger
            .links()
            .list(&tenant, entity)
            .await
            .expect("links read")
    }

    /// Removes one mapping (to make a value unmapped); panics unless it was mapped.
    pub async fn unmap(&self, system: System, kind: MappingKind, source: &str) {
        let t = self.tenant(system);
        let removed = self
            .ledger
            .mappings()
            .remove(&t.tenant, system, kind, source)
            .await
            .expect("remove");
        assert!(removed, "{kind} {source} was mapped");
    }

    /// One mapping; panics unless it is mapped.
    pub async fn mapping(&self, system: System, kind: MappingKind, source: &str) -> Mapping {
        let t = self.tenant(system);
        self.ledger
            .mappings()
            .get(&t.tenant, system, kind, source)
            .await
            .expect("read")
            .expect("mapped")
    }
}

/// The CLI may run tenants on spawned tasks: the engine's future must be Send.
fn sendable<F: Future + Send>(future: F) -> F {
    future
}
