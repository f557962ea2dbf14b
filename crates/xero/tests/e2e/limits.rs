//! Xero's minute and day limits: paced, waited out, or stopped with when the run resumes.

use std::time::Duration;

use ledgerbridge_connector::{ConnectorError, ManualClock};
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_xero::DailyLimit;
use serde_json::json;

use crate::helpers::{World, always};

/// Spends `n` calls of the demo tenant's day with a raw client, moving the sandbox clock a
/// minute on every 50 calls so the minute limit never interferes (and taking a new token
/// every 1,000 calls, as those 30-minute tokens expire on the moving clock).
async fn spend_day(world: &World, n: usize) {
    let mut token = String::new();
    for i in 0..n {
        if i % 1000 == 0 {
            token = fresh_token(world);
        }
        if i % 50 == 0 {
            world.advance(61);
        }
        let status = world.raw_get(&token, "/Organisation").await.status();
        assert!(status.is_success(), "call {i}: {status}");
    }
    world.advance(61);
}

fn fresh_token(world: &World) -> String {
    world.state.issue_tokens(crate::helpers::SCOPES)["access_token"]
        .as_str()
        .expect("token")
        .to_owned()
}

#[tokio::test]
async fn a_minute_429_is_waited_out_per_retry_after() {
    let world = World::start(LimitMode::Real).await;
    // The connector waits on a manual clock: how long it waited is read, not timed.
    let clock = ManualClock::new();
    let mut config = world.config();
    config.http.clock = clock.clock();
    let xero = world.connector_with(config);
    world
        .control("faults", json!({ "seed": 1, "throttle_burst": 2 }))
        .await;
    let org = xero.organisation().await.expect("answered after two 429s");
    assert!(!org.name.is_empty());
    assert!(
        clock.moved() >= Duration::from_secs(2),
        "Retry-After: 1, twice; waited {:?}",
        clock.waits()
    );
    assert_eq!(xero.auth().attempts(), 3);
    assert!(xero.budget().day_remaining.is_some_and(|d| d < 5_000));
}

#[tokio::test]
async fn the_real_minute_limit_comes_back_as_a_short_wait_not_the_day() {
    let world = World::start(LimitMode::Real).await;
    let token = fresh_token(&world);
    for _ in 0..60 {
        assert!(
            world
                .raw_get(&token, "/Organisation")
                .await
                .status()
                .is_success()
        );
    }
    let xero = world.connector();
    let err = xero.organisation().await.unwrap_err();
    let ConnectorError::RateLimited { retry_after, .. } = &err else {
        panic!("{err}")
    };
    assert!(retry_after.is_some_and(|d| d <= Duration::from_secs(60)));
    assert!(DailyLimit::from_error(&err).is_none(), "{err}");
}

#[tokio::test]
async fn near_the_day_limit_nothing_is_retried_and_at_it_the_run_stops_with_when_it_resumes() {
    let world = World::start(LimitMode::Real).await;
    spend_day(&world, 4_950).await;
    let xero = world.connector();
    xero.organisation()
        .await
        .expect("49 calls left after this one");
    assert_eq!(xero.budget().day_remaining, Some(49));

    // Below the reserve (100) a failing call is sent once, not retried.
    world.control("faults", always("error_rate")).await;
    let before = xero.auth().attempts();
    let err = xero.organisation().await.unwrap_err();
    assert!(matches!(err, ConnectorError::Transient { .. }), "{err}");
    assert_eq!(
        xero.auth().attempts() - before,
        1,
        "no retry spent from the day"
    );
    world.clear_faults().await;

    spend_day(&world, 48).await;
    let err = xero.organisation().await.unwrap_err();
    let limit = DailyLimit::from_error(&err).expect("the day, recognised");
    assert!(limit.resumes_at > chrono::Utc::now() + chrono::Duration::hours(20));
    let text = limit.to_string();
    assert!(
        text.contains("daily limit reached") && text.contains("resumes at"),
        "{text}"
    );

    // Later calls are refused locally: nothing more is spent knocking.
    let before = xero.auth().attempts();
    let again = xero.items().await.unwrap_err();
    assert_eq!(
        again.problem().map(|p| p.status),
        Some(0),
        "refused before sending"
    );
    assert_eq!(DailyLimit::from_error(&again), Some(limit));
    assert_eq!(xero.auth().attempts(), before);
}
