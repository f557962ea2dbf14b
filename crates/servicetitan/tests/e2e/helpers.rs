//! Spawning the emulator and building a connector pointed at it.

use std::time::Duration;

use chrono::Utc;
use ledgerbridge_connector::RetryPolicy;
use ledgerbridge_emulator::{EmulatorContext, EmulatorHandle, LimitMode, Scenario, SeedOptions};
use ledgerbridge_emulator_servicetitan::{EmulatorState, router};
use ledgerbridge_servicetitan::{Credentials, Endpoints, ServiceTitan, ServiceTitanConfig};
use secrecy::SecretString;
use serde_json::{Value, json};
use url::Url;

/// A running emulator and what its info route said.
pub(crate) struct World {
    pub(crate) state: EmulatorState,
    pub(crate) handle: EmulatorHandle,
    pub(crate) info: Value,
    http: reqwest::Client,
}

impl World {
    /// An emulator seeded with `scenario`, limits as given.
    pub(crate) async fn start(scenario: Scenario, limits: LimitMode) -> Self {
        let seed = SeedOptions {
            seed: 42,
            scenario,
            start: Utc::now().date_naive() - chrono::Days::new(30),
        };
        let state = EmulatorState::new(EmulatorContext::new(limits), seed);
        // Every write body the connector sends is checked against the specs first.
        let served = state.clone();
        let handle = ledgerbridge_emulator::serve_on(
            ledgerbridge_emulator::server::ephemeral(),
            move |base| {
                served.set_base_url(base);
                router(served).layer(axum::middleware::from_fn(crate::spec_gate::gate))
            },
        )
        .await
        .expect("emulator starts");
        let http = reqwest::Client::new();
        let info = http
            .get(format!("{}/_sandbox/info", handle.base_url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Self {
            state,
            handle,
            info,
            http,
        }
    }

    /// The first tenant's id.
    pub(crate) fn tenant_id(&self) -> i64 {
        self.info["tenants"][0]["tenant_id"]
            .as_i64()
            .expect("tenant id")
    }

    pub(crate) fn endpoints(&self) -> Endpoints {
        Endpoints {
            api_base: Url::parse(self.info["api_base"].as_str().unwrap()).unwrap(),
            token_url: Url::parse(self.info["token_url"].as_str().unwrap()).unwrap(),
        }
    }

    pub(crate) fn credentials(&self) -> Credentials {
        let tenant = &self.info["tenants"][0];
        Credentials {
            client_id: tenant["client_id"].as_str().unwrap().to_owned(),
            client_secret: SecretString::from(tenant["client_secret"].as_str().unwrap().to_owned()),
            app_key: SecretString::from(self.info["app_key"].as_str().unwrap().to_owned()),
        }
    }

    /// A config for the first tenant with quick retries (tests must not sit in backoff).
    pub(crate) fn config(&self) -> ServiceTitanConfig {
        let mut config =
            ServiceTitanConfig::new(self.endpoints(), self.tenant_id(), self.credentials());
        config.http.retry = RetryPolicy {
            max_retries: 8,
            min_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(5),
        };
        config.http.timeout = Duration::from_secs(20);
        config
    }

    pub(crate) fn connector(&self) -> ServiceTitan {
        ServiceTitan::new(self.config()).expect("connector builds")
    }

    /// Adds `count` Posted invoices to the first tenant.
    pub(crate) fn seed_invoices(&self, count: usize) -> Vec<i64> {
        self.state
            .seed_bulk_invoices(self.tenant_id() as u64, count)
            .expect("bulk seed")
    }

    /// POSTs a control route under `/_sandbox/`.
    pub(crate) async fn control(&self, route: &str, body: Value) {
        let response = self
            .http
            .post(format!("{}/_sandbox/{route}", self.handle.base_url))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{route}: {}",
            response.status()
        );
    }

    /// Serves record `id` of `entity` malformed from now on (the emulator's
    /// `/_sandbox/servicetitan/{tenant}/malformed` route: `patch` is merged into its JSON).
    pub(crate) async fn malform(&self, entity: &str, id: i64, patch: Value) {
        let route = format!("servicetitan/{}/malformed", self.tenant_id());
        self.control(
            &route,
            json!({ "entity": entity, "id": id, "patch": patch }),
        )
        .await;
    }

    /// GETs `path` of the first tenant's API as a plain client would.
    pub(crate) async fn api_get(&self, path: &str) -> Value {
        self.api(reqwest::Method::GET, path, Value::Null).await
    }

    /// Sends `body` to the first tenant's API as a plain client would (for changes the
    /// connector has no method for, such as voiding a payment).
    pub(crate) async fn api(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let tenant = &self.info["tenants"][0];
        let token: Value = self
            .http
            .post(self.info["token_url"].as_str().unwrap())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", tenant["client_id"].as_str().unwrap()),
                ("client_secret", tenant["client_secret"].as_str().unwrap()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let url = format!(
            "{}/{path}",
            self.info["api_base"]
                .as_str()
                .unwrap()
                .trim_end_matches('/')
        );
        let mut request = self
            .http
            .request(method, url)
            .header("ST-App-Key", self.info["app_key"].as_str().unwrap())
            .bearer_auth(token["access_token"].as_str().unwrap());
        if !body.is_null() {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    pub(crate) async fn advance_clock(&self, seconds: i64) {
        self.control("clock", json!({ "advance_seconds": seconds }))
            .await;
    }

    pub(crate) async fn faults(&self, plan: Value) {
        self.control("faults", plan).await;
    }
}
