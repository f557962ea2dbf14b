//! What the engine plugs into the UI: what happens after a resolution is recorded, which
//! target values a mapping may take, and which unmapped values block records.
//!
//! Each is a trait with a default that does the honest minimum without a remote (the write
//! happens on the next sync; mapping targets are typed by hand; unmapped values are read from
//! the ledger alone), so the UI works on a bare ledger and
//! `reconcile` can plug in the real behaviour without touching a handler. They return boxed
//! futures so they can live behind `Arc<dyn ..>` in the shared state.

use std::future::Future;
use std::pin::Pin;

use std::collections::HashMap;

use ledgerbridge_core::System;
use ledgerbridge_ledger::{Conflict, Ledger, LedgerError, MappingKind};

/// A boxed, sendable future (what the plug-in traits return).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What became of a resolution after the ledger recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterResolve {
    /// Nothing was written yet: the next sync writes the chosen values to both systems.
    NextSync,
    /// The hook wrote the values already; `detail` says what (ids only).
    Applied {
        /// Shown to the person who resolved.
        detail: String,
    },
    /// The hook tried and failed; the resolution stays recorded and the next sync retries.
    Failed {
        /// Why (an error kind, never customer data).
        reason: String,
    },
}

/// Called after the ledger recorded a resolution (and its audit event).
pub trait ResolutionHook: Send + Sync + 'static {
    /// Reacts to the resolved conflict, e.g. by scheduling a sync of its record.
    fn resolved<'a>(&'a self, conflict: &'a Conflict) -> BoxFuture<'a, AfterResolve>;
}

/// The default hook: does nothing, because the two-way engine applies recorded resolutions on
/// its next run.
#[derive(Clone, Copy, Debug, Default)]
pub struct ApplyOnNextSync;

impl ResolutionHook for ApplyOnNextSync {
    fn resolved<'a>(&'a self, _conflict: &'a Conflict) -> BoxFuture<'a, AfterResolve> {
        Box::pin(async { AfterResolve::NextSync })
    }
}

/// One value a mapping may point at, as the accounting system lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingChoice {
    /// The id stored in the mapping (QBO item id, Xero item code, account code, ...).
    pub value: String,
    /// What a person recognises it by.
    pub label: String,
}

/// Lists the values a mapping of `kind` may take in the tenant's accounting system.
pub trait MappingChoices: Send + Sync + 'static {
    /// The choices; an empty list means "type the value" (nothing to choose from is known).
    /// An error is shown beside the form and the value can still be typed.
    fn choices<'a>(
        &'a self,
        tenant: &'a str,
        target_system: System,
        kind: MappingKind,
    ) -> BoxFuture<'a, Result<Vec<MappingChoice>, String>>;
}

/// The default: no choices known, so targets are typed.
#[derive(Clone, Copy, Debug, Default)]
pub struct TypedTargets;

impl MappingChoices for TypedTargets {
    fn choices<'a>(
        &'a self,
        _tenant: &'a str,
        _target_system: System,
        _kind: MappingKind,
    ) -> BoxFuture<'a, Result<Vec<MappingChoice>, String>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

/// A ServiceTitan value that blocks records because nothing maps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockingValue {
    /// The ServiceTitan tenant.
    pub tenant: String,
    /// The tenant's accounting system.
    pub target_system: System,
    /// Which mapping is missing.
    pub kind: MappingKind,
    /// The ServiceTitan value.
    pub source: String,
    /// How many waiting records it blocks.
    pub blocked: usize,
}

/// Lists the unmapped values that block records (what `ledgerbridge mappings unmapped` shows),
/// for the dashboard. An error is shown on the dashboard instead of the list.
pub trait UnmappedValues: Send + Sync + 'static {
    /// Every blocking value of every tenant of `ledger`.
    fn unmapped<'a>(
        &'a self,
        ledger: &'a Ledger,
    ) -> BoxFuture<'a, Result<Vec<BlockingValue>, String>>;
}

/// The default: the parked records of every tenant with an accounting connection, resolved
/// against the ledger's mappings without calling any remote. Without ServiceTitan's tax-zone
/// list, a tax zone is named by the invoice's first tax line; `ledgerbridge serve` plugs in a
/// source that reads the zones as the engine does.
#[derive(Clone, Copy, Debug, Default)]
pub struct LedgerUnmapped;

impl LedgerUnmapped {
    /// The blocking values of the ledger's tenants, with each tenant's tax-zone index from
    /// `zones` (rate id `st:N` -> zone name; empty when unknown).
    pub async fn list(
        ledger: &Ledger,
        zones: impl Fn(&str) -> HashMap<String, String>,
    ) -> Result<Vec<BlockingValue>, LedgerError> {
        let mut out = Vec::new();
        let mut connections = ledger.connections().list().await?;
        connections.retain(|c| c.system.is_accounting());
        connections.sort_by(|a, b| a.tenant.cmp(&b.tenant));
        for c in connections {
            let counts = ledgerbridge_reconcile::unmapped::unmapped_counts(
                ledger,
                &c.tenant,
                c.system,
                ledgerbridge_reconcile::MappingDefaults::default(),
                zones(&c.tenant),
            )
            .await?;
            out.extend(counts.into_iter().map(|(u, blocked)| BlockingValue {
                tenant: c.tenant.clone(),
                target_system: c.system,
                kind: u.kind,
                source: u.value,
                blocked,
            }));
        }
        Ok(out)
    }
}

impl UnmappedValues for LedgerUnmapped {
    fn unmapped<'a>(
        &'a self,
        ledger: &'a Ledger,
    ) -> BoxFuture<'a, Result<Vec<BlockingValue>, String>> {
        Box::pin(async move {
            Self::list(ledger, |_| HashMap::new())
                .await
                .map_err(|e| e.to_string())
        })
    }
}
