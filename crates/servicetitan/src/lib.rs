//! The ServiceTitan connector: client-credentials auth, export feeds, CRM and accounting
//! endpoints, mark-as-exported, and mapping to the canonical model.
//!
//! Written from `shared/api/servicetitan.md` (the API facts), not from the emulator, so a
//! shared misunderstanding cannot hide. Design decisions:
//!
//! * **All HTTP goes through `ledgerbridge-connector`'s layer**: per-tenant pacing at the
//!   documented 60 calls/s, retries only for repeatable calls (any call after a 429, which
//!   never ran), one retry loop for the throttled token endpoint, tokens cached and renewed
//!   before their 900 s expiry with one request in flight. Every call carries `ST-App-Key`
//!   (a sensitive header) and `Authorization: Bearer …`.
//! * **Export feeds for sync, paged lists for backfills and look-ups.** Feeds are read from a
//!   stored `continueFrom` with `includeRecentChanges=true` by default (no 15-minute lag;
//!   the duplicates that brings are dropped by id + `modifiedOn`). Lists use `sort=+Id` and
//!   the largest page size (5000) so a 10,000-invoice tenant is two requests.
//! * **A malformed record is quarantined with its reason**, never a failed page; so is a
//!   record whose related data (its items, its contacts, its location's tax zone) could not
//!   be read. Paged lists and feeds report how many duplicates they dropped.
//! * **Voids flow.** Export feeds carry voided records; the payment list, whose 2025 items
//!   have no `active` field, is read as an active pass and a voided pass so a voided payment
//!   comes back as `Voided`, not missing or `Posted`.
//! * **ServiceTitan's amounts are the truth**: parsed exactly (strings and numbers, never a
//!   float), taken as stated, tax split over a zone's component rates by largest remainder
//!   (the zone named by the invoice or its sales tax code, else its service location's).
//! * **Unconfirmed endpoints are treated as such** (API facts §10): payment creation may be
//!   gone; a 404/405 there is "not supported for this tenant", not an error to retry. The bulk
//!   contacts list falls back to per-customer reads when a tenant does not serve it.
//! * **The engine reads it through `ledgerbridge_protocol::Source`** (`source`), implemented
//!   over the inherent methods; the reference lists convert from their wire shapes.

mod client;
mod config;
mod connect;
mod entities;
mod feeds;
mod lookups;
mod map;
mod read;
mod sanity;
mod source;
pub mod wire;
mod write;

pub use client::{ServiceTitan, load_credentials, secret_names};
pub use config::{Credentials, Endpoints, Environment, ServiceTitanConfig};
pub use connect::{ConnectRequest, Connection, connect};
pub use feeds::Page;
pub use ledgerbridge_protocol::NewPayment;
pub use read::Location;
pub use wire::invoice::{AdjustmentInvoice, InvoiceItemPatch, InvoicePatch};
pub use wire::reference::{BusinessUnit, GlAccount, PaymentType, TaxRate, TaxZone};
