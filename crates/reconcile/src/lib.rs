//! The sync engine of ledgerbridge: ServiceTitan to QuickBooks Online or Xero, through the
//! outbox of the mapping ledger.
//!
//! A run ([`SyncRun`]) holds the leases of its tenants (one live sync per tenant), the run row
//! and the report; within it, each tenant's sync ([`sync_tenant`]) goes:
//!
//! 1. **Recover.** Requests an earlier run recorded but never settled are replayed with their
//!    stored idempotency key and exact bytes, then looked up (DocNumber, InvoiceNumber,
//!    ContactNumber) before anything new is planned; a create is never sent blindly twice.
//! 2. **Resolutions, then the books.** Resolved conflicts not yet applied are applied (both
//!    systems written, new base, marked applied); then invoices changed in the books since
//!    their own cursor are merged three ways with ServiceTitan's version against the base
//!    ([`invoice_merge`]): accountant edits reach ServiceTitan through its API where it can take
//!    them, the rest becomes one open conflict per record, which freezes that record.
//! 3. **Pull.** The ServiceTitan export feeds (customers, invoices, payments) are read from
//!    their durable cursors. A cursor moves only in the ledger transaction that also records
//!    what its page left undone ([`parked`]), after the page's writes are settled.
//! 4. **Plan.** Per record: its link and base snapshot decide create / update / void / no-op
//!    (our own writes coming back are no-ops; a change of a linked invoice the books also
//!    changed goes through the same merge instead of overwriting it); unlinked records pass
//!    eligibility ([`eligibility`]), mappings ([`mapping`]), customer matching ([`matching`]) and the
//!    pre-existing invoice check (same number, customer and total: linked, not duplicated).
//!    A record that cannot be written is **blocked** with a reason, parked, and retried next
//!    run; the run goes on.
//! 5. **Apply.** Writes are batched per kind at the target's limit; the operation rows and the
//!    request row are committed before the request goes out ([`Target`]).
//! 6. **Verify.** What the remote stored (ids, line ids, version, total, tax) becomes the base
//!    snapshot; a total or tax that differs from ServiceTitan's is reported. Synced invoices
//!    and payments are marked exported in ServiceTitan.
//! 7. **Report.** [`SyncReport`] is the JSON of `ledgerbridge sync --format json`; its counts
//!    go on the run row.
//!
//! **Back from the books.** After the ServiceTitan feeds, the payments recorded in the books
//! since their own cursor are pulled ([`Target::payment_changes`]): one linked by
//! its id is the bridge's own write (a no-op); one paying only linked invoices with a mapped
//! payment method becomes one ServiceTitan payment through the outbox, carrying a stable id
//! ([`books_payments`]) that settles an unknown outcome by look-up; the rest is blocked and parked.
//! Unfinished ServiceTitan creates are looked up in step 1.
//!
//! # Design decisions
//!
//! * **The traits are the engine's, not a vendor's.** The engine is generic over
//!   `ledgerbridge_protocol`'s [`Source`] (ServiceTitan) and [`Target`] (the books), which
//!   speak canonical records and resolved mapping choices; each vendor crate implements its
//!   side, and this crate names none of them (only the CLI and tests do). The engine never
//!   sees a QuickBooks fault or a Xero element.
//! * **Two-way by merge, not by last writer.** Both systems' versions are compared with the
//!   base snapshot over the fields both carry; what only one side changed flows to the other,
//!   what both changed settles by policy or becomes one open conflict per record, which
//!   freezes the record on both sides until a person resolves it; the next run applies the
//!   resolution idempotently (docs/conflicts.md).
//! * **Blocked is not failed.** Unmapped values, customers awaiting review, closed periods and
//!   partial matches block one record with a clear reason ("unmapped SKU …", "period closed
//!   …"); only what stops the tenant (reconnect needed, the ledger, a remote down) is a
//!   [`SyncError`].
//! * **Dry run writes nothing anywhere**: no remote write, no link, snapshot, operation,
//!   cursor or event; only the run row, flagged dry.
//! * **Logs carry ids**; names, emails and addresses stay out of logs and events (matching
//!   evidence is recorded as field names and a confidence).
//!
//! [`Source`]: ledgerbridge_protocol::Source
//! [`Target`]: ledgerbridge_protocol::Target
//! [`Target::payment_changes`]: ledgerbridge_protocol::Target::payment_changes

pub mod books_payments;
pub mod eligibility;
mod engine;
mod error;
pub mod invoice_merge;
pub mod links;
pub mod mapping;
pub mod matching;
pub mod parked;
pub mod plan;
pub mod report;
mod run;
mod settings;
pub mod unmapped;

pub use engine::{NoProgress, Progress, SyncContext, TenantRun, sync_tenant};
pub use error::SyncError;
pub use plan::{PlanAction, PlanEntry, PlannedWrite};
pub use report::{BlockedRecord, Counts, SyncReport, TargetReport};
pub use run::{RunClaim, RunStop, SyncRun};
pub use settings::{ExportId, MappingDefaults, SyncScope, SyncSettings, TenantSpec};
