//! The emulator's state: both tenants' records, issued tokens and rate windows.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use chrono::{DateTime, Duration, Utc};
use ledgerbridge_emulator::demo_world::TENANTS;
use ledgerbridge_emulator::{
    EmulatorContext, EmulatorControl, KeyedWindows, ResetRequest, SeedOptions,
};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};

use crate::creds::{APP_KEY, CLIENTS};
use crate::demo;
use crate::error::{ApiError, ApiResult};
use crate::model::*;

/// The documented limit: "60 calls per second per application per tenant".
pub(crate) const API_CALLS_PER_SECOND: u32 = 60;
/// Token requests per client per minute. ServiceTitan throttles new tokens without publishing a
/// number; servicepytan fetches one before every call, so this is generous on purpose.
pub(crate) const TOKENS_PER_MINUTE: u32 = 600;

/// One tenant's records. Ids come from one counter per tenant so an id never names two kinds
/// of record (a connector mixing up ids gets a 404, not someone else's data).
#[derive(Debug, Serialize)]
pub(crate) struct TenantData {
    pub tenant_id: u64,
    pub name: String,
    pub target: String,
    pub next_id: i64,
    pub seq: u64,
    pub business_units: BTreeMap<i64, BusinessUnit>,
    pub gl_accounts: BTreeMap<i64, GlAccount>,
    pub payment_types: BTreeMap<i64, PaymentType>,
    pub tax_zones: BTreeMap<i64, TaxZone>,
    pub skus: Vec<Sku>,
    pub customers: BTreeMap<i64, Customer>,
    pub contacts: BTreeMap<i64, Contact>,
    pub locations: BTreeMap<i64, Location>,
    pub invoices: BTreeMap<i64, Invoice>,
    pub payments: BTreeMap<i64, Payment>,
    /// Deliberate malformations of served records (see `malformed`).
    pub malformed: crate::malformed::Malformations,
}

impl TenantData {
    pub(crate) fn new(index: usize) -> Self {
        let t = TENANTS[index];
        Self {
            tenant_id: t.tenant_id,
            name: t.name.to_owned(),
            target: t.target.to_owned(),
            next_id: (index as i64 + 1) * 10_000_000,
            seq: 0,
            business_units: BTreeMap::new(),
            gl_accounts: BTreeMap::new(),
            payment_types: BTreeMap::new(),
            tax_zones: BTreeMap::new(),
            skus: Vec::new(),
            customers: BTreeMap::new(),
            contacts: BTreeMap::new(),
            locations: BTreeMap::new(),
            invoices: BTreeMap::new(),
            payments: BTreeMap::new(),
            malformed: BTreeMap::new(),
        }
    }

    pub(crate) fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// A stamp for a record created at `at` (also its first modification).
    pub(crate) fn stamp(&mut self, at: DateTime<Utc>) -> Stamp {
        self.seq += 1;
        Stamp {
            created_on: at,
            modified_on: at,
            version: self.seq,
        }
    }

    /// Records a change made at `now`: a new modification time and sequence number, so the
    /// record reappears in its export feed after any token handed out before.
    pub(crate) fn touch(&mut self, stamp: &mut Stamp, now: DateTime<Utc>) {
        self.seq += 1;
        stamp.modified_on = now.max(stamp.modified_on);
        stamp.version = self.seq;
    }

    /// Per invoice: the sum applied by active payments and the latest payment date.
    pub(crate) fn applications(&self) -> HashMap<i64, (Decimal, DateTime<Utc>)> {
        let mut out: HashMap<i64, (Decimal, DateTime<Utc>)> = HashMap::new();
        for p in self.payments.values().filter(|p| p.active) {
            for s in &p.splits {
                if let Some(inv) = s.invoice_id {
                    let e = out.entry(inv).or_insert((Decimal::ZERO, p.paid_on));
                    e.0 += s.amount;
                    e.1 = e.1.max(p.paid_on);
                }
            }
        }
        out
    }

    /// Per customer: open balance of active invoices minus unapplied payment credit.
    pub(crate) fn customer_balances(&self) -> HashMap<i64, Decimal> {
        let applied = self.applications();
        let mut out: HashMap<i64, Decimal> = HashMap::new();
        for inv in self.invoices.values().filter(|i| i.active) {
            let paid = applied.get(&inv.id).map(|a| a.0).unwrap_or_default();
            *out.entry(inv.customer_id).or_default() += inv.total() - paid;
        }
        for p in self.payments.values().filter(|p| p.active) {
            *out.entry(p.customer_id).or_default() -= p.unapplied();
        }
        out
    }
}

/// Everything `POST /_sandbox/reset` replaces.
#[derive(Debug)]
pub(crate) struct World {
    pub seed: SeedOptions,
    pub tenants: BTreeMap<u64, TenantData>,
}

impl World {
    pub(crate) fn tenant(&self, tenant_id: u64) -> ApiResult<&TenantData> {
        self.tenants
            .get(&tenant_id)
            .ok_or_else(|| ApiError::not_found("Tenant not found."))
    }

    pub(crate) fn tenant_mut(&mut self, tenant_id: u64) -> ApiResult<&mut TenantData> {
        self.tenants
            .get_mut(&tenant_id)
            .ok_or_else(|| ApiError::not_found("Tenant not found."))
    }
}

#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub tenant_id: u64,
    pub expires_at: DateTime<Utc>,
}

struct Inner {
    ctx: EmulatorContext,
    base_url: RwLock<String>,
    world: Mutex<World>,
    tokens: Mutex<HashMap<String, IssuedToken>>,
    api_limits: KeyedWindows<(String, u64)>,
    token_limits: KeyedWindows<String>,
}

/// All in-memory state of the ServiceTitan emulator (both demo tenants). Cheap to clone.
#[derive(Clone)]
pub struct EmulatorState {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EmulatorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorState")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl EmulatorState {
    /// Seeds both tenants (demo data or reference data only) from `seed`.
    pub fn new(ctx: EmulatorContext, seed: SeedOptions) -> Self {
        let now = ctx.clock.now();
        let world = World {
            seed,
            tenants: demo::seed(&seed, now),
        };
        let api_limits =
            KeyedWindows::new(ctx.limits.scale(API_CALLS_PER_SECOND), Duration::seconds(1));
        let token_limits =
            KeyedWindows::new(ctx.limits.scale(TOKENS_PER_MINUTE), Duration::seconds(60));
        Self {
            inner: Arc::new(Inner {
                ctx,
                base_url: RwLock::new("http://127.0.0.1".to_owned()),
                world: Mutex::new(world),
                tokens: Mutex::default(),
                api_limits,
                token_limits,
            }),
        }
    }

    /// Records the base URL the emulator is served on (`spawn`/`spawn_on` do this; call it
    /// yourself when serving [`crate::router`] on your own listener).
    pub fn set_base_url(&self, base_url: &str) {
        *self.inner.base_url.write().expect("base url poisoned") =
            base_url.trim_end_matches('/').to_owned();
    }

    /// The base URL it is served on (`http://127.0.0.1` before it is served).
    pub fn base_url(&self) -> String {
        self.inner
            .base_url
            .read()
            .expect("base url poisoned")
            .clone()
    }

    /// This emulator's object of the `sandbox serve --json` line (CONTRACTS.md).
    pub fn info(&self) -> Value {
        let base = self.base_url();
        let tenants: Vec<Value> = TENANTS
            .iter()
            .zip(CLIENTS.iter())
            .map(|(t, c)| {
                json!({
                    "tenant_id": t.tenant_id, "name": t.name, "target": t.target,
                    "client_id": c.client_id, "client_secret": c.client_secret,
                })
            })
            .collect();
        json!({
            "api_base": base,
            "auth_base": base,
            "token_url": format!("{base}/connect/token"),
            "app_key": APP_KEY,
            "tenants": tenants,
            "tenant_id": CLIENTS[0].tenant_id,
            "client_id": CLIENTS[0].client_id,
            "client_secret": CLIENTS[0].client_secret,
        })
    }

    /// Adds `count` more invoices (with lines, spread over the tenant's customers, stamped
    /// now) to a tenant, for paging and volume tests; returns their ids in creation order.
    /// They are `Posted` and active; as fresh changes they show in export feeds 15 minutes
    /// (sandbox clock) later, or at once with `includeRecentChanges=true`.
    pub fn seed_bulk_invoices(&self, tenant_id: u64, count: usize) -> Result<Vec<i64>, String> {
        let now = self.now();
        let mut world = self.world();
        let seed = world.seed.seed;
        let tenant = world
            .tenants
            .get_mut(&tenant_id)
            .ok_or_else(|| format!("unknown tenant {tenant_id}"))?;
        demo::bulk_invoices(tenant, seed, count, now)
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.inner.ctx.clock.now()
    }

    pub(crate) fn ctx(&self) -> &EmulatorContext {
        &self.inner.ctx
    }

    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.inner.world.lock().expect("world poisoned")
    }

    pub(crate) fn tokens(&self) -> MutexGuard<'_, HashMap<String, IssuedToken>> {
        self.inner.tokens.lock().expect("tokens poisoned")
    }

    pub(crate) fn api_limits(&self) -> &KeyedWindows<(String, u64)> {
        &self.inner.api_limits
    }

    pub(crate) fn token_limits(&self) -> &KeyedWindows<String> {
        &self.inner.token_limits
    }
}

impl EmulatorControl for EmulatorState {
    fn info(&self) -> Value {
        EmulatorState::info(self)
    }

    fn state(&self) -> Value {
        let world = self.world();
        let tokens = self.tokens().len();
        json!({
            "now": self.now(),
            "seed": world.seed,
            "live_tokens": tokens,
            "tenants": world.tenants.values().map(|t| serde_json::to_value(t).unwrap_or(Value::Null)).collect::<Vec<_>>(),
        })
    }

    fn reset(&self, request: ResetRequest) -> Result<(), String> {
        let now = self.now();
        let mut world = self.world();
        let mut seed = world.seed;
        if let Some(s) = request.seed {
            seed.seed = s;
        }
        if let Some(s) = request.scenario {
            seed.scenario = s;
        }
        if let Some(s) = request.start {
            seed.start = s;
        }
        *world = World {
            seed,
            tenants: demo::seed(&seed, now),
        };
        drop(world);
        self.tokens().clear();
        self.inner.api_limits.clear();
        self.inner.token_limits.clear();
        tracing::info!(seed = seed.seed, "servicetitan emulator reset");
        Ok(())
    }
}
