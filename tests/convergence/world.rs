//! One simulated world per seed: the sandbox (three emulators over loopback HTTP), an
//! in-memory ledger, both demo tenants' connectors, demo mappings, and the control calls the
//! harness makes (faults, clock, state dumps).

use std::sync::Mutex;
use std::time::Duration;

use ledgerbridge_connector::{
    AccessToken, ConnectorError, HttpSettings, RetryPolicy, TokenProvider,
};
use ledgerbridge_core::System;
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_ledger::{LeaseClaim, Ledger, LedgerLocation, LedgerOptions};
use ledgerbridge_quickbooks::QuickBooksTarget;
use ledgerbridge_quickbooks::{Limits, QuickBooks, QuickBooksConfig};
use ledgerbridge_reconcile::{
    NoProgress, RunClaim, SyncContext, SyncRun, SyncSettings, TenantSpec,
};
use ledgerbridge_sandbox::demo_mappings;
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};
use ledgerbridge_servicetitan::{Credentials, Endpoints, ServiceTitan, ServiceTitanConfig};
use ledgerbridge_xero::XeroTarget;
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;

/// Both tenants, in the order the sandbox lists them.
pub(crate) const SYSTEMS: [System; 2] = [System::QuickBooks, System::Xero];

/// Tokens issued straight by the emulator (the consent shortcut), renewed after a 401 like an
/// OAuth provider would: the clock moves forward in the scenario, so tokens do expire.
pub(crate) struct RenewingToken {
    issue: Box<dyn Fn() -> String + Send + Sync>,
    current: Mutex<Option<AccessToken>>,
    generation: Mutex<u64>,
}

impl RenewingToken {
    fn new(issue: impl Fn() -> String + Send + Sync + 'static) -> Self {
        Self {
            issue: Box::new(issue),
            current: Mutex::new(None),
            generation: Mutex::new(0),
        }
    }
}

impl TokenProvider for RenewingToken {
    async fn access_token(&self) -> Result<AccessToken, ConnectorError> {
        let mut current = self.current.lock().expect("token lock");
        if let Some(token) = current.as_ref() {
            return Ok(token.clone());
        }
        let mut generation = self.generation.lock().expect("generation lock");
        *generation += 1;
        let token = AccessToken::new(SecretString::from((self.issue)()), *generation);
        *current = Some(token.clone());
        Ok(token)
    }

    fn reject(&self, token: &AccessToken) {
        let mut current = self.current.lock().expect("token lock");
        if current
            .as_ref()
            .is_some_and(|t| t.generation() == token.generation())
        {
            *current = None;
        }
    }
}

/// Short timeouts and retry waits: a seed must take about a second, and every injected
/// timeout must surface as an unknown outcome rather than a long wait.
fn harness_http() -> HttpSettings {
    HttpSettings {
        timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_retries: 3,
            min_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(2),
        },
        rate_limit: None,
        ..HttpSettings::default()
    }
}

fn url(v: &Value) -> Url {
    Url::parse(v.as_str().expect("a URL")).expect("a URL")
}

/// The sandbox, the ledger and the connectors of one seed.
pub(crate) struct World {
    pub(crate) sandbox: Sandbox,
    pub(crate) ledger: Ledger,
    pub(crate) info: Value,
    pub(crate) st: [ServiceTitan; 2],
    pub(crate) qbo: QuickBooksTarget<RenewingToken>,
    pub(crate) xero: XeroTarget<RenewingToken>,
    pub(crate) http: reqwest::Client,
    pub(crate) settings: SyncSettings,
}

impl World {
    /// A fresh world seeded with `data_seed` (mappings are set once ServiceTitan is filled).
    pub(crate) async fn start(data_seed: u64) -> Self {
        let mut options = SandboxOptions::for_tests(Scenario::Demo, LimitMode::Off);
        options.seed = data_seed;
        let sandbox = Sandbox::start(options).await.expect("sandbox starts");
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
            config.http = harness_http();
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
        qconfig.http = harness_http();
        let qbo_state = sandbox.quickbooks.clone();
        let qbo = QuickBooks::new(qconfig, move |_| {
            Ok(RenewingToken::new(move || qbo_state.connect().access_token))
        })
        .expect("quickbooks connector");
        let x = &info["xero"];
        let mut xconfig = ledgerbridge_xero::XeroConfig::new(
            ledgerbridge_xero::Endpoints::sandbox(&url(&x["api_base"])),
            x["tenant_id"].as_str().expect("tenant"),
        );
        xconfig.http = harness_http();
        let xero_state = sandbox.xero.clone();
        let xero_token = RenewingToken::new(move || {
            let scopes = "offline_access accounting.invoices accounting.payments \
                          accounting.contacts accounting.settings.read";
            xero_state.issue_tokens(scopes)["access_token"]
                .as_str()
                .expect("token")
                .to_owned()
        });
        let xero = ledgerbridge_xero::Xero::new(xconfig, xero_token).expect("xero connector");
        Self {
            st: [st(0), st(1)],
            qbo: QuickBooksTarget::new(qbo, true),
            xero: XeroTarget::new(xero, Some("Business Unit".to_owned())),
            ledger,
            info,
            sandbox,
            http: reqwest::Client::new(),
            settings: SyncSettings::default(),
        }
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

    /// Maps every ServiceTitan value to a sensible choice of the books (`init --sandbox`).
    pub(crate) async fn set_demo_mappings(&self) {
        let q = self.tenant(System::QuickBooks);
        let x = self.tenant(System::Xero);
        let mut rows = demo_mappings(&q.tenant, &self.st[0], &self.qbo)
            .await
            .expect("qbo mappings");
        rows.extend(
            demo_mappings(&x.tenant, &self.st[1], &self.xero)
                .await
                .expect("xero mappings"),
        );
        self.ledger
            .mappings()
            .upsert_all(&rows)
            .await
            .expect("mappings stored");
    }

    /// A run of `system`'s tenant under its lease, as the CLI begins one. A run crashed
    /// in-process (its future dropped) leaves its lease as a killed process does, unless the
    /// dropped guard's clean-up freed it first: to the claim every holder's pid is dead, so the
    /// next run takes such a lease over (and marks the crashed run `interrupted`).
    pub(crate) async fn begin(&self, system: System) -> SyncRun<'_> {
        let tenants = [self.tenant(system).tenant];
        let claim = RunClaim {
            tenants: &tenants,
            dry_run: false,
            lease: LeaseClaim {
                pid: std::process::id(),
                host: "convergence",
                run: None,
                stale_after: Duration::from_secs(3_600),
                is_alive: &|_| false,
            },
        };
        SyncRun::begin(&self.ledger, &claim)
            .await
            .expect("no other live run holds the tenant")
    }

    /// One tenant's sync as the CLI runs it, as a future the caller may drop half-way (the
    /// in-process crash); what stopped it, if anything did.
    pub(crate) async fn sync_once(&self, run: &mut SyncRun<'_>, system: System) -> Option<String> {
        let tenant = self.tenant(system);
        let settings = &self.settings;
        let outcome = match system {
            System::QuickBooks => {
                run.tenant(SyncContext {
                    ledger: &self.ledger,
                    run: run.id(),
                    servicetitan: &self.st[0],
                    target: &self.qbo,
                    tenant: &tenant,
                    settings,
                    progress: &NoProgress,
                })
                .await
            }
            _ => {
                run.tenant(SyncContext {
                    ledger: &self.ledger,
                    run: run.id(),
                    servicetitan: &self.st[1],
                    target: &self.xero,
                    tenant: &tenant,
                    settings,
                    progress: &NoProgress,
                })
                .await
            }
        };
        outcome.error.as_ref().map(ToString::to_string)
    }

    /// The three emulators' base URLs: ServiceTitan, QuickBooks, Xero.
    pub(crate) fn bases(&self) -> [String; 3] {
        [
            self.sandbox.servicetitan_handle.base_url.clone(),
            self.sandbox.quickbooks_handle.base_url.clone(),
            self.sandbox.xero_handle.base_url.clone(),
        ]
    }

    /// `POST {base}/_sandbox/{route}`; panics unless it succeeds.
    pub(crate) async fn control(&self, base: &str, route: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{base}/_sandbox/{route}"))
            .json(&body)
            .send()
            .await
            .expect("control call");
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "{route}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(json!({}))
    }

    /// The faults injected so far by the emulator at `base` (`GET /_sandbox/faults`).
    pub(crate) async fn injected(&self, base: &str) -> Value {
        self.http
            .get(format!("{base}/_sandbox/faults"))
            .send()
            .await
            .expect("faults")
            .json::<Value>()
            .await
            .expect("faults JSON")["injected"]
            .clone()
    }

    /// Stops the emulator at `base` injecting faults.
    pub(crate) async fn clear_faults(&self, base: &str) {
        let response = self
            .http
            .delete(format!("{base}/_sandbox/faults"))
            .send()
            .await
            .expect("clear faults");
        assert!(response.status().is_success());
    }
}
