//! What the engine plugs into the UI: what happens after a resolution is recorded, and which
//! target values a mapping may take.
//!
//! Both are traits with a default that does the honest minimum today (the write happens on the
//! next sync; mapping targets are typed by hand), so the UI works on a bare ledger and
//! `reconcile` can plug in the real behaviour without touching a handler. They return boxed
//! futures so they can live behind `Arc<dyn ..>` in the shared state.

use std::future::Future;
use std::pin::Pin;

use ledgerbridge_core::System;
use ledgerbridge_ledger::{Conflict, MappingKind};

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
