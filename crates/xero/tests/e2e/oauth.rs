//! `connect xero` on the shared OAuth machinery: PKCE consent approved on the sandbox, the
//! organisation from `/connections`, rotation persisted, the grace window, and a dead grant
//! answered with "reconnect needed" (exit 5).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use ledgerbridge_connector::oauth::{AuthorizeError, ConsentMode, RevokeOutcome, secret_names};
use ledgerbridge_connector::{ConnectorError, CredentialError, CredentialStore, SecretEntry};
use ledgerbridge_core::WallClock;
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_emulator_xero::{XERO_CLIENT_ID, XERO_CLIENT_SECRET, XERO_TENANT_ID};
use ledgerbridge_xero::connect::entry_names;
use ledgerbridge_xero::{
    ConnectError, ConnectRequest, Endpoints, Environment, ScopeStyle, TenantError, XeroApp,
    connect, disconnect, from_store,
};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::helpers::World;

/// An in-memory stand-in for the ledger's encrypted store (connectors never depend on the
/// ledger).
#[derive(Default)]
struct MemoryStore(Mutex<HashMap<(String, String), String>>);

impl MemoryStore {
    fn get(&self, name: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .get(&("xero-1".to_owned(), name.to_owned()))
            .cloned()
    }

    fn put(&self, name: &str, value: &str) {
        self.0
            .lock()
            .unwrap()
            .insert(("xero-1".to_owned(), name.to_owned()), value.to_owned());
    }
}

impl CredentialStore for MemoryStore {
    fn load<'a>(
        &'a self,
        connection: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<SecretString>, CredentialError>> {
        let value = self
            .0
            .lock()
            .unwrap()
            .get(&(connection.to_owned(), name.to_owned()))
            .cloned();
        Box::pin(async move { Ok(value.map(SecretString::from)) })
    }

    fn store<'a>(
        &'a self,
        connection: &'a str,
        entries: &'a [SecretEntry],
    ) -> BoxFuture<'a, Result<(), CredentialError>> {
        let mut map = self.0.lock().unwrap();
        for e in entries {
            map.insert(
                (connection.to_owned(), e.name.clone()),
                e.value.expose_secret().to_owned(),
            );
        }
        Box::pin(async { Ok(()) })
    }

    fn forget<'a>(&'a self, connection: &'a str) -> BoxFuture<'a, Result<(), CredentialError>> {
        self.0.lock().unwrap().retain(|(c, _), _| c != connection);
        Box::pin(async { Ok(()) })
    }
}

impl World {
    fn app(&self) -> XeroApp {
        XeroApp {
            endpoints: Endpoints::sandbox(&self.base()),
            client_id: XERO_CLIENT_ID.to_owned(),
            client_secret: SecretString::from(XERO_CLIENT_SECRET.to_owned()),
            redirect_uri: Url::parse("http://127.0.0.1:0/callback").unwrap(),
        }
    }

    /// The bridge's clock, moving with the sandbox's.
    fn clock(&self) -> WallClock {
        let state = self.state.clone();
        WallClock::new(move || state.now())
    }

    fn request(&self, tenant: Option<&str>) -> ConnectRequest {
        let mut http = self.config().http;
        http.rate_limit = None;
        ConnectRequest {
            connection: "xero-1".into(),
            app: self.app(),
            scopes: ScopeStyle::Granular,
            tenant: tenant.map(str::to_owned),
            mode: ConsentMode::ApproveSandbox,
            timeout: Duration::from_secs(10),
            http,
            clock: self.clock(),
        }
    }

    async fn connect(&self, store: &MemoryStore) -> ledgerbridge_xero::Connected {
        connect(store, self.request(None), |_| {}, |_| None)
            .await
            .expect("connected")
    }

    async fn stored(
        &self,
        store: Arc<MemoryStore>,
    ) -> ledgerbridge_xero::Xero<ledgerbridge_connector::oauth::AuthorizationCodeTokens> {
        let http = self.config().http;
        from_store(&self.app(), store, "xero-1", self.clock(), |c| {
            c.http = http
        })
        .await
        .expect("connector from the store")
    }
}

#[tokio::test]
async fn approve_sandbox_connects_the_only_organisation_and_stores_its_tokens() {
    let world = World::start(LimitMode::Off).await;
    let store = Arc::new(MemoryStore::default());
    let shown = Mutex::new(String::new());
    let connected = connect(
        store.as_ref(),
        world.request(None),
        |url| *shown.lock().unwrap() = url.to_string(),
        |_| None,
    )
    .await
    .expect("connected");
    assert_eq!(connected.tenant.tenant_id, XERO_TENANT_ID);
    assert_eq!(connected.environment, Environment::Sandbox);
    assert_eq!(connected.scopes, ScopeStyle::Granular);
    let url = shown.into_inner().unwrap();
    assert!(
        url.contains("code_challenge_method=S256") && url.contains("state="),
        "{url}"
    );
    assert!(
        url.contains("offline_access") && url.contains("accounting.invoices"),
        "{url}"
    );
    assert!(store.get(secret_names::REFRESH_TOKEN).is_some());
    assert_eq!(
        store.get(entry_names::TENANT_ID).as_deref(),
        Some(XERO_TENANT_ID)
    );

    let xero = world.stored(store.clone()).await;
    assert!(
        !xero
            .organisation()
            .await
            .expect("works from the store")
            .name
            .is_empty()
    );

    let outcome = disconnect(
        &world.app(),
        &world.config().http,
        store.clone(),
        "xero-1",
        world.clock(),
    )
    .await
    .expect("disconnected");
    // Revoked at a https endpoint; the shared OAuth client refuses plain-http revocation URLs
    // (the sandbox's), where the organisation is removed and the tokens forgotten.
    assert!(
        matches!(
            outcome,
            RevokeOutcome::Revoked | RevokeOutcome::NoRevocationEndpoint
        ),
        "{outcome:?}"
    );
    assert!(store.get(secret_names::REFRESH_TOKEN).is_none());
    assert!(store.get(entry_names::TENANT_ID).is_none());
}

#[tokio::test]
async fn a_wrong_tenant_flag_and_a_remote_consent_page_are_refused() {
    let world = World::start(LimitMode::Off).await;
    let store = MemoryStore::default();
    let err = connect(
        &store,
        world.request(Some("not-a-tenant")),
        |_| {},
        |_| None,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, ConnectError::Tenant(TenantError::NotConnected { .. })),
        "{err}"
    );
    assert!(
        store.get(secret_names::REFRESH_TOKEN).is_none(),
        "nothing stored"
    );

    let mut request = world.request(None);
    request.app.endpoints.authorize_url =
        Url::parse("https://login.xero.com/identity/connect/authorize").unwrap();
    let err = connect(&store, request, |_| {}, |_| None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConnectError::Authorize(AuthorizeError::NotLoopback { .. })
        ),
        "{err}"
    );
}

#[tokio::test]
async fn tokens_rotate_and_a_lost_rotation_survives_inside_the_grace_window() {
    let world = World::start(LimitMode::Off).await;
    let store = Arc::new(MemoryStore::default());
    world.connect(&store).await;
    let first = store.get(secret_names::REFRESH_TOKEN).unwrap();
    let xero = world.stored(store.clone()).await;
    xero.organisation().await.unwrap();

    // 31 minutes on: the 30-minute access token is refreshed, the refresh token rotated and
    // persisted.
    world.advance(31 * 60);
    xero.organisation().await.expect("refreshed");
    let second = store.get(secret_names::REFRESH_TOKEN).unwrap();
    assert_ne!(first, second, "rotated");

    // A crash lost the rotated token: the store still has the first one and an expired
    // access token. Inside Xero's 30-minute grace the old refresh token still works.
    let expired = (world.state.now() - chrono::Duration::minutes(1)).to_rfc3339();
    store.put(secret_names::REFRESH_TOKEN, &first);
    store.put(secret_names::ACCESS_TOKEN_EXPIRES_AT, &expired);
    let after_crash = world.stored(store.clone()).await;
    after_crash
        .organisation()
        .await
        .expect("grace window honoured");
    assert_ne!(store.get(secret_names::REFRESH_TOKEN).unwrap(), first);
}

#[tokio::test]
async fn an_expired_grant_asks_for_reconnect_and_names_the_command() {
    let world = World::start(LimitMode::Off).await;
    let store = Arc::new(MemoryStore::default());
    world.connect(&store).await;
    // Unused refresh tokens expire after 60 days.
    world.advance(61 * 86_400);
    let xero = world.stored(store).await;
    let err = xero.organisation().await.unwrap_err();
    assert!(err.needs_reconnect(), "{err}");
    assert!(
        matches!(err, ConnectorError::ReconnectNeeded { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("ledgerbridge connect xero"),
        "{err}"
    );
}
