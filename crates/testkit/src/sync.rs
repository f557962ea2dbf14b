//! Syncing one tenant through the public API the CLI uses, and reading what it left in the
//! ledger.

use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{Link, Mapping, MappingKind, RunId};
use ledgerbridge_reconcile::{
    NoProgress, SyncContext, SyncReport, SyncSettings, TenantRun, finish_run, start_run,
    sync_tenant,
};

use crate::World;

impl World {
    /// One sync run of one tenant, through the public API the CLI uses; panics if a remote
    /// failure stopped it.
    pub async fn sync(&self, system: System, settings: &SyncSettings) -> SyncReport {
        let tenant = self.tenant(system).tenant;
        let run = start_run(&self.ledger, settings.dry_run)
            .await
            .expect("run");
        let outcome = self.tenant_run(system, run, settings).await;
        if let Some(e) = &outcome.error {
            panic!("sync of {tenant} stopped: {e}");
        }
        finish_run(&self.ledger, run, settings.dry_run, vec![outcome])
            .await
            .expect("finish")
    }

    /// Like [`World::sync`], but a run stopped by a remote failure is `None`, not a panic.
    pub async fn try_sync(&self, system: System, settings: &SyncSettings) -> Option<SyncReport> {
        let run = start_run(&self.ledger, settings.dry_run)
            .await
            .expect("run");
        let outcome = self.tenant_run(system, run, settings).await;
        let stopped = outcome.error.is_some();
        let report = finish_run(&self.ledger, run, settings.dry_run, vec![outcome])
            .await
            .expect("finish");
        (!stopped).then_some(report)
    }

    /// One tenant's part of run `run` with [`World::settings`], as a future the caller may
    /// drop half-way (the in-process crash of the convergence harness).
    pub async fn sync_once(&self, system: System, run: RunId) -> TenantRun {
        self.tenant_run(system, run, &self.settings).await
    }

    /// One tenant's part of run `run` with `settings`.
    ///
    /// The engine's future is awaited straight from `sync_tenant(..)`, never bound to a local
    /// first: a future bound and then awaited is stored twice in the caller's state, and the
    /// convergence harness keeps several of these at once on one stack.
    pub async fn tenant_run(
        &self,
        system: System,
        run: RunId,
        settings: &SyncSettings,
    ) -> TenantRun {
        let tenant = self.tenant(system);
        match system {
            System::QuickBooks => {
                sendable(sync_tenant(SyncContext {
                    ledger: &self.ledger,
                    run,
                    servicetitan: &self.st_qbo,
                    target: &self.qbo,
                    tenant: &tenant,
                    settings,
                    progress: &NoProgress,
                }))
                .await
            }
            _ => {
                sendable(sync_tenant(SyncContext {
                    ledger: &self.ledger,
                    run,
                    servicetitan: &self.st_xero,
                    target: &self.xero,
                    tenant: &tenant,
                    settings,
                    progress: &NoProgress,
                }))
                .await
            }
        }
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
