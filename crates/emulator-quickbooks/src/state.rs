//! The emulator's state: one company, its OAuth grants, remembered request ids and rate
//! windows, behind one mutex (every operation is short and synchronous, so one lock keeps
//! requestid replay and SyncToken checks atomic).

use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ledgerbridge_emulator::{
    EmulatorContext, EmulatorControl, KeyedWindows, ResetRequest, SeedOptions,
};
use serde_json::{Value, json};

use crate::idempotency::IdemStore;
use crate::json::Json;
use crate::model::{Company, Kind};
use crate::oauth::{OAuthStore, TokenSet};
use crate::webhooks::{WEBHOOK_VERIFIER_TOKEN, Webhooks};
use crate::{CLIENT_ID, CLIENT_SECRET, DEFAULT_REDIRECT_URI, REALM_ID, SCOPE_ACCOUNTING, seed};

/// Everything mutable, under one lock.
pub(crate) struct Inner {
    pub seed: SeedOptions,
    pub company: Company,
    pub oauth: OAuthStore,
    pub idem: IdemStore,
}

/// The documented limits, scaled by the limit mode.
pub(crate) struct Limits {
    /// 500 requests/min per realm.
    pub realm_minute: KeyedWindows<String>,
    /// 10 requests/s per realm and app.
    pub app_second: KeyedWindows<(String, String)>,
    /// 40 batch requests/min per realm and app.
    pub batch_app_minute: KeyedWindows<(String, String)>,
    /// 120 batch requests/min per realm.
    pub batch_realm_minute: KeyedWindows<String>,
}

impl Limits {
    fn new(ctx: &EmulatorContext) -> Self {
        let mode = ctx.limits;
        Self {
            realm_minute: KeyedWindows::new(mode.scale(500), Duration::seconds(60)),
            app_second: KeyedWindows::new(mode.scale(10), Duration::seconds(1)),
            batch_app_minute: KeyedWindows::new(mode.scale(40), Duration::seconds(60)),
            batch_realm_minute: KeyedWindows::new(mode.scale(120), Duration::seconds(60)),
        }
    }

    fn clear(&self) {
        self.realm_minute.clear();
        self.app_second.clear();
        self.batch_app_minute.clear();
        self.batch_realm_minute.clear();
    }
}

struct Shared {
    ctx: EmulatorContext,
    base_url: RwLock<String>,
    inner: Mutex<Inner>,
    limits: Limits,
    webhooks: Webhooks,
}

/// The QuickBooks emulator's in-memory state. Clones share it.
#[derive(Clone)]
pub struct EmulatorState {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EmulatorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorState")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl EmulatorState {
    /// Builds the state and seeds the company (demo or empty) from `seed`.
    pub fn new(ctx: EmulatorContext, seed: SeedOptions) -> Self {
        let company = seed::company(&seed);
        let inner = Inner {
            seed,
            company,
            oauth: OAuthStore::default(),
            idem: IdemStore::default(),
        };
        let limits = Limits::new(&ctx);
        let base_url = RwLock::new(format!("http://127.0.0.1:{}", crate::DEFAULT_PORT));
        Self {
            shared: Arc::new(Shared {
                ctx,
                base_url,
                inner: Mutex::new(inner),
                limits,
                webhooks: Webhooks::new(),
            }),
        }
    }

    /// This emulator's object of the `sandbox serve --json` line (CONTRACTS.md).
    pub fn info(&self) -> Value {
        let base = self.base_url();
        json!({
            "api_base": base,
            "authorize_url": format!("{base}/connect/oauth2"),
            "token_url": format!("{base}/oauth2/v1/tokens/bearer"),
            "revoke_url": format!("{base}/v2/oauth2/tokens/revoke"),
            "discovery_url": format!("{base}/.well-known/openid_sandbox_configuration"),
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uri": DEFAULT_REDIRECT_URI,
            "realm_id": REALM_ID,
            "webhook_verifier_token": WEBHOOK_VERIFIER_TOKEN,
        })
    }

    /// The URL this emulator is served on (set by [`crate::spawn_on`]; composing crates that
    /// serve [`crate::router`] themselves call this with their own base URL).
    pub fn set_base_url(&self, base_url: &str) {
        *self
            .shared
            .base_url
            .write()
            .expect("base url lock poisoned") = base_url.trim_end_matches('/').to_owned();
    }

    pub fn base_url(&self) -> String {
        self.shared
            .base_url
            .read()
            .expect("base url lock poisoned")
            .clone()
    }

    /// The sandbox clock's now.
    pub fn now(&self) -> DateTime<Utc> {
        self.shared.ctx.clock.now()
    }

    pub fn context(&self) -> &EmulatorContext {
        &self.shared.ctx
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.shared.limits
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.shared.inner.lock().expect("emulator state poisoned")
    }

    pub(crate) fn webhooks(&self) -> &Webhooks {
        &self.shared.webhooks
    }

    /// A reference that does not keep the emulator alive (its webhook worker holds one).
    pub(crate) fn downgrade(&self) -> WeakState {
        WeakState(Arc::downgrade(&self.shared))
    }

    /// Sandbox shortcut: the tokens a completed consent of the default app would give, without
    /// the browser step (tests and benchmarks; the consent page does the same).
    pub fn connect(&self) -> TokenSet {
        let now = self.now();
        self.lock()
            .oauth
            .new_grant(CLIENT_ID, SCOPE_ACCOUNTING, now)
    }

    /// Pre-loads `n` invoices (for paging tests and benchmarks) and returns their ids. They go
    /// through the same validation, numbering and tax as API writes, are dated across the
    /// seeded month, carry DocNumbers `B000001`... and all share the current timestamp (the
    /// equal-timestamps-across-a-page case comes for free).
    pub fn seed_bulk_invoices(&self, n: usize) -> Vec<String> {
        let now = self.now();
        let mut inner = self.lock();
        let seed = inner.seed;
        let ids = seed::bulk_invoices(&mut inner.company, &seed, n, now);
        self.shared.webhooks.rebaseline(&inner.company);
        ids
    }

    /// The company's realm id (fixed: [`REALM_ID`]).
    pub fn realm_id(&self) -> &'static str {
        REALM_ID
    }

    /// The company's calendar date now.
    pub fn today(&self) -> NaiveDate {
        crate::time::company_date(self.now())
    }

    /// Live records of an entity as exact JSON (for tests and tools).
    pub fn records(&self, entity: &str) -> Vec<Json> {
        let Some(kind) = Kind::parse(entity) else {
            return Vec::new();
        };
        self.lock()
            .company
            .live(kind)
            .map(|r| Json::Obj(r.render()))
            .collect()
    }
}

/// A weak [`EmulatorState`].
#[derive(Clone)]
pub(crate) struct WeakState(Weak<Shared>);

impl WeakState {
    pub(crate) fn upgrade(&self) -> Option<EmulatorState> {
        self.0.upgrade().map(|shared| EmulatorState { shared })
    }
}

/// Amounts are written as strings in the dump (a `serde_json::Value` would hold them as
/// `f64`); integers stay numbers.
fn dump(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Num(text) => text
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(text.clone())),
        Json::Str(s) => Value::String(s.clone()),
        Json::Arr(items) => Value::Array(items.iter().map(dump).collect()),
        Json::Obj(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), dump(v))).collect()),
    }
}

impl EmulatorControl for EmulatorState {
    fn info(&self) -> Value {
        EmulatorState::info(self)
    }

    fn state(&self) -> Value {
        let inner = self.lock();
        let mut entities = serde_json::Map::new();
        for kind in Kind::ALL {
            let records: Vec<Value> = inner
                .company
                .live(kind)
                .map(|r| dump(&Json::Obj(r.render())))
                .collect();
            entities.insert(kind.name().to_owned(), Value::Array(records));
        }
        json!({
            "realm_id": inner.company.realm,
            "seed": inner.seed,
            "counts": inner.company.counts(),
            "entities": entities,
            "oauth": inner.oauth.summary(),
            "remembered_request_ids": inner.idem.len(),
            "amounts_note": "amounts are decimal strings in this dump; the API writes them as JSON numbers",
        })
    }

    fn reset(&self, request: ResetRequest) -> Result<(), String> {
        let mut inner = self.lock();
        let seed = SeedOptions {
            seed: request.seed.unwrap_or(inner.seed.seed),
            scenario: request.scenario.unwrap_or(inner.seed.scenario),
            start: request.start.unwrap_or(inner.seed.start),
        };
        inner.company = seed::company(&seed);
        self.shared.webhooks.rebaseline(&inner.company);
        inner.seed = seed;
        inner.oauth.clear();
        inner.idem.clear();
        self.shared.limits.clear();
        tracing::info!(seed = seed.seed, scenario = ?seed.scenario, "quickbooks emulator reset");
        Ok(())
    }
}
