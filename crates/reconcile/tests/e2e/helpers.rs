//! The sandbox (all three emulators over HTTP), a ledger, the real connectors, demo mappings.

use std::time::Duration;

use ledgerbridge_connector::{
    AccessToken, ConnectorError, HttpSettings, RetryPolicy, TokenProvider,
};
use ledgerbridge_core::System;
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_ledger::{
    LeaseClaim, Ledger, LedgerLocation, LedgerOptions, Mapping, MappingKind,
};
use ledgerbridge_protocol::Target;
use ledgerbridge_quickbooks::QuickBooksTarget;
use ledgerbridge_quickbooks::{Limits, QuickBooks, QuickBooksConfig};
use ledgerbridge_reconcile::{
    NoProgress, RunClaim, SyncContext, SyncReport, SyncRun, SyncSettings, TenantSpec,
};
use ledgerbridge_sandbox::demo_mappings;
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};
use ledgerbridge_servicetitan::{Credentials, Endpoints, ServiceTitan, ServiceTitanConfig};
use ledgerbridge_xero::XeroTarget;
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;

/// A token handed out by the emulator's consent shortcut.
pub(crate) struct FixedToken(pub(crate) SecretString);

/// The liveness check of the e2e runs' lease claims: every holder is this live process.
const ALIVE: &(dyn Fn(u32) -> bool + Sync) = &|_| true;

impl TokenProvider for FixedToken {
    async fn access_token(&self) -> Result<AccessToken, ConnectorError> {
        Ok(AccessToken::new(self.0.clone(), 1))
    }
    fn reject(&self, _token: &AccessToken) {}
}

pub(crate) fn quick_http() -> HttpSettings {
    HttpSettings {
        timeout: Duration::from_secs(20),
        retry: RetryPolicy {
            max_retries: 4,
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(2),
        },
        rate_limit: None,
        ..HttpSettings::default()
    }
}

/// The demo world: the sandbox, an in-memory ledger, both tenants' connectors.
pub(crate) struct World {
    pub(crate) sandbox: Sandbox,
    pub(crate) ledger: Ledger,
    pub(crate) info: Value,
    pub(crate) st_qbo: ServiceTitan,
    pub(crate) st_xero: ServiceTitan,
    pub(crate) qbo: QuickBooksTarget<FixedToken>,
    pub(crate) xero: XeroTarget<FixedToken>,
    pub(crate) http: reqwest::Client,
}

fn url(v: &Value) -> Url {
    Url::parse(v.as_str().expect("a URL")).expect("a URL")
}

impl World {
    pub(crate) async fn start() -> Self {
        Self::start_with(LimitMode::Relaxed).await
    }

    pub(crate) async fn start_with(limits: LimitMode) -> Self {
        let sandbox = Sandbox::start(SandboxOptions::for_tests(Scenario::Demo, limits))
            .await
            .expect("sandbox starts");
        let info = sandbox.info();
        let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default())
            .await
            .expect("ledger");
        let st = |index: usize| {
            let s = &info["servicetitan"];
            let t = &s["tenants"][index];
            let mut config = ServiceTitanConfig::new(
                Endpoints {
                    api_base: url(&s["api_base"]),
                    token_url: url(&s["token_url"]),
                },
                t["tenant_id"].as_i64().expect("tenant"),
                Credentials {
                    client_id: t["client_id"].as_str().expect("id").to_owned(),
                    client_secret: SecretString::from(
                        t["client_secret"].as_str().expect("secret").to_owned(),
                    ),
                    app_key: SecretString::from(s["app_key"].as_str().expect("key").to_owned()),
                },
            );
            config.http = quick_http();
            ServiceTitan::new(config).expect("servicetitan connector")
        };
        let q = &info["quickbooks"];
        let mut qconfig = QuickBooksConfig::new(
            ledgerbridge_quickbooks::Endpoints {
                api_base: url(&q["api_base"]),
                authorize_url: url(&q["authorize_url"]),
                token_url: url(&q["token_url"]),
                revoke_url: url(&q["revoke_url"]),
            },
            q["realm_id"].as_str().expect("realm"),
        )
        .with_limits(Limits::none());
        qconfig.http = quick_http();
        let token = sandbox.quickbooks.connect().access_token;
        let qbo = QuickBooks::new(qconfig, |_| Ok(FixedToken(SecretString::from(token))))
            .expect("quickbooks connector");
        let x = &info["xero"];
        let mut xconfig = ledgerbridge_xero::XeroConfig::new(
            ledgerbridge_xero::Endpoints::sandbox(&url(&x["api_base"])),
            x["tenant_id"].as_str().expect("tenant"),
        );
        xconfig.http = quick_http();
        let scopes = "offline_access accounting.invoices accounting.payments accounting.contacts accounting.settings.read";
        let issued = sandbox.xero.issue_tokens(scopes);
        let xtoken = SecretString::from(issued["access_token"].as_str().expect("token").to_owned());
        let xero =
            ledgerbridge_xero::Xero::new(xconfig, FixedToken(xtoken)).expect("xero connector");
        let world = Self {
            st_qbo: st(0),
            st_xero: st(1),
            qbo: QuickBooksTarget::new(qbo, true),
            xero: XeroTarget::new(xero, Some("Business Unit".to_owned())),
            ledger,
            info,
            sandbox,
            http: reqwest::Client::new(),
        };
        world.set_demo_mappings().await;
        world
    }

    pub(crate) fn tenant(&self, system: System) -> TenantSpec {
        let (index, company) = match system {
            System::QuickBooks => (0, self.info["quickbooks"]["realm_id"].clone()),
            _ => (1, self.info["xero"]["tenant_id"].clone()),
        };
        TenantSpec {
            tenant: self.info["servicetitan"]["tenants"][index]["tenant_id"].to_string(),
            target: system,
            company: company.as_str().expect("company").to_owned(),
        }
    }

    async fn set_demo_mappings(&self) {
        let q = self.tenant(System::QuickBooks);
        let x = self.tenant(System::Xero);
        let mut rows = demo_mappings(&q.tenant, &self.st_qbo, &self.qbo)
            .await
            .expect("qbo mappings");
        rows.extend(
            demo_mappings(&x.tenant, &self.st_xero, &self.xero)
                .await
                .expect("xero mappings"),
        );
        self.ledger
            .mappings()
            .upsert_all(&rows)
            .await
            .expect("mappings stored");
    }

    /// Removes one mapping (to make a value unmapped).
    pub(crate) async fn unmap(&self, system: System, kind: MappingKind, source: &str) {
        let t = self.tenant(system);
        let removed = self
            .ledger
            .mappings()
            .remove(&t.tenant, system, kind, source)
            .await
            .expect("remove");
        assert!(removed, "{kind} {source} was mapped");
    }

    pub(crate) async fn mapping(&self, system: System, kind: MappingKind, source: &str) -> Mapping {
        let t = self.tenant(system);
        self.ledger
            .mappings()
            .get(&t.tenant, system, kind, source)
            .await
            .expect("read")
            .expect("mapped")
    }

    /// A run of `tenant` under its lease, held by this process as the CLI holds it.
    pub(crate) async fn begin(&self, tenant: &TenantSpec, dry_run: bool) -> SyncRun<'_> {
        let tenants = [tenant.tenant.clone()];
        let claim = RunClaim {
            tenants: &tenants,
            dry_run,
            lease: LeaseClaim {
                pid: std::process::id(),
                host: "e2e",
                run: None,
                stale_after: Duration::from_secs(3_600),
                is_alive: ALIVE,
            },
        };
        SyncRun::begin(&self.ledger, &claim)
            .await
            .expect("the tenant's lease is free")
    }

    /// One sync run of one tenant, through the public API the CLI uses.
    pub(crate) async fn sync(&self, system: System, settings: &SyncSettings) -> SyncReport {
        let tenant = self.tenant(system);
        let mut run = self.begin(&tenant, settings.dry_run).await;
        let outcome = match system {
            System::QuickBooks => {
                self.sync_with(&mut run, &self.st_qbo, &self.qbo, &tenant, settings)
                    .await
            }
            _ => {
                self.sync_with(&mut run, &self.st_xero, &self.xero, &tenant, settings)
                    .await
            }
        };
        if let Some(e) = &outcome {
            panic!("sync of {} stopped: {e}", tenant.tenant);
        }
        run.finish(None).await.expect("finish")
    }

    /// Like [`World::sync`], but a run stopped by a remote failure is returned, not a panic.
    pub(crate) async fn try_sync(
        &self,
        system: System,
        settings: &SyncSettings,
    ) -> Option<SyncReport> {
        let tenant = self.tenant(system);
        let mut run = self.begin(&tenant, settings.dry_run).await;
        let outcome = match system {
            System::QuickBooks => {
                self.sync_with(&mut run, &self.st_qbo, &self.qbo, &tenant, settings)
                    .await
            }
            _ => {
                self.sync_with(&mut run, &self.st_xero, &self.xero, &tenant, settings)
                    .await
            }
        };
        let stopped = outcome.is_some();
        let report = run.finish(None).await.expect("finish");
        (!stopped).then_some(report)
    }

    /// The tenant's sync under `run`; what stopped it, if anything did.
    async fn sync_with<T: Target>(
        &self,
        run: &mut SyncRun<'_>,
        st: &ServiceTitan,
        target: &T,
        tenant: &TenantSpec,
        settings: &SyncSettings,
    ) -> Option<String> {
        let future = run.tenant(SyncContext {
            ledger: &self.ledger,
            run: run.id(),
            servicetitan: st,
            target,
            tenant,
            settings,
            progress: &NoProgress,
        });
        // The CLI may run tenants on spawned tasks: the engine's future must be Send.
        assert_send(&future);
        future.await.error.as_ref().map(ToString::to_string)
    }

    /// POSTs to an emulator's control API.
    pub(crate) async fn control(&self, base: &str, route: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{base}/_sandbox/{route}"))
            .json(&body)
            .send()
            .await
            .expect("control call");
        assert!(
            response.status().is_success(),
            "{route}: {}",
            response.status()
        );
        response.json().await.unwrap_or(json!({}))
    }
}

fn assert_send<F: Send>(_: &F) {}

/// Settings for the demo month (everything the sandbox seeded is on or after its start).
pub(crate) fn settings() -> SyncSettings {
    SyncSettings::default()
}
