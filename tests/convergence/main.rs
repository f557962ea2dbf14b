//! Fault convergence: after any mix of failures, the books end up exactly right.
//!
//! Deterministic-simulation style (TigerBeetle's VOPR, FoundationDB's simulator): a seed
//! drives the emulators' fault schedules (5xx, 429 bursts, timeouts, lost-after-commit,
//! latency), where a sync is crashed and which edits a person makes between syncs; then the
//! faults stop, syncs run until one writes nothing, and the invariants of [`invariants`] are
//! checked. `FAULT_SEEDS=N` runs N seeds (default 100), `FAULT_SEED=S` replays one; a failing
//! seed is printed with its replay command.
//!
//! * [`faults`]: the in-process harness (crashes are the sync future dropped at a seeded
//!   poll), both demo tenants (QuickBooks and Xero), about 30 invoices each.
//! * [`kill9`]: the real binary killed with SIGKILL at seeded times during `sync`
//!   (including around token refreshes), restarted until done; same invariants, plus the
//!   stale lease of a killed process not blocking the restart, and a second sync exiting 4.
//! * [`bad_data`]: malformed records from ServiceTitan are quarantined with a reason and the
//!   run goes on.
//!
//! The world ([`populate`]) is small on purpose: ServiceTitan starts empty and gets 6
//! customers, 30 invoices and their payments per tenant through its API, so a seed costs about
//! a second in a debug build. Edits are made through the vendors' APIs ([`edits`] on the
//! ServiceTitan side, [`books_edits`] on the books' side). See `docs/reliability.md`.

mod bad_data;
mod books;
mod books_edits;
mod edits;
mod faults;
mod invariants;
mod kill9;
mod populate;
mod scenario;
mod seeds;
mod world;
