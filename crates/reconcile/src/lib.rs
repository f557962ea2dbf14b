//! The sync engine of ledgerbridge: ServiceTitan to QuickBooks Online or Xero, through the
//! outbox of the mapping ledger.
//!
//! One run of one tenant ([`sync_tenant`]):
//!
//! 1. **Recover.** Requests an earlier run recorded but never settled are replayed with their
//!    stored idempotency key and exact bytes, then looked up (DocNumber, InvoiceNumber,
//!    ContactNumber) before anything new is planned; a create is never sent blindly twice.
//! 2. **Pull.** The ServiceTitan export feeds (customers, invoices, payments) are read from
//!    their durable cursors. A cursor moves only in the ledger transaction that also records
//!    what its page left undone ([`parked`]), after the page's writes are settled.
//! 3. **Plan.** Per record: its link and base snapshot decide create / update / void / no-op
//!    (our own writes coming back are no-ops); unlinked records pass eligibility
//!    ([`eligibility`]), mappings ([`mapping`]), customer matching ([`matching`]) and the
//!    pre-existing invoice check (same number, customer and total: linked, not duplicated).
//!    A record that cannot be written is **blocked** with a reason, parked, and retried next
//!    run; the run goes on.
//! 4. **Apply.** Writes are batched per kind at the target's limit; the operation rows and the
//!    request row are committed before the request goes out ([`AccountingTarget`]).
//! 5. **Verify.** What the remote stored (ids, line ids, version, total, tax) becomes the base
//!    snapshot; a total or tax that differs from ServiceTitan's is reported. Synced invoices
//!    and payments are marked exported in ServiceTitan.
//! 6. **Report.** [`SyncReport`] is the JSON of `ledgerbridge sync --format json`; its counts
//!    go on the run row.
//!
//! # Design decisions
//!
//! * **The trait is the engine's, not a vendor's.** [`AccountingTarget`] speaks canonical
//!   records and resolved mapping choices; the adapters in [`targets`] translate to each
//!   connector's public API. The engine never sees a QuickBooks fault or a Xero element.
//! * **Blocked is not failed.** Unmapped values, customers awaiting review, closed periods and
//!   partial matches block one record with a clear reason ("unmapped SKU …", "period closed
//!   …"); only what stops the tenant (reconnect needed, the ledger, a remote down) is a
//!   [`SyncError`].
//! * **Dry run writes nothing anywhere**: no remote write, no link, snapshot, operation,
//!   cursor or event; only the run row, flagged dry.
//! * **Logs carry ids**; names, emails and addresses stay out of logs and events (matching
//!   evidence is recorded as field names and a confidence).

pub mod eligibility;
mod engine;
mod error;
pub mod links;
pub mod mapping;
pub mod matching;
pub mod parked;
mod remote;
pub mod report;
pub mod sandbox;
mod settings;
pub mod target;
pub mod targets;
pub mod unmapped;

pub use engine::{
    NoProgress, Progress, SyncContext, TenantRun, finish_run, start_run, sync_tenant,
};
pub use error::SyncError;
pub use report::{BlockedRecord, Counts, SyncReport, TargetReport};
pub use settings::{ExportId, MappingDefaults, SyncSettings, TenantSpec};
pub use target::AccountingTarget;
pub use targets::{AnyTarget, QuickBooksTarget, XeroTarget};
