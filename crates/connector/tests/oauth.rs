//! The shared OAuth machinery against a scripted provider (wiremock): consent with state and
//! PKCE, the loopback listener, the sandbox approval, refresh rules, revoke.
//!
//! The QuickBooks crate runs the same machinery against the stateful QuickBooks emulator;
//! these tests pin the protocol details a provider-neutral caller (Xero) relies on.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerbridge_connector::oauth::{
    AuthorizationCodeTokens, AuthorizeError, ConsentMode, RedirectListener, RevokeBody,
    RevokeOutcome, authorize, revoke_and_forget, secret_names as names, store_grant,
};
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use ledgerbridge_core::WallClock;
use secrecy::ExposeSecret;
use serde_json::json;
use url::Url;
use wiremock::matchers::{body_string_contains, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[path = "oauth/support.rs"]
mod support;

use support::{ConsentPage, Decision, Store, app, retry};

const CONNECTION: &str = "conn-1";

fn tokens(access: &str, refresh: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": access, "token_type": "Bearer", "expires_in": 1800, "refresh_token": refresh
    }))
}

async fn provider() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/authorize"))
        .respond_with(ConsentPage)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/authorize/decision"))
        .respond_with(Decision)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("grant_type=authorization_code"))
        .and(body_string_contains("code_verifier="))
        .and(header_exists("authorization"))
        .respond_with(tokens("access-1", "refresh-1"))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn pkce_consent_is_approved_in_the_sandbox_and_exchanged_with_the_verifier() {
    let server = provider().await;
    let shown = Arc::new(Mutex::new(None));
    let seen = shown.clone();
    let authorized = authorize(
        &app(&server, true),
        &reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        retry(),
        ConsentMode::ApproveSandbox,
        Duration::from_secs(10),
        move |url| *seen.lock().unwrap() = Some(url.clone()),
    )
    .await
    .unwrap();
    let url = shown.lock().unwrap().clone().unwrap();
    let params: HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(params["code_challenge_method"], "S256");
    assert_eq!(params["response_type"], "code");
    assert!(params["state"].len() >= 16, "a random state");
    assert_eq!(params["scope"], "offline_access accounting.transactions");
    assert_eq!(
        authorized.params.get("scope").map(String::as_str),
        Some("offline_access")
    );
    assert_eq!(authorized.grant.access_token.expose_secret(), "access-1");
    assert_eq!(authorized.grant.access_lifetime, Duration::from_secs(1800));
    // Stored in one call, and `doctor` can read the dates back.
    let store = Store::default();
    let now = Utc::now();
    store_grant(
        &store,
        CONNECTION,
        &app(&server, true),
        &authorized.grant,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        store.get(names::REFRESH_TOKEN).as_deref(),
        Some("refresh-1")
    );
    assert_eq!(store.get(names::CONNECTED_AT), Some(now.to_rfc3339()));
}

#[tokio::test]
async fn the_listener_rejects_a_foreign_state_and_reports_a_denial() {
    let server = provider().await;
    let http = reqwest::Client::new();
    // A redirect that did not come from our consent (another state): possible CSRF.
    let forged = authorize(
        &app(&server, true),
        &http,
        retry(),
        ConsentMode::Interactive,
        Duration::from_secs(5),
        |url| {
            let params: HashMap<_, _> = url.query_pairs().into_owned().collect();
            let to = format!(
                "{}?code=stolen&state=not-{}",
                params["redirect_uri"], params["state"]
            );
            tokio::spawn(async move { reqwest::get(to).await });
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(forged, AuthorizeError::StateMismatch),
        "{forged:?}"
    );
    // Approving without PKCE makes the scripted provider deny.
    let denied = authorize(
        &app(&server, false),
        &http,
        retry(),
        ConsentMode::ApproveSandbox,
        Duration::from_secs(5),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&denied, AuthorizeError::Denied { error, .. } if error == "access_denied"),
        "{denied:?}"
    );
}

#[tokio::test]
async fn the_listener_ignores_other_paths_and_gives_up_after_the_timeout() {
    let listener = RedirectListener::bind(&Url::parse("http://127.0.0.1:0/cb").unwrap())
        .await
        .unwrap();
    let redirect = listener.redirect_uri().clone();
    assert_ne!(redirect.port(), Some(0));
    let base = redirect.clone();
    tokio::spawn(async move {
        let favicon = reqwest::get(base.join("/favicon.ico").unwrap())
            .await
            .unwrap();
        assert_eq!(favicon.status(), 404);
        let done = reqwest::get(format!("{base}?code=c-9&state=s-1&realmId=42"))
            .await
            .unwrap();
        assert_eq!(done.status(), 200);
    });
    let callback = listener
        .accept("s-1", Duration::from_secs(120))
        .await
        .unwrap();
    assert_eq!(callback.code.expose_secret(), "c-9");
    assert_eq!(
        callback.params.get("realmId").map(String::as_str),
        Some("42")
    );
    let idle = RedirectListener::bind(&Url::parse("http://127.0.0.1:0/cb").unwrap())
        .await
        .unwrap();
    let err = idle
        .accept("s", Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(matches!(err, AuthorizeError::TimedOut { .. }));
    let public = RedirectListener::bind(&Url::parse("https://example.com/cb").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(public, AuthorizeError::Setup { .. }));
}

fn seeded_store(access_expires: DateTime<Utc>) -> Arc<Store> {
    let store = Arc::new(Store::default());
    let mut map = store.entries.lock().unwrap();
    map.insert(names::ACCESS_TOKEN.into(), "access-0".into());
    map.insert(
        names::ACCESS_TOKEN_EXPIRES_AT.into(),
        access_expires.to_rfc3339(),
    );
    map.insert(names::REFRESH_TOKEN.into(), "refresh-0".into());
    drop(map);
    store
}

fn tokens_for(server: &MockServer, store: Arc<Store>) -> AuthorizationCodeTokens {
    AuthorizationCodeTokens::new(
        app(server, true),
        reqwest::Client::new(),
        retry(),
        store,
        CONNECTION,
        WallClock::system(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_refresh_persists_the_rotation_before_use_and_a_failed_write_uses_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=refresh-0"))
        .respond_with(tokens("access-1", "refresh-1"))
        .expect(2)
        .mount(&server)
        .await;
    // Due for renewal (inside the 5-minute margin).
    let store = seeded_store(Utc::now() + chrono::Duration::minutes(2));
    store.fail.store(true, Ordering::SeqCst);
    let auth = tokens_for(&server, store.clone());
    let err = auth.access_token().await.unwrap_err();
    assert!(!err.needs_reconnect(), "{err:?}");
    assert_eq!(
        store.get(names::REFRESH_TOKEN).as_deref(),
        Some("refresh-0")
    );
    store.fail.store(false, Ordering::SeqCst);
    let token = auth.access_token().await.unwrap();
    assert_eq!(token.secret().expose_secret(), "access-1");
    assert_eq!(
        store.get(names::REFRESH_TOKEN).as_deref(),
        Some("refresh-1")
    );
    assert_eq!(store.get(names::ACCESS_TOKEN).as_deref(), Some("access-1"));
    // Cached now: no third token request (wiremock checks `expect(2)` on drop).
    auth.access_token().await.unwrap();
}

#[tokio::test]
async fn a_valid_stored_token_is_reused_and_a_401_forces_a_refresh_not_a_reload() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(tokens("access-1", "refresh-0"))
        .expect(1)
        .mount(&server)
        .await;
    let store = seeded_store(Utc::now() + chrono::Duration::minutes(30));
    let auth = tokens_for(&server, store.clone());
    let stored = auth.access_token().await.unwrap();
    assert_eq!(stored.secret().expose_secret(), "access-0");
    auth.reject(&stored);
    let fresh = auth.access_token().await.unwrap();
    assert_eq!(fresh.secret().expose_secret(), "access-1");
    assert!(fresh.generation() > stored.generation());
    // The same refresh token came back: its issue date is not reset.
    assert!(store.get(names::REFRESH_TOKEN_ISSUED_AT).is_none());
    // Rejecting an older token than the current one changes nothing.
    auth.reject(&stored);
    assert_eq!(
        auth.access_token().await.unwrap().generation(),
        fresh.generation()
    );
}

#[tokio::test]
async fn invalid_grant_means_reconnect_with_the_command_named() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(
                json!({"error": "invalid_grant", "error_description": "Token invalid"}),
            ),
        )
        .mount(&server)
        .await;
    let store = seeded_store(Utc::now() - chrono::Duration::minutes(1));
    let err = tokens_for(&server, store.clone())
        .access_token()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ConnectorError::ReconnectNeeded { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("run `ledgerbridge connect xero`"),
        "{err}"
    );
    assert!(
        !err.to_string().contains("refresh-0"),
        "no token in messages"
    );
    let none = Arc::new(Store::default());
    let err = tokens_for(&server, none).access_token().await.unwrap_err();
    assert!(err.needs_reconnect(), "{err:?}");
}

#[tokio::test]
async fn revoke_sends_the_refresh_token_in_the_providers_shape_then_forgets() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .and(body_string_contains("token=refresh-0"))
        .and(body_string_contains("token_type_hint=refresh_token"))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let store = seeded_store(Utc::now());
    let http = reqwest::Client::new();
    let outcome = revoke_and_forget(
        &app(&server, true),
        &http,
        retry(),
        store.as_ref(),
        CONNECTION,
    )
    .await
    .unwrap();
    assert_eq!(outcome, RevokeOutcome::Revoked);
    assert!(store.get(names::REFRESH_TOKEN).is_none());

    let intuit = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/revoke"))
        .and(body_string_contains("{\"token\":\"refresh-0\"}"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "invalid_token"})))
        .expect(1)
        .mount(&intuit)
        .await;
    let mut json_app = app(&intuit, false);
    json_app.revoke_body = RevokeBody::Json;
    let store = seeded_store(Utc::now());
    let outcome = revoke_and_forget(&json_app, &http, retry(), store.as_ref(), CONNECTION)
        .await
        .unwrap();
    assert_eq!(outcome, RevokeOutcome::AlreadyInvalid);
}
