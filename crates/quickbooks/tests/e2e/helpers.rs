//! The emulator, an in-memory credential store, and a connected connector.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use futures::future::BoxFuture;
use ledgerbridge_connector::oauth::{ConsentMode, OAuthApp};
use ledgerbridge_connector::{
    CredentialError, CredentialStore, HttpSettings, RetryPolicy, SecretEntry,
};
use ledgerbridge_core::WallClock;
use ledgerbridge_emulator::{EmulatorContext, EmulatorHandle, LimitMode, Scenario, SeedOptions};
use ledgerbridge_emulator_quickbooks::{EmulatorState, router};
use ledgerbridge_quickbooks::{
    ConnectRequest, Endpoints, Limits, QuickBooks, QuickBooksConfig, connect,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use url::Url;

/// The connection id the tests store tokens under.
pub(crate) const CONNECTION: &str = "0195c0de-0000-7000-8000-000000000001";

/// A `CredentialStore` in memory; `fail_writes` makes `store` fail (a crash or a full disk
/// between the refresh and its persistence).
#[derive(Default)]
pub(crate) struct MemoryStore {
    entries: Mutex<HashMap<(String, String), String>>,
    pub(crate) fail_writes: AtomicBool,
    pub(crate) writes: Mutex<Vec<Vec<String>>>,
}

impl MemoryStore {
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        self.entries
            .lock()
            .unwrap()
            .get(&(CONNECTION.to_owned(), name.to_owned()))
            .cloned()
    }
}

impl CredentialStore for MemoryStore {
    fn load<'a>(
        &'a self,
        connection: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<SecretString>, CredentialError>> {
        let value = self
            .entries
            .lock()
            .unwrap()
            .get(&(connection.to_owned(), name.to_owned()))
            .cloned()
            .map(SecretString::from);
        Box::pin(async move { Ok(value) })
    }

    fn store<'a>(
        &'a self,
        connection: &'a str,
        entries: &'a [SecretEntry],
    ) -> BoxFuture<'a, Result<(), CredentialError>> {
        Box::pin(async move {
            if self.fail_writes.load(Ordering::SeqCst) {
                return Err(CredentialError::Storage("disk full".into()));
            }
            let mut map = self.entries.lock().unwrap();
            for e in entries {
                map.insert(
                    (connection.to_owned(), e.name.clone()),
                    e.value.expose_secret().to_owned(),
                );
            }
            self.writes
                .lock()
                .unwrap()
                .push(entries.iter().map(|e| e.name.clone()).collect());
            Ok(())
        })
    }

    fn forget<'a>(&'a self, connection: &'a str) -> BoxFuture<'a, Result<(), CredentialError>> {
        self.entries
            .lock()
            .unwrap()
            .retain(|(c, _), _| c != connection);
        Box::pin(async { Ok(()) })
    }
}

/// A running emulator and what its info route said.
pub(crate) struct World {
    pub(crate) state: EmulatorState,
    pub(crate) handle: EmulatorHandle,
    pub(crate) info: Value,
    pub(crate) store: Arc<MemoryStore>,
    /// The seed's start date; tests derive dates from it, never from a second clock reading.
    pub(crate) start: chrono::NaiveDate,
    http: reqwest::Client,
}

/// Quick retries: tests must not sit in backoff.
pub(crate) fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 4,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(2),
    }
}

impl World {
    pub(crate) async fn start(limits: LimitMode) -> Self {
        Self::start_wrapped(limits, |router| router).await
    }

    /// Like [`World::start`], with the emulator's router wrapped (e.g. to record requests).
    pub(crate) async fn start_wrapped(
        limits: LimitMode,
        wrap: impl FnOnce(axum::Router) -> axum::Router,
    ) -> Self {
        let seed = SeedOptions {
            seed: 42,
            scenario: Scenario::Demo,
            start: Utc::now().date_naive() - chrono::Days::new(30),
        };
        let start = seed.start;
        let state = EmulatorState::new(EmulatorContext::new(limits), seed);
        let served = state.clone();
        let handle =
            ledgerbridge_emulator::serve_on(ledgerbridge_emulator::server::ephemeral(), |base| {
                served.set_base_url(base);
                wrap(router(served.clone()))
            })
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
            start,
            state,
            handle,
            info,
            store: Arc::new(MemoryStore::default()),
            http,
        }
    }

    fn url(&self, key: &str) -> Url {
        Url::parse(self.info[key].as_str().unwrap()).unwrap()
    }

    pub(crate) fn endpoints(&self) -> Endpoints {
        Endpoints {
            api_base: self.url("api_base"),
            authorize_url: self.url("authorize_url"),
            token_url: self.url("token_url"),
            revoke_url: self.url("revoke_url"),
        }
    }

    /// The emulator's clock, shared with the connector.
    pub(crate) fn clock(&self) -> WallClock {
        let clock = self.state.context().clock.clone();
        WallClock::new(move || clock.now())
    }

    pub(crate) fn app(&self) -> OAuthApp {
        let mut app = self.endpoints().oauth_app(
            self.info["client_id"].as_str().unwrap(),
            SecretString::from(self.info["client_secret"].as_str().unwrap().to_owned()),
            Url::parse("http://127.0.0.1:0/callback").unwrap(),
        );
        app.renew_before = Duration::from_secs(300);
        app
    }

    pub(crate) fn http_settings(&self) -> HttpSettings {
        HttpSettings {
            timeout: Duration::from_secs(20),
            retry: quick_retry(),
            ..HttpSettings::default()
        }
    }

    /// `connect quickbooks --approve-sandbox`, then the tokens stored under [`CONNECTION`].
    pub(crate) async fn connect(&self) -> ledgerbridge_quickbooks::AuthorizedCompany {
        let request = ConnectRequest {
            endpoints: self.endpoints(),
            client_id: self.info["client_id"].as_str().unwrap().to_owned(),
            client_secret: SecretString::from(
                self.info["client_secret"].as_str().unwrap().to_owned(),
            ),
            redirect_uri: Url::parse("http://127.0.0.1:0/callback").unwrap(),
            mode: ConsentMode::ApproveSandbox,
            timeout: Duration::from_secs(20),
            http: self.http_settings(),
        };
        let company = connect(request, |_| {}).await.expect("consent approved");
        company
            .store(self.store.as_ref(), CONNECTION, self.clock().now())
            .await
            .expect("tokens stored");
        company
    }

    pub(crate) fn config(&self, realm: &str) -> QuickBooksConfig {
        let mut config = QuickBooksConfig::new(self.endpoints(), realm).with_limits(Limits::none());
        config.http.retry = quick_retry();
        config.http.timeout = Duration::from_secs(20);
        config.clock = self.clock();
        config
    }

    /// A connector on the stored tokens, no local pacing, quick retries.
    pub(crate) async fn connector(&self) -> QuickBooks {
        let company = self.connect().await;
        self.connector_for(self.config(&company.realm_id))
    }

    pub(crate) fn connector_for(&self, config: QuickBooksConfig) -> QuickBooks {
        let store: Arc<dyn CredentialStore> = self.store.clone();
        QuickBooks::from_store(config, self.app(), store, CONNECTION).expect("connector builds")
    }

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

    pub(crate) async fn advance_clock(&self, seconds: i64) {
        self.control("clock", json!({ "advance_seconds": seconds }))
            .await;
    }

    pub(crate) async fn clear_faults(&self) {
        self.http
            .delete(format!("{}/_sandbox/faults", self.handle.base_url))
            .send()
            .await
            .unwrap();
    }
}
