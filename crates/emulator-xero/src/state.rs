//! The emulator's state: the organisation's books, the identity service's grants, the
//! idempotency cache and the rate-limit counters, all in memory behind one `Arc`.

use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_emulator::{EmulatorContext, EmulatorControl, ResetRequest, SeedOptions};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::idempotency::IdempotencyStore;
use crate::api::limits::RateLimits;
use crate::api::render;
use crate::books::{Books, seed};
use crate::oauth::store::AuthStore;
use crate::webhooks::{WEBHOOK_KEY, Webhooks};
use crate::wire::Json;

/// The sandbox app's client id (fixed, independent of seed and ports).
pub const XERO_CLIENT_ID: &str = "4E1D9B7C2A5F4C0B8E3D6A9F1B2C7D40";
/// The sandbox app's client secret (fixed; a sandbox credential, not a secret).
pub const XERO_CLIENT_SECRET: &str = "lbx-sandbox-Zt7qK2mV9pR4sW8yB3nF6hJ1cX5dG0aE";
/// The demo organisation's tenant id (fixed, independent of seed and ports).
pub const XERO_TENANT_ID: &str = "6f2a9c1e-4b7d-4e8a-9f3c-204629100001";
/// The default loopback redirect URI (any loopback URI is accepted).
pub const XERO_REDIRECT_URI: &str = "http://127.0.0.1:8766/callback";
/// The app name Xero echoes as `ProviderName`.
pub const XERO_APP_NAME: &str = "ledgerbridge sandbox";

pub(crate) struct Inner {
    pub(crate) ctx: EmulatorContext,
    pub(crate) base_url: RwLock<String>,
    pub(crate) seed: Mutex<SeedOptions>,
    pub(crate) books: Mutex<Books>,
    pub(crate) auth: Mutex<AuthStore>,
    pub(crate) idempotency: Mutex<IdempotencyStore>,
    pub(crate) limits: RateLimits,
    pub(crate) webhooks: Webhooks,
}

/// All in-memory state of one Xero emulator; clones share it.
#[derive(Clone)]
pub struct EmulatorState {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for EmulatorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorState")
            .field("base_url", &self.base_url())
            .finish()
    }
}

pub(crate) fn tenant_uuid() -> Uuid {
    Uuid::parse_str(XERO_TENANT_ID).expect("tenant id constant is a UUID")
}

impl EmulatorState {
    /// Seeds the organisation (`demo` or `empty`) on the context's clock.
    pub fn new(ctx: EmulatorContext, seed: SeedOptions) -> Self {
        let books = seed::seed(seed, tenant_uuid(), ctx.clock.now());
        let limits = RateLimits::new(ctx.limits);
        let webhooks = Webhooks::new(ctx.clock.now());
        Self {
            inner: Arc::new(Inner {
                ctx,
                base_url: RwLock::new("http://127.0.0.1:0".into()),
                seed: Mutex::new(seed),
                books: Mutex::new(books),
                auth: Mutex::new(AuthStore::default()),
                idempotency: Mutex::new(IdempotencyStore::default()),
                limits,
                webhooks,
            }),
        }
    }

    /// This emulator's object of the `sandbox serve --json` line (CONTRACTS.md).
    pub fn info(&self) -> Value {
        let base = self.base_url();
        json!({
            "api_base": base,
            "identity_base": base,
            "authorize_url": format!("{base}/identity/connect/authorize"),
            "token_url": format!("{base}/connect/token"),
            "revoke_url": format!("{base}/connect/revocation"),
            "client_id": XERO_CLIENT_ID,
            "client_secret": XERO_CLIENT_SECRET,
            "redirect_uri": XERO_REDIRECT_URI,
            "tenant_id": XERO_TENANT_ID,
            "webhook_key": WEBHOOK_KEY,
        })
    }

    /// The base URL the emulator is served on (set by `spawn`/`spawn_on`).
    pub fn base_url(&self) -> String {
        self.inner.base_url.read().expect("base url lock").clone()
    }

    /// Records the base URL the emulator is served on (for a router served by hand, e.g.
    /// wrapped in a test layer).
    pub fn set_base_url(&self, url: &str) {
        *self.inner.base_url.write().expect("base url lock") = url.trim_end_matches('/').to_owned();
    }

    pub fn context(&self) -> &EmulatorContext {
        &self.inner.ctx
    }

    /// The sandbox clock's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.ctx.clock.now()
    }

    /// Adds `n` AUTHORISED sales invoices (`BULK-000001`, ...) in one go, for connector paging
    /// tests and benchmarks (the API would need `n / 50` rate-limited batches). Returns their ids.
    pub fn seed_bulk_invoices(&self, n: usize) -> Vec<String> {
        let opts = *self.inner.seed.lock().expect("seed lock");
        let now = self.now();
        let ids = {
            let mut books = self.books();
            let ids = seed::bulk_invoices(&mut books, n, opts.seed, opts.start, now);
            self.inner.webhooks.rebaseline(&books);
            ids
        };
        ids.into_iter().map(|id| id.to_string()).collect()
    }

    /// Sets the organisation's period lock date (a setting Xero only offers in its UI; also
    /// served as `POST /_sandbox/xero/lock_date`).
    pub fn set_period_lock_date(&self, date: Option<NaiveDate>) {
        self.books().org.period_lock_date = date;
    }

    /// A token response (as `POST /connect/token` returns it) for an already-approved consent
    /// with `scope`: a shortcut for tests and benchmarks that do not exercise the consent page.
    pub fn issue_tokens(&self, scope: &str) -> Value {
        let now = self.now();
        let org = self.org_name();
        let scopes = scope.split_whitespace().map(str::to_owned).collect();
        let mut auth = self.auth();
        let grant = auth.new_grant(XERO_CLIENT_ID, scopes, (tenant_uuid(), &org), now);
        auth.issue(grant, &self.base_url(), now, None)
    }

    pub(crate) fn tenant_uuid(&self) -> Uuid {
        tenant_uuid()
    }

    pub(crate) fn org_name(&self) -> String {
        self.books().org.name.clone()
    }

    pub(crate) fn books(&self) -> MutexGuard<'_, Books> {
        self.inner.books.lock().expect("books lock poisoned")
    }

    pub(crate) fn auth(&self) -> MutexGuard<'_, AuthStore> {
        self.inner.auth.lock().expect("auth lock poisoned")
    }

    pub(crate) fn webhooks(&self) -> &Webhooks {
        &self.inner.webhooks
    }

    /// A reference that does not keep the emulator alive (its webhook worker holds one).
    pub(crate) fn downgrade(&self) -> WeakState {
        WeakState(Arc::downgrade(&self.inner))
    }
}

/// A weak [`EmulatorState`].
#[derive(Clone)]
pub(crate) struct WeakState(Weak<Inner>);

impl WeakState {
    pub(crate) fn upgrade(&self) -> Option<EmulatorState> {
        self.0.upgrade().map(|inner| EmulatorState { inner })
    }
}

/// Numbers become strings in the state dump: `serde_json::Value` would carry them as `f64`.
fn to_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Num(text) | Json::Str(text) => Value::String(text.clone()),
        Json::Arr(items) => Value::Array(items.iter().map(to_value).collect()),
        Json::Obj(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_value(v)))
                .collect(),
        ),
    }
}

impl EmulatorControl for EmulatorState {
    fn info(&self) -> Value {
        EmulatorState::info(self)
    }

    fn state(&self) -> Value {
        let books = self.books();
        let dump = render::dump(&books);
        let auth = self.auth();
        let mut value = to_value(&dump);
        value["seed"] = json!(*self.inner.seed.lock().expect("seed lock"));
        value["connections"] = json!(auth.connections.len());
        value["active_grants"] = json!(auth.grants.values().filter(|g| !g.revoked).count());
        value
    }

    fn reset(&self, request: ResetRequest) -> Result<(), String> {
        let opts = {
            let mut seed = self.inner.seed.lock().expect("seed lock");
            if let Some(s) = request.seed {
                seed.seed = s;
            }
            if let Some(s) = request.scenario {
                seed.scenario = s;
            }
            if let Some(s) = request.start {
                seed.start = s;
            }
            *seed
        };
        {
            let mut books = self.books();
            *books = seed::seed(opts, tenant_uuid(), self.now());
            self.inner.webhooks.rebaseline(&books);
        }
        *self.auth() = AuthStore::default();
        *self.inner.idempotency.lock().expect("idempotency lock") = IdempotencyStore::default();
        self.inner.limits.clear();
        tracing::info!(seed = opts.seed, "xero sandbox reset");
        Ok(())
    }
}
