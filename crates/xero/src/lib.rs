//! The Xero connector: organisation (tenant) selection and scopes, paged incremental reads,
//! batched keyed writes with per-element results, ServiceTitan's tax written to the cent,
//! Xero's minute and day limits respected, and mapping to and from the canonical model.
//!
//! Written from `shared/api/xero.md` and the official OpenAPI, not from the emulator, so a
//! shared misunderstanding cannot hide. Design decisions:
//!
//! * **All HTTP goes through `ledgerbridge-connector`'s layer**, with a token from any
//!   [`TokenProvider`] (the OAuth auth-code provider in production). Every accounting call
//!   carries `xero-tenant-id` and `Accept: application/json` (Xero answers XML otherwise).
//! * **The minute is paced, the day is guarded** ([`limits`]): 60 calls a minute through the
//!   layer's token bucket, at most 5 in flight; the remaining-calls headers are read from every
//!   answer; a 429 for the day becomes "daily limit reached, resumes at …" and later calls are
//!   refused locally until then; below a reserve, nothing is retried automatically.
//! * **Reads walk by time, not by page number** ([`read`]): `If-Modified-Since`, pages of
//!   1000, an overlap window before the stored cursor, and dedupe by id + `UpdatedDateUTC`,
//!   so records changing during a walk cannot slip between pages.
//! * **Writes are the ledger's request rows** ([`mod@write`]): a [`WriteBatch`] is method, path and
//!   exact body bytes, sent with the row's `Idempotency-Key` and `summarizeErrors=false`; the
//!   answer is one [`ElementResult`] per element, by index. A lost answer is replayed byte for
//!   byte inside Xero's idempotency window and looked up (InvoiceNumber, ContactNumber, …)
//!   after it — a create is never sent twice. Creates use `PUT`, which cannot overwrite.
//! * **Xero's rules are checked before sending** ([`write::check_paid_edit`],
//!   [`write::check_lock_date`], [`write::status_change`]), so a paid invoice's frozen fields,
//!   a locked period or a void that needs payments removed is reported once, clearly, not
//!   retried every run. Xero's own refusals are classified the same way
//!   ([`XeroRejectionKind`]).
//! * **ServiceTitan's money is the truth** ([`map`]): line amounts reproduced exactly by
//!   `Quantity x UnitAmount` at Xero's 4 decimals, the invoice's tax spread over its taxable
//!   lines as `TaxAmount` by largest remainder, so Xero's total equals ServiceTitan's to the
//!   cent; amounts parsed and written as exact decimal text, never floats.
//! * **Customers are found by id, not by name**: `ContactNumber` = `ST-{id}`; a second
//!   "John Smith" gets a readable, stable disambiguated name.
//! * **Least privilege** ([`scopes`]): granular scopes for new apps, the classic ones as a
//!   fallback, always `offline_access`, never identity or settings-write scopes.
//!
//! * **OAuth is the shared machinery** (`ledgerbridge_connector::oauth`: state, PKCE,
//!   loopback listener, rotation persisted before use); [`mod@connect`] adds what is Xero's:
//!   scopes, PKCE on, lifetimes, and the organisation chosen from `/connections`. The
//!   connector itself takes any [`TokenProvider`], so tests and benchmarks use fixed tokens.
//! * **The engine's side is [`XeroTarget`]** ([`mod@target`]): `ledgerbridge_protocol::Target`
//!   on this crate's public API, so the engine names no vendor crate.

pub mod config;
pub mod connect;
pub mod doctor;
pub mod limits;
pub mod map;
pub mod read;
pub mod reference;
pub mod scopes;
pub mod target;
pub mod tenants;
pub mod wire;
pub mod write;

mod client;

pub use client::{MAX_IDEMPOTENCY_KEY, Xero};
pub use config::{Endpoints, Environment, XeroConfig, is_loopback};
pub use connect::{
    ConnectError, ConnectRequest, Connected, XeroApp, connect, disconnect, from_store,
};
pub use doctor::{Diagnosis, MappingProblem, check_mappings};
pub use ledgerbridge_connector::TokenProvider;
pub use limits::{Budget, DailyLimit};
pub use map::{MapError, Mappings};
pub use read::{ChangeWalk, Changes};
pub use reference::ReferenceData;
pub use scopes::ScopeStyle;
pub use target::XeroTarget;
pub use tenants::{TenantChoice, TenantError, choose_tenant, delete_connection, list_connections};
pub use write::{
    BatchKind, BatchResult, Blocked, ElementResult, MAX_BATCH, StatusChange, WriteBatch,
    XeroRejection, XeroRejectionKind, XeroSaved,
};
