//! `connect servicetitan`: proven before stored, environment by host, usable from the store.

use std::collections::HashMap;
use std::sync::Mutex;

use futures::TryStreamExt;
use futures::future::BoxFuture;
use ledgerbridge_connector::{
    ConnectorError, CredentialError, CredentialStore, HttpSettings, SecretEntry,
};
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_servicetitan::{ConnectRequest, Environment, ServiceTitan, connect, secret_names};
use secrecy::{ExposeSecret, SecretString};

use crate::helpers::World;

/// An in-memory stand-in for the ledger's encrypted store (the real one lives in the ledger
/// crate, which connectors must not depend on).
#[derive(Default)]
struct MemoryStore(Mutex<HashMap<(String, String), String>>);

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

#[tokio::test]
async fn connect_proves_then_stores_and_records_the_sandbox_environment() {
    let world = World::start(Scenario::Demo, LimitMode::Real).await;
    let store = MemoryStore::default();
    let request = ConnectRequest {
        connection: "st-1".into(),
        endpoints: world.endpoints(),
        tenant_id: world.tenant_id(),
        credentials: world.credentials(),
        http: HttpSettings::default(),
    };
    let connection = connect(&store, request).await.unwrap();
    assert_eq!(connection.environment, Environment::Sandbox);
    assert_eq!(connection.api_host, "127.0.0.1");
    for name in [
        secret_names::CLIENT_ID,
        secret_names::CLIENT_SECRET,
        secret_names::APP_KEY,
    ] {
        assert!(
            store.load("st-1", name).await.unwrap().is_some(),
            "{name} stored"
        );
    }

    let st = ServiceTitan::from_store(&store, "st-1", world.endpoints(), world.tenant_id(), |c| {
        c.page_size = 100
    })
    .await
    .unwrap();
    let pages: Vec<_> = st.invoice_pages(None).try_collect().await.unwrap();
    assert!(
        !pages[0].records.is_empty(),
        "a connector built from the store reads"
    );

    let missing = ServiceTitan::from_store(
        &store,
        "st-unknown",
        world.endpoints(),
        world.tenant_id(),
        |_| {},
    )
    .await;
    assert!(matches!(
        missing,
        Err(ConnectorError::ReconnectNeeded { .. })
    ));
}

#[tokio::test]
async fn wrong_credentials_are_refused_and_nothing_is_stored() {
    let world = World::start(Scenario::Demo, LimitMode::Real).await;
    let store = MemoryStore::default();
    let mut credentials = world.credentials();
    credentials.client_secret = SecretString::from("cs1.wrong".to_owned());
    let request = ConnectRequest {
        connection: "st-1".into(),
        endpoints: world.endpoints(),
        tenant_id: world.tenant_id(),
        credentials,
        http: HttpSettings::default(),
    };
    let err = connect(&store, request.clone()).await.unwrap_err();
    assert!(err.needs_reconnect(), "{err:?}");
    assert!(!err.to_string().contains("cs1.wrong"));
    assert!(
        store.0.lock().unwrap().is_empty(),
        "unproven credentials are never stored"
    );

    let mut bad_key = request;
    bad_key.credentials = world.credentials();
    bad_key.credentials.app_key = SecretString::from("ak1.wrong".to_owned());
    let err = connect(&store, bad_key).await.unwrap_err();
    assert!(
        err.needs_reconnect(),
        "a wrong app key is refused by the first page: {err:?}"
    );
    assert!(store.0.lock().unwrap().is_empty());
}
