//! The local review UI of ledgerbridge: `ledgerbridge serve`.
//!
//! Server-rendered pages (askama templates compiled into the binary) for the work bookkeepers
//! do between syncs: a dashboard of what needs attention, the conflict queue with a side by
//! side field diff and per-field resolution, record detail with its audit history, value
//! mappings, runs, and the period report. Routes are pinned in CONTRACTS.md:
//!
//! | route | page |
//! | --- | --- |
//! | `GET /` | dashboard: latest runs, open conflicts, customer matches to review, unmapped values (with links to map them), blocked / quarantined / given-up records, connection health |
//! | `GET /conflicts` | the queue, filtered by `status` (default open), `tenant`, `entity` |
//! | `GET /conflicts/{id}` | field diff (path, last agreed, ServiceTitan, accounting) and the resolve form |
//! | `POST /conflicts/{id}/resolve` | records the choices via `conflicts().resolve` (audited) |
//! | `GET /records/{entity}/{id}` | link, lines, snapshot, conflicts and audit history of a ServiceTitan record |
//! | `GET /mappings`, `POST /mappings` | list, add, change, remove value mappings |
//! | `GET /runs` | sync runs with their counts |
//! | `GET /report` | the reconciliation report (`period=YYYY-MM` or `from`/`to`, `tenant`, `target`, `status`; `format=csv\|json` downloads it) |
//!
//!
//! plus, beyond the pinned list, `GET /suggestions` (customer matches awaiting review) with
//! `POST /suggestions/{tenant}/{customer}/accept|reject`, `GET|POST /login`, `POST /logout`
//! and `/assets/app.{css,js}`.
//!
//! # Design decisions
//!
//! * **Safe by default.** The server binds loopback unless told otherwise, and refuses to
//!   start on any other address without a password ([`WebError::PasswordRequired`]). Every
//!   response carries `Content-Security-Policy: default-src 'self'` (plus `frame-ancestors
//!   'none'`, `form-action 'self'`), `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`,
//!   `nosniff` and `Cache-Control: no-store`. CSS and JS are served from `/assets/` out of the
//!   binary, so the policy needs no `'unsafe-inline'` and nothing is fetched from elsewhere.
//! * **The Host rule** refuses (421 Misdirected Request) any request whose `Host` is not the
//!   bound address or localhost (with the bound port), which defeats DNS rebinding. Extra
//!   names can be allowed with [`ServeOptions::allow_host`].
//! * **Sessions are server-side**: a random 256-bit id in an `HttpOnly; SameSite=Strict`
//!   cookie, everything else in memory. Login (only with a password) compares in constant
//!   time, waits after a wrong password, and rotates the session id. The password has at
//!   least [`MIN_PASSWORD_CHARS`] characters, and guessing is limited per client address and
//!   overall (429 before the password is compared; docs/security.md).
//! * **CSRF**: every POST, the login form included, must carry the session's token in its
//!   `csrf` field; nothing else counts, so without it the answer is 403 whatever the headers.
//! * **Plug-in points instead of guesses.** What happens after a resolution
//!   ([`ResolutionHook`]), where the report's numbers come from ([`ReportSource`]), which
//!   targets a mapping may take ([`MappingChoices`]) and which unmapped values block records
//!   ([`UnmappedValues`]) are traits with honest defaults that need no remote (apply on the
//!   next sync; the ledger's agreed snapshot totals; typed targets; the ledger's parked
//!   records), so the engine plugs in without touching a handler, and no page shows a number
//!   the ledger does not hold. `ledgerbridge serve` plugs in the configured tenants' remotes,
//!   read once per page load and bounded by [`ServeOptions::remote_timeout`]; a remote that
//!   fails or is slow is said on the page, which still works without it.
//! * **Decisions go through the engine's own functions.** Accepting a customer match is
//!   `reconcile::links::set_link` (what `ledgerbridge links set` does), rejecting it is
//!   `reconcile::links::reject_suggestion`, which the engine honours on its next run; both are
//!   audited with who decided (`web` or `web:<name>`).
//! * **No PII in logs.** Requests are logged by route template and status; handlers log ids.
//!   Pages show customer data to the person reviewing it, never to the log.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use ledgerbridge_ledger::{Ledger, LedgerLocation, LedgerOptions};
//! use ledgerbridge_web::{ServeOptions, bind};
//!
//! let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default()).await?;
//! let server = bind(ServeOptions::new("127.0.0.1:0".parse()?, ledger)).await?;
//! println!("http://{}", server.local_addr());
//! server.run_until(async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(())
//! # }
//! ```

mod error;
mod pages;
mod ports;
mod render;
mod report_source;
mod security;
mod serve;
mod state;

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};

pub use error::WebError;
pub use ports::{
    AfterResolve, ApplyOnNextSync, BlockingValue, BoxFuture, LedgerUnmapped, MappingChoice,
    MappingChoices, ResolutionHook, TypedTargets, UnmappedValues,
};
pub use report_source::{
    Download, DownloadFormat, LedgerTotals, Period, Reconciliation, ReportCell, ReportColumn,
    ReportError, ReportQuery, ReportSource, ReportTable, ReportView, StatusFilter,
};
pub use serve::{Server, bind, serve};
pub use state::{AppState, MIN_PASSWORD_CHARS, ServeOptions, check_password};

/// The UI as a router, for [`serve`] or for socket-free tests with `tower::ServiceExt::oneshot`.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(pages::dashboard::show))
        .route("/conflicts", get(pages::conflicts::queue))
        .route("/conflicts/{id}", get(pages::conflicts::detail))
        .route("/conflicts/{id}/resolve", post(pages::resolve::resolve))
        .route("/records/{entity}/{id}", get(pages::records::show))
        .route(
            "/mappings",
            get(pages::mappings::list).post(pages::mappings::save),
        )
        .route("/suggestions", get(pages::suggestions::list))
        .route(
            "/suggestions/{tenant}/{customer}/accept",
            post(pages::suggestions::accept),
        )
        .route(
            "/suggestions/{tenant}/{customer}/reject",
            post(pages::suggestions::reject),
        )
        .route("/runs", get(pages::runs::list))
        .route("/report", get(pages::report::show))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/assets/app.css", get(pages::assets::css))
        .route("/assets/app.js", get(pages::assets::js))
        .fallback(not_found)
        .layer(from_fn_with_state(state.clone(), security::guard))
        .layer(from_fn_with_state(state.clone(), security::host_rule))
        .layer(from_fn(security::security_headers))
        .with_state(state)
}

async fn not_found() -> axum::response::Response {
    error::message_page(
        axum::http::StatusCode::NOT_FOUND,
        "Not found",
        "There is no such page.",
    )
}
