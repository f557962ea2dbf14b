//! A local emulator of the QuickBooks Online Accounting API v3, written from the API facts in
//! `shared/api/quickbooks.md` (not from any connector), for tests, the demo and benchmarks.
//!
//! # What it serves
//!
//! * **OAuth 2.0 as Intuit does it** ([`oauth`]): consent page (`/connect/oauth2`, the pinned
//!   plain-HTML form), token endpoint (form-encoded, Basic client auth or `client_secret_post`;
//!   `authorization_code` and `refresh_token`), revoke (JSON or form body), an OpenID discovery
//!   document with the six keys `intuit-oauth` reads, userinfo and an (empty) JWKS. Access tokens
//!   live 3600 s; refresh tokens 100 days, renewed on use, rotated on every refresh with the
//!   previous one honoured for 24 h of sandbox time, then `invalid_grant`.
//! * **`/v3/company/{realmId}/...`** ([`api`]): Customer, Item, Account, Class, PaymentMethod,
//!   TaxCode, TaxRate, Invoice, Payment, CreditMemo, RefundReceipt, Preferences (and
//!   CompanyInfo read): create, read, full and sparse update with SyncToken, delete, void;
//!   the query language ([`query`]), `/batch` ([`batch`]), `/cdc` ([`cdc`]), `requestid`
//!   replay ([`idempotency`]), `TaxService/taxcode`.
//! * **Money and tax as QuickBooks models them** ([`model`]): payments move invoice balances
//!   and leave `UnappliedAmt`; credit memos carry `RemainingCredit` and are used through payment
//!   lines; refund receipts pay money out of a bank account; US automated sales tax from the
//!   ship-to address, rounded per rate (so a cent can differ from ServiceTitan's), overridable
//!   with `TxnTaxDetail.TotalTax`.
//! * **Limits**: 500 requests/min per realm, 10/s per realm+app, 40 batch requests/min per
//!   realm+app and 120 per realm, scaled by the sandbox [`LimitMode`](ledgerbridge_emulator::LimitMode);
//!   429 with Fault 3001.
//! * **Webhooks** ([`webhooks`]): signed notifications (CloudEvents or legacy) to a receiver
//!   set with `POST /_sandbox/webhooks`, coalesced per second and retried on Intuit's schedule
//!   on the sandbox clock.
//! * **The sandbox control API** (`/_sandbox/info|state|reset|clock|faults`) and the fault
//!   plan (5xx, throttle bursts, timeouts, lost-after-commit, latency) from
//!   `ledgerbridge-emulator`; every time the emulator reads comes from the sandbox clock.
//!
//! # Design
//!
//! * **Exact JSON.** Entities are open-ended documents, so they are stored as JSON, but not as
//!   `serde_json::Value` (whose numbers are `f64` here): [`json::Json`] keeps every number's
//!   text, parsed through `RawValue` and written back as `RawValue`. Amounts are read with
//!   `Decimal::from_str` (a quoted amount, as python-quickbooks sends with `use_decimal`, is
//!   accepted), computed with `rust_decimal`, rounded half away from zero
//!   ([`money::round2`]) and written as JSON numbers with two decimals. [`money::WireAmount`]
//!   is the same rule for typed structs.
//! * **One lock.** The company, OAuth grants and remembered request ids sit behind one mutex;
//!   every operation is synchronous and short, so a requestid replay, a SyncToken check and
//!   the write it guards are atomic.
//! * **Derived fields are stored.** `TotalAmt`, `Balance`, `LinkedTxn`, the subtotal line,
//!   `TxnTaxDetail` and customer balances are recomputed by the writes that change them, so
//!   reads and queries are plain lookups (5,000 invoices page quickly).
//!
//! # Choices where the documentation is unsure (its "not confirmed" list and gaps)
//!
//! * Duplicate DocNumber is **6140** (observed), checked across the sales forms (Invoice,
//!   CreditMemo, RefundReceipt: the captured message names another form's TxnType) unless
//!   `include=allowduplicatedocnum`; voided forms keep their number, deleted ones free it.
//!   A missing DocNumber (or `AUTO_GENERATE`) gets the next number (custom transaction numbers
//!   are off in the demo company).
//! * Display names are unique ignoring case and surrounding spaces, inactive customers
//!   included (6240). Queries on name lists return active objects only unless the statement
//!   filters on `Active`. String comparisons in queries ignore case.
//! * Batches hold at most **30** items (the limits page, and every SDK), an item without
//!   `operation` is a create, items run in order seeing each other's effects.
//! * `requestid` replay returns the original response even for a different body, for 24 h of
//!   sandbox time, per realm; only POSTs are remembered.
//! * The closing date (`Preferences.AccountingInfoPrefs.BookCloseDate`, the day before the
//!   seeded month) refuses creates, updates, deletes and voids of transactions dated on or
//!   before it with **6200** "Account Period Closed" (Intuit's error list); Preferences may be
//!   updated through the API to move it.
//! * 401s use the captured lower-case body (code 3200) with details "Token expired", "Token
//!   revoked", "Token invalid" or "Malformed bearer token: too short or too long"; a token used
//!   on another realm gets 403 (AuthorizationFault 120). 429s carry no `Retry-After` (none is
//!   documented; Intuit says wait 60 s); an injected throttle burst answers the same way.
//! * Delete and void JSON: `{"Invoice":{"domain":"QBO","status":"Deleted","Id":..}}`; a void
//!   zeroes every amount, keeps the lines, prefixes `PrivateNote` with "Voided", and unlinks
//!   payments applied to a voided or deleted invoice/credit memo (their money becomes
//!   unapplied credit). Voided transactions cannot be updated. Name-list objects cannot be
//!   deleted (code 500, deactivate with `Active: false`); TaxCode/TaxRate/CompanyInfo are read
//!   only through the entity endpoints.
//! * Full updates replace every writable field (omitted ones fall back to defaults); sparse
//!   updates change only what is sent; `Line` is always replaced wholesale; line `Id`s sent
//!   back are kept, new lines get fresh ids. Tax is recomputed when an update touches lines,
//!   customer, addresses or date, kept otherwise, and overridden by a `TotalTax` in the request.
//! * A line with `Qty` and `UnitPrice` must have `Amount = round(Qty x UnitPrice, 2)` (6070);
//!   zero counts as "not given" (python-quickbooks sends `Qty: 0, UnitPrice: 0` by default and
//!   its sandbox-run integration tests create such lines). In a sparse update an empty array
//!   (`Line: []`, `CustomField: []`, which python-quickbooks always sends) means "not sent".
//! * CDC: `changedSince` may be a date or date-time, with or without offset (the company's
//!   -06:00 when none); objects changed at or after it, oldest first, 1,000 per entity;
//!   more than 30 days back answers 200 like the recorded real sandbox (the documented limit
//!   is guidance); asking for TaxCode/TaxRate is a 4001.
//! * Request bodies ([`schema`]): an unknown or mis-shaped property (`"BadJson": true`,
//!   `"CustomerMemo": "text"`) is 400 Fault 2010 naming the element, before any other check;
//!   scalars are not type-checked there (python-quickbooks sends `"SyncToken": 0`, `"TotalAmt": ""`).
//! * Shapes ([`model`]): every stored address gets an `Id` from the company's address
//!   sequence, invoices carry `CustomField` (`[]` when none), CompanyInfo carries `NameValue`
//!   and `CompanyStartDate`; an unsupported `/v3/` path is 400, Fault 500 "Unsupported
//!   Operation" (404 only outside the API).
//! * Times: the company keeps a fixed -06:00 offset (no tz database in the workspace), and
//!   `MetaData` times have whole-second precision.
//! * `/v3/company/...` answers XML unless `Accept` asks for JSON, and a 429 is XML even then
//!   ([`xml`]). No gzip request bodies (no inflate crate in the workspace), no `id_token` (no
//!   RS256 signer).
//!
//! Logs carry realm, entity and record ids, client ids and error codes; never names,
//! addresses, e-mails or tokens.

pub mod api;
pub mod batch;
pub mod cdc;
pub mod fault;
pub mod idempotency;
pub mod json;
pub mod model;
pub mod money;
pub mod oauth;
pub mod ops;
pub mod query;
pub mod schema;
mod seed;
mod state;
pub mod time;
pub mod webhooks;
pub mod xml;

use std::net::SocketAddr;

use ledgerbridge_emulator::{EmulatorHandle, serve_on};

pub use state::EmulatorState;
pub use webhooks::{WEBHOOK_VERIFIER_TOKEN, WebhookFormat};

/// The sandbox app's OAuth client id (fixed, independent of seed and ports).
pub const CLIENT_ID: &str = "ABqbSandboxLedgerbridgeClient0000000000000000000";
/// The sandbox app's client secret.
pub const CLIENT_SECRET: &str = "qbSandboxLedgerbridgeSecret000000000000";
/// A second app connected to the same company, to exercise per-app versus per-realm limits.
pub const SECOND_CLIENT_ID: &str = "ABqbSandboxSecondAppClient000000000000000000000";
pub const SECOND_CLIENT_SECRET: &str = "qbSandboxSecondAppSecret0000000000000000";
/// The demo company's realm id.
pub const REALM_ID: &str = "9341453052219614";
/// The default loopback redirect URI (any loopback URI is accepted).
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";
/// The accounting scope.
pub const SCOPE_ACCOUNTING: &str = "com.intuit.quickbooks.accounting";
/// `ledgerbridge sandbox serve`'s default QuickBooks port.
pub const DEFAULT_PORT: u16 = 8702;

/// The registered apps: (client id, client secret).
pub(crate) const APPS: [(&str, &str); 2] = [
    (CLIENT_ID, CLIENT_SECRET),
    (SECOND_CLIENT_ID, SECOND_CLIENT_SECRET),
];

/// The emulator's routes: API, OAuth, discovery and `/_sandbox/`.
pub fn router(state: EmulatorState) -> axum::Router {
    api::router(state)
}

/// Serves the emulator on `127.0.0.1:0`.
pub async fn spawn(state: EmulatorState) -> std::io::Result<EmulatorHandle> {
    spawn_on(state, ledgerbridge_emulator::server::ephemeral()).await
}

/// Serves the emulator on `addr`; the state learns the base URL it is served on.
pub async fn spawn_on(state: EmulatorState, addr: SocketAddr) -> std::io::Result<EmulatorHandle> {
    serve_on(addr, |base_url| {
        state.set_base_url(base_url);
        router(state.clone())
    })
    .await
}
