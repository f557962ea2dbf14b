//! The service mode of ledgerbridge (`ledgerbridge watch`): it keeps every configured tenant
//! in sync by itself.
//!
//! ```text
//!  webhooks ──► /webhooks/{quickbooks,xero} ──► verify on the raw body ──► wake the tenants
//!                                                                           │
//!  per tenant: Schedule (pure) ── due? ──► permit (concurrency) ──► Syncer::sync ──► Health,
//!              ServiceTitan poll, books safety poll, daily full pass,            Metrics
//!              webhook debounce, backoff after failures
//! ```
//!
//! Decisions, and why:
//!
//! - **The crate knows no vendor and no engine.** What a run does is the caller's
//!   [`Syncer`] (the CLI builds the connectors and runs the engine under the tenant's lease):
//!   the service decides only *when* and *what scope*, and records what happened. So the
//!   schedule, the webhook receivers, health and metrics are tested here against a fake
//!   syncer with tokio's paused time, and nothing here can write to a remote.
//! - **Triggers choose a scope, never a plan.** A ServiceTitan poll pulls the ServiceTitan
//!   feeds, a books webhook or safety poll pulls the books' changes, the daily full pass
//!   re-reads both sides from the start; each run is the engine's ordinary level-triggered
//!   reconcile from durable state, so a missed or duplicated trigger costs a request, not data.
//! - **The schedule is a value** ([`schedule::TenantSchedule`]): given "now" it says what is
//!   due and when to wake. The loop around it ([`Service::run`]) only sleeps and calls it.
//! - **Failures back off per tenant** (the poll interval, doubling, capped): one tenant's broken
//!   connection never delays another, and shows in `/readyz` and the metrics.
//! - **Webhooks are verified before anything is read** (HMAC-SHA256 of the raw body, compared
//!   in constant time) and answered at once: a verified notification only wakes its tenants,
//!   coalesced over a short debounce, so a burst of notifications is one run.

pub mod config;
pub mod health;
pub mod metrics;
pub mod schedule;
mod server;
pub mod webhooks;
mod worker;

pub use config::{LocalZone, ServiceSettings, TenantKey, WebhookSecrets};
pub use health::{Health, Readiness, TenantState};
pub use metrics::Metrics;
pub use schedule::{Ran, RunScope, TenantSchedule};
pub use worker::{RunOutcome, RunRequest, RunSummary, Service, ServiceError, StopToken, Syncer};
