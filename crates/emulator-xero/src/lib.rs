//! A local emulator of the Xero Accounting API (`/api.xro/2.0`) and of Xero's OAuth 2.0
//! identity service, written from the facts in `shared/api/xero.md` and the official OpenAPI
//! 16.1.0 (never from connector code). Users try mappings on it, every connector test talks to
//! it over real HTTP, and CI drives it with the official `xero-python` SDK (`smoke/`).
//!
//! # Shape
//!
//! * [`EmulatorState`] holds one organisation (the plumbing firm of `demo_world`, tenant
//!   [`XERO_TENANT_ID`]) in memory; [`router`] serves it; [`spawn`] / [`spawn_on`] bind a port
//!   and tell the state its base URL so [`EmulatorState::info`] carries real URLs.
//! * One host plays every Xero host: `{base}/identity/connect/authorize` (login.xero.com),
//!   `{base}/connect/token` and `/connect/revocation` (identity.xero.com),
//!   `{base}/connections` and `{base}/api.xro/2.0/...` (api.xero.com).
//! * Layers, outside in: the gate (bearer token -> 401, `xero-tenant-id` -> 403, rate limits ->
//!   429 and the `X-...Limit-Remaining` headers), then the sandbox fault plan (so injected 5xx
//!   and 429s also carry the limit headers), then JSON negotiation, scopes (403), the
//!   `Idempotency-Key` cache, and the resources.
//!
//! * Modules: `state` (the state, constants, control API), `oauth` (consent page, token
//!   endpoint, grants and connections), `api` (gate, routing, reads, writes, batch and error
//!   shapes, `where` language, rendering, limits, idempotency), `books` (records, tax
//!   arithmetic, seeded data), [`wire`] (exact amounts, lossless JSON, MS dates).
//!
//! # Seeded data and sandbox extensions
//!
//! `demo`: the organisation "Bluewater Plumbing Co." (USD; currencies are data, not code) with
//! a US chart of accounts (bank accounts 090/091, a payments-enabled clearing account 625),
//! tax rates (`NONE`, `OUTPUT`, `INPUT`, `TAX001` = 6.5% + 2.2% components, `TAX002`), six items
//! (one priced at 4 dp), the "Business Unit" tracking category, the `demo_world` customers of
//! this tenant (Maria Garcia, Café Olé, Nguyễn Family Dental; inactive ones ARCHIVED), four
//! seeded local customers, a supplier, an archived contact, the pre-existing invoice `20011`
//! (same number, customer and total as the ServiceTitan invoice), invoices that are paid,
//! part-paid, open (Inclusive tax), draft, a bill and a partly allocated credit note.
//! `empty`: the organisation, accounts and tax rates only.
//!
//! Beyond the pinned control API: [`EmulatorState::seed_bulk_invoices`] (also
//! `POST /_sandbox/xero/bulk_invoices {"count": N}`) loads thousands of invoices at once for
//! paging tests and benchmarks; `POST /_sandbox/xero/lock_date` sets the period lock date;
//! [`EmulatorState::issue_tokens`] skips the consent page in tests.
//! `POST /_sandbox/webhooks {"url"}` makes it send signed webhooks after the intent-to-receive
//! series ([`webhooks`]). `GET /_sandbox/state`
//! writes amounts as strings (a `serde_json::Value` would hold them as floats).
//!
//! # Money and JSON
//!
//! Amounts are `rust_decimal::Decimal`. Request bodies are parsed into [`wire::Json`], a
//! lossless tree that keeps every number as its exact text (serde_json here has no
//! `arbitrary_precision`, so `serde_json::Value` would go through `f64`); responses are written
//! from the same tree with fixed decimals (2 dp; Quantity 4 dp; UnitAmount 2 dp, or 4 with
//! `unitdp=4`; CurrencyRate 6 dp). [`wire::WireAmount`] is the same rule as a serde newtype.
//! Rounding is half away from zero, tax per line.
//!
//! # Choices where the documentation is unsure (`xero.md` section 10) or silent
//!
//! * **Errors mode**: without `summarizeErrors=false` one invalid element makes the request a
//!   400 `ValidationException` listing the invalid elements *and the valid ones are saved*
//!   (the non-transactional behaviour reported for Xero). `summarizeErrors=false` gives 200 and
//!   every element with `StatusAttributeString` OK / WARNING / ERROR (OK only on the entities
//!   whose schema declares it); an element in ERROR is serialised like a stored one (MS dates
//!   with their `DateString` companions, `LineItemID`s), not echoed back as sent.
//! * **Idempotency**: a 6-minute window from the first call, keyed per app, tenant and key;
//!   replay needs the same method, path+query and body bytes, otherwise 400
//!   `ValidationException`; keys over 128 characters are a 400. 5xx responses are not kept.
//!   Rate limits are counted before the cache, so replays count.
//! * **Rate limits**: sliding windows (Xero's are fixed per tenant). `X-Rate-Limit-Problem` is
//!   `minute`, `day` (documented), `concurrent` and `appminute` (not documented);
//!   `Retry-After` on all of them (1 s for the concurrency limit). The 429 body is the problem
//!   shape of the 401/403 (Xero's is undocumented). With `--limits off` the remaining-headers
//!   are left out rather than invented.
//! * **Create/update matching**: PUT with an existing `InvoiceID`/`ContactID` is a validation
//!   error (PUT only creates); POST with the number of an existing ACCREC invoice (or an existing
//!   `ContactNumber`) and no id updates it; PUT with a taken ACCREC number is
//!   `Invoice # must be unique.`.
//! * **Paid documents**: on a part- or fully-paid ACCREC invoice only Reference, DueDate,
//!   InvoiceNumber, Contact (not when a credit note is allocated), Url, SentToContact and line
//!   Description/AccountCode/Tracking may change; a paid ACCPAY bill may not change at all.
//!   Voiding one with payments is refused (remove the payments first).
//! * **Lock date**: the demo organisation's `PeriodLockDate` is the day before the seeded month;
//!   creating, editing, paying or deleting a payment dated on or before it is refused. Xero only
//!   sets it in its UI, so the sandbox offers `POST /_sandbox/xero/lock_date`
//!   `{"period_lock_date": "YYYY-MM-DD" | null}`.
//! * **Amounts**: a sent `LineAmount` is recomputed from Quantity x UnitAmount (it is used only
//!   when neither is sent); an explicit line `TaxAmount` wins over the rate; an AUTHORISED
//!   document whose AmountDue is 0 (e.g. a $0 invoice) is PAID at once.
//! * **Contacts**: names are unique among ACTIVE contacts, ignoring case; a contact given only by
//!   `Name` on an invoice is matched to the active contact of that name or created.
//! * **Dates**: input accepts `YYYY-MM-DD`, ISO date-times and `/Date(ms[±hhmm])/`;
//!   `If-Modified-Since` accepts ISO 8601 (no offset = UTC), HTTP dates and MS dates, compares
//!   whole seconds and is inclusive. A DueDate left out defaults to the organisation's sales
//!   terms (30 days).
//! * **Formats**: only JSON is served; without `Accept: application/json` the answer is a 406
//!   (the real API would answer XML). 404 is Xero's plain text; 405 for a wrong method.
//! * **OAuth**: authorization codes live 5 minutes and are single-use; PKCE (`S256`, `plain`)
//!   is honoured; a refresh retried inside the 30-minute grace window answers with the newest
//!   refresh token of its chain; the `scope` sent on refresh is ignored (the grant's scopes
//!   stay); no `id_token` is issued and there is no OIDC discovery document (the connector and
//!   xero-python need neither). Access tokens are JWT-shaped with Xero's claims but unsigned.
//!   Client errors are 400 `{"error": "invalid_client"}` (IdentityServer's behaviour).
//! * **Scopes**: classic scopes (`accounting.transactions`, `.contacts`, `.settings`) and the
//!   granular ones (`accounting.invoices` also opens Items, `accounting.payments` opens
//!   Payments) are both accepted; `.read` variants open GETs only.
//! * **Faults**: the injected 5xx is Xero's documented 503 text; the injected 429 looks like the
//!   minute limit (`Retry-After`, `X-Rate-Limit-Problem: minute`). The fault plan covers the
//!   token and revocation endpoints and `/connections` too (a lost token response is exactly
//!   the case the refresh grace window exists for), but not the consent page.
//!
//! Logs carry ids only (tenant, invoice and contact ids), never names, emails or tokens.

#![allow(
    clippy::result_large_err,
    reason = "the error side of the request helpers *is* the HTTP response sent once per request; boxing it buys nothing"
)]

mod api;
mod books;
mod oauth;
mod state;
pub mod webhooks;
pub mod wire;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::{Json as AxumJson, Router};
use ledgerbridge_emulator::server::{ephemeral, serve_on};
use ledgerbridge_emulator::{EmulatorHandle, FaultResponses, control_router, with_faults};
use serde::Deserialize;
use serde_json::json;

pub use webhooks::WEBHOOK_KEY;

pub use state::{
    EmulatorState, XERO_APP_NAME, XERO_CLIENT_ID, XERO_CLIENT_SECRET, XERO_REDIRECT_URI,
    XERO_TENANT_ID,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LockDate {
    period_lock_date: Option<chrono::NaiveDate>,
}

async fn set_lock_date(State(state): State<EmulatorState>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<LockDate>(&body) {
        Ok(l) => {
            state.set_period_lock_date(l.period_lock_date);
            AxumJson(json!({ "period_lock_date": l.period_lock_date })).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            AxumJson(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Bulk {
    count: usize,
}

async fn bulk_invoices(State(state): State<EmulatorState>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Bulk>(&body) {
        Ok(b) if b.count <= 100_000 => {
            AxumJson(json!({ "created": state.seed_bulk_invoices(b.count).len() })).into_response()
        }
        Ok(_) => (
            StatusCode::BAD_REQUEST,
            AxumJson(json!({ "error": "count is at most 100000" })),
        )
            .into_response(),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            AxumJson(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

/// The API (behind the fault plan and the gate), the consent page and `/_sandbox/`.
pub fn router(state: EmulatorState) -> Router {
    let ctx = state.context().clone();
    let api = Router::new()
        .route("/api.xro/2.0/{*rest}", any(api::accounting))
        .route("/connect/token", post(oauth::token))
        .route("/connect/revocation", post(oauth::revoke))
        .route("/connections", get(oauth::connections))
        .route("/Connections", get(oauth::connections))
        .route("/connections/{id}", delete(oauth::delete_connection))
        .route("/Connections/{id}", delete(oauth::delete_connection))
        .with_state(state.clone());
    let responses = FaultResponses {
        server_error: api::errors::server_error,
        throttled: api::errors::throttled,
    };
    let api = with_faults(api, ctx.faults.clone(), responses)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api::gate,
        ))
        .layer(DefaultBodyLimit::max(api::MAX_BODY));
    let consent = Router::new()
        .route(
            "/identity/connect/authorize",
            get(oauth::authorize_page).post(oauth::authorize_decision),
        )
        .route("/_sandbox/xero/lock_date", post(set_lock_date))
        .route("/_sandbox/xero/bulk_invoices", post(bulk_invoices))
        .with_state(state.clone());
    Router::new()
        .merge(api)
        .merge(consent)
        .merge(webhooks::routes(state.clone()))
        .merge(control_router(Arc::new(state), ctx))
}

/// Serves the emulator on `127.0.0.1:0`.
pub async fn spawn(state: EmulatorState) -> std::io::Result<EmulatorHandle> {
    spawn_on(state, ephemeral()).await
}

/// Serves the emulator on `addr` (port 0 for an ephemeral port).
pub async fn spawn_on(state: EmulatorState, addr: SocketAddr) -> std::io::Result<EmulatorHandle> {
    serve_on(addr, move |base_url| {
        state.set_base_url(base_url);
        router(state)
    })
    .await
}
