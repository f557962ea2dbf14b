//! The whole OAuth life against the emulator: consent, refresh before expiry, rotation
//! persisted first, the grace window, a 401 mid-run, expiry and revoke -> reconnect.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use ledgerbridge_connector::oauth::{RevokeOutcome, secret_names as names};
use ledgerbridge_connector::{ConnectorError, CredentialStore, TokenProvider};
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_emulator_quickbooks::REALM_ID;
use ledgerbridge_quickbooks::{Environment, disconnect, token_status};

use crate::helpers::{CONNECTION, World};

fn assert_reconnect(err: &ConnectorError) {
    assert!(err.needs_reconnect(), "{err:?}");
    let shown = err.to_string();
    assert!(
        shown.contains("ledgerbridge connect quickbooks"),
        "the message names the command to run: {shown}"
    );
}

#[tokio::test]
async fn approve_sandbox_connects_the_realm_from_the_redirect_and_stores_tokens_in_one_write() {
    let world = World::start(LimitMode::Off).await;
    let company = world.connect().await;
    assert_eq!(company.realm_id, REALM_ID);
    assert_eq!(company.environment, Environment::Sandbox);
    assert!(company.company_name.is_some());
    let writes = world.store.writes.lock().unwrap().clone();
    assert_eq!(writes.len(), 1, "one store call, one transaction");
    for name in [
        names::ACCESS_TOKEN,
        names::ACCESS_TOKEN_EXPIRES_AT,
        names::REFRESH_TOKEN,
        names::REFRESH_TOKEN_ISSUED_AT,
        names::REFRESH_TOKEN_EXPIRES_AT,
        names::CONNECTED_AT,
    ] {
        assert!(writes[0].iter().any(|n| n == name), "{name} in {writes:?}");
    }
    let status = token_status(world.store.as_ref(), CONNECTION)
        .await
        .unwrap()
        .unwrap();
    let now = world.clock().now();
    assert!(status.access_token_valid(now));
    assert!(!status.needs_reconnect(now));
    // Intuit states the refresh lifetime (100 days in the sandbox): the expiry follows it.
    let left = status.refresh_token_expires_at.unwrap() - now;
    assert!(
        left > chrono::Duration::days(99) && left <= chrono::Duration::days(101),
        "{left}"
    );
    // The stored connection works.
    let qbo = world.connector_for(world.config(&company.realm_id));
    assert_eq!(qbo.company_name().await.unwrap(), company.company_name);
    assert_eq!(
        qbo.auth().token_requests(),
        0,
        "the stored access token was reused"
    );
}

#[tokio::test]
async fn a_token_near_expiry_is_refreshed_once_for_many_callers_and_the_rotation_persisted_first() {
    let world = World::start(LimitMode::Off).await;
    let qbo = world.connector().await;
    let first_refresh = world.store.get(names::REFRESH_TOKEN).unwrap();
    qbo.company_name().await.unwrap();
    // 56 minutes later the 60-minute token is inside the 5-minute renewal margin.
    world.advance_clock(56 * 60).await;
    let auth = qbo.auth().clone();
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let auth = auth.clone();
            tokio::spawn(async move { auth.access_token().await.map(|t| t.generation()) })
        })
        .collect();
    let mut generations = Vec::new();
    for call in calls {
        generations.push(call.await.unwrap().unwrap());
    }
    assert_eq!(auth.token_requests(), 1, "single flight: one refresh");
    assert!(
        generations.windows(2).all(|w| w[0] == w[1]),
        "{generations:?}"
    );
    let rotated = world.store.get(names::REFRESH_TOKEN).unwrap();
    assert_ne!(
        rotated, first_refresh,
        "the emulator rotates on every refresh"
    );
    let writes = world.store.writes.lock().unwrap().clone();
    let refresh_write = writes.last().unwrap();
    for name in [
        names::ACCESS_TOKEN,
        names::REFRESH_TOKEN,
        names::REFRESH_TOKEN_ISSUED_AT,
    ] {
        assert!(refresh_write.iter().any(|n| n == name), "{refresh_write:?}");
    }
    qbo.company_name().await.unwrap();
}

#[tokio::test]
async fn an_unpersisted_rotation_is_never_used_and_the_grace_window_recovers_it() {
    let world = World::start(LimitMode::Off).await;
    let qbo = world.connector().await;
    let original = world.store.get(names::REFRESH_TOKEN).unwrap();
    world.advance_clock(3_600).await;
    // The refresh succeeds at Intuit but cannot be persisted: the new tokens must not be used.
    world.store.fail_writes.store(true, Ordering::SeqCst);
    let err = qbo.company_name().await.unwrap_err();
    assert!(
        !err.needs_reconnect(),
        "a storage failure is not a dead grant: {err:?}"
    );
    assert_eq!(world.store.get(names::REFRESH_TOKEN).unwrap(), original);
    // Next run: the previous refresh token still works (24 h grace) and rotates again.
    world.store.fail_writes.store(false, Ordering::SeqCst);
    world.advance_clock(3_600).await;
    qbo.company_name().await.unwrap();
    let recovered = world.store.get(names::REFRESH_TOKEN).unwrap();
    assert_ne!(recovered, original);
    // Past the grace window the replaced token is refused: exit 5, naming the command.
    world.advance_clock(25 * 3_600).await;
    world
        .store
        .store(
            CONNECTION,
            &[ledgerbridge_connector::SecretEntry::new(
                names::REFRESH_TOKEN,
                original,
            )],
        )
        .await
        .unwrap();
    let fresh = world.connector_for(world.config(REALM_ID));
    assert_reconnect(&fresh.company_name().await.unwrap_err());
}

#[tokio::test]
async fn a_401_mid_run_refreshes_and_replays_once() {
    let world = World::start(LimitMode::Off).await;
    let company = world.connect().await;
    // This connector's clock is the wall clock: it believes its token is fresh while the
    // emulator's clock says it expired, so the remote answers 401.
    let mut config = world.config(&company.realm_id);
    config.clock = ledgerbridge_core::WallClock::system();
    let qbo = world.connector_for(config);
    qbo.company_name().await.unwrap();
    world.advance_clock(2 * 3_600).await;
    qbo.company_name().await.unwrap();
    assert_eq!(qbo.auth().token_requests(), 1);
}

#[tokio::test]
async fn an_expired_refresh_token_needs_a_reconnect() {
    let world = World::start(LimitMode::Off).await;
    let qbo = world.connector().await;
    world.advance_clock(101 * 86_400).await;
    let err = qbo.company_name().await.unwrap_err();
    assert_reconnect(&err);
    let status = token_status(world.store.as_ref(), CONNECTION)
        .await
        .unwrap()
        .unwrap();
    assert!(status.needs_reconnect(world.clock().now()));
}

#[tokio::test]
async fn disconnect_revokes_then_forgets() {
    let world = World::start(LimitMode::Off).await;
    world.connect().await;
    let refresh = world.store.get(names::REFRESH_TOKEN).unwrap();
    let store: Arc<dyn CredentialStore> = world.store.clone();
    let outcome = disconnect(
        &world.app(),
        &world.http_settings(),
        store.clone(),
        CONNECTION,
    )
    .await
    .unwrap();
    assert_eq!(outcome, RevokeOutcome::Revoked);
    assert!(world.store.get(names::REFRESH_TOKEN).is_none());
    assert!(
        token_status(store.as_ref(), CONNECTION)
            .await
            .unwrap()
            .is_none()
    );
    // The revoked grant is dead at Intuit too.
    world
        .store
        .store(
            CONNECTION,
            &[ledgerbridge_connector::SecretEntry::new(
                names::REFRESH_TOKEN,
                refresh,
            )],
        )
        .await
        .unwrap();
    let qbo = world.connector_for(world.config(REALM_ID));
    assert_reconnect(&qbo.company_name().await.unwrap_err());
    // Nothing stored: nothing to revoke.
    store.forget(CONNECTION).await.unwrap();
    let again = disconnect(&world.app(), &world.http_settings(), store, CONNECTION)
        .await
        .unwrap();
    assert_eq!(again, RevokeOutcome::NothingStored);
}
