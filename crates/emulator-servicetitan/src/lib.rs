//! A local emulator of the ServiceTitan v2 REST API, written from the API facts in
//! `shared/api/servicetitan.md` and the portal specs copied into `spec/` (see
//! `spec/SOURCE.md`), never from connector code. One emulator serves both demo tenants of
//! `demo_world::TENANTS`.
//!
//! # Surface
//!
//! * `POST /connect/token` — client credentials (form body, or HTTP Basic as IdentityServer
//!   also accepts); `{access_token, expires_in: 900, token_type: "Bearer", scope}`; bad
//!   credentials -> 400 `{"error":"invalid_client"}`. Throttled generously
//!   (600 per client per minute in `real` mode): servicepytan fetches a token per call.
//! * Every `/{module}/v2/tenant/{tenant}/...` route needs the app key (`ST-App-Key` header or
//!   `servicetitanapplicationkey` query parameter) and a token (`Authorization: Bearer <t>` or
//!   the bare token, as the official example and servicepytan send it). Missing/invalid key or
//!   token, or an expired token (sandbox clock) -> 401; a token of another tenant -> 403.
//!   Then 60 requests per second per app per tenant (x100 in `relaxed`, none in `off`);
//!   beyond it a 429 with `Retry-After` and a title ending "try again in N seconds.".
//! * CRM: customers (list, get, create, PATCH), `/customers/{id}/contacts` (list, create),
//!   locations (list, get), `/export/customers`, `/export/customers/contacts`,
//!   `/export/locations`.
//! * Accounting: invoices (list with the 2025 filters, PATCH, item PATCH/DELETE, adjustment
//!   create, `markasexported`), payments (list, create, PATCH, `POST /payments/status`),
//!   payment types, tax zones, GL accounts (list, get, create, PATCH), `/export/invoices`,
//!   `/export/invoice-items`, `/export/payments`.
//! * Settings: `/settings/v2/tenant/{tenant}/business-units` (list, get), from compwright's
//!   settings spec (the API facts have none; see `spec/SOURCE.md`).
//! * `/_sandbox/{info,state,reset,clock,faults}` (the framework's control API), and for what
//!   only a person can do in the ServiceTitan UI: `POST /_sandbox/servicetitan/{tenant}/
//!   invoices/{id}/void` (`active: false`), `POST …/invoices/{id}/post` (Pending -> Posted),
//!   and `POST …/bulk-invoices {"count": N}` (volume data, also
//!   [`EmulatorState::seed_bulk_invoices`]). For connector tests only, `POST
//!   /_sandbox/servicetitan/{tenant}/malformed {"entity", "id", "patch"}` serves one invoice,
//!   payment, customer, contact or location malformed from then on (`patch` is an RFC 7386
//!   merge patch over its JSON: `{"total": "one hundred"}`, `{"createdOn": null}`) in its
//!   list, look-up and export feed, so a connector's quarantine can be proven against the
//!   emulator itself. None of these is behind auth, limits or faults.
//!
//! # Trying it
//!
//! `cargo run -p ledgerbridge-emulator-servicetitan --example serve-servicetitan -- 8701` prints
//! `{"servicetitan": {...}}`; `smoke/smoke.py` drives it with servicepytan.
//!
//! # Deliberate choices where the facts are silent (§10 of the API facts)
//!
//! * Errors (401, 403, 404, 409, 415, 429, 5xx) all use `ApiErrorResponse`
//!   (`type, title, status, traceId, errors, data`), `data` an object (`{}` unless there is
//!   something to add, e.g. `retryAfterSeconds` on a 429), `traceId` W3C-shaped.
//! * Lists: `page` from 1, `pageSize` default 50 and clamped to 5000, `page < 1` or
//!   `pageSize < 1` -> 400, a page past the end is empty with `hasMore: false`; `totalCount`
//!   is `null` unless `includeTotal=true`; default order is ascending id (stable paging).
//!   `ids` accepts at most 50 ids. Query names are case-insensitive, unknown ones ignored,
//!   bodies on GET ignored.
//! * Invoice list returns active and inactive invoices unless `activeState` says otherwise
//!   (the 2025 spec has no active filter and each record says `active`); payment list leaves
//!   voided payments out unless `activeState` asks (its records have no `active` field).
//! * Exports: opaque tokens bound to their feed, 250 records per response, a record changed
//!   again reappears later; hidden while younger than 15 minutes (sandbox clock) unless
//!   `includeRecentChanges=true`.
//! * `markasexported`: per-item results; Posted or Exported -> `Exported` with `exportId =
//!   externalId` and a new `modifiedOn` (so it shows in the export feed again: connectors
//!   must recognise their own echo); Pending or unknown -> `success: false` with a message;
//!   repeating is a success. Exported invoices stay editable and keep their status.
//! * PATCH of invoices and items, `POST /payments/status`: 200 with an empty body (the spec
//!   has no response schema). `POST /payments/status` is all-or-nothing.
//! * Payment create (absent from the 2026 spec, present in 2025) is emulated as in 2025:
//!   `typeId` + `splits:[{invoiceId, amount}]`, all invoices of one customer, new payments
//!   `Pending` unless `status` is given; a split without `invoiceId` is unapplied credit.
//!   Applying a payment does not change the invoice's `modifiedOn` (payments have their own
//!   feed); the invoice's `balance`/`paidOn` are computed from active payments.
//! * The invoice response has the 2025 fields only (`taxZoneId` of 2026 is left out, as the
//!   2025 schema forbids extra properties); the tax zone is in `salesTaxCode` and on the
//!   location. Tax is computed on the taxable lines' total and rounded once per invoice, half
//!   away from zero; an explicit `subtotal`/`tax` in a PATCH overrides it.
//! * GL account list is paged (as in the 2026 spec) though the 2025 file says bare array.
//! * A JSON body with a non-JSON `Content-Type` -> 415 (ASP.NET `[FromBody]` behaviour).
//!
//! # Money
//!
//! `rust_decimal::Decimal` everywhere; wire money is a decimal string where the spec says
//! string, and an exact JSON number ([`wire::WireNumber`], read and written through
//! `RawValue`) where it says number. Logs carry ids only, never names, contacts or tokens.

mod api;
mod auth;
pub mod creds;
mod demo;
mod error;
mod export;
mod malformed;
mod model;
mod query;
mod render;
mod state;
pub mod wire;

use std::net::SocketAddr;

pub use api::router;
pub use creds::{APP_KEY, CLIENTS, SCOPES, SandboxClient, TOKEN_LIFETIME_SECS};
pub use state::EmulatorState;

use ledgerbridge_emulator::EmulatorHandle;
use ledgerbridge_emulator::server::{ephemeral, serve_on};

/// Serves the emulator on `127.0.0.1:0`.
pub async fn spawn(state: EmulatorState) -> std::io::Result<EmulatorHandle> {
    spawn_on(state, ephemeral()).await
}

/// Serves the emulator on `addr` (the bound address becomes its base URL).
pub async fn spawn_on(state: EmulatorState, addr: SocketAddr) -> std::io::Result<EmulatorHandle> {
    serve_on(addr, |base_url| {
        state.set_base_url(base_url);
        router(state.clone())
    })
    .await
}
