//! What goes over the wire: every API call asks for JSON (QuickBooks answers XML otherwise),
//! and a 429, whose body QuickBooks sends as XML even to a JSON request, is recognised by its
//! status alone.

use std::sync::{Arc, Mutex};

use axum::extract::Request;
use axum::middleware::{Next, from_fn};
use ledgerbridge_connector::ConnectorError;
use ledgerbridge_emulator::LimitMode;
use ledgerbridge_quickbooks::Entity;
use serde_json::json;

use crate::helpers::World;

/// A request's path and its `Accept` header.
type Seen = (String, Option<String>);

#[tokio::test]
async fn every_api_call_sends_accept_application_json() {
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let record = seen.clone();
    let world = World::start_wrapped(LimitMode::Off, move |router| {
        router.layer(from_fn(move |request: Request, next: Next| {
            let record = record.clone();
            async move {
                let accept = request
                    .headers()
                    .get("accept")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                record
                    .lock()
                    .expect("not poisoned")
                    .push((request.uri().path().to_owned(), accept));
                next.run(request).await
            }
        }))
    })
    .await;
    let qbo = world.connector().await;
    qbo.reference_data().await.expect("reference data");
    qbo.closing_date().await.expect("closing date");
    qbo.count(Entity::Invoice).await.expect("count");
    let since = world.clock().now() - chrono::Duration::days(2);
    let _ = futures::TryStreamExt::try_collect::<Vec<_>>(
        qbo.pull::<ledgerbridge_quickbooks::wire::Invoice>(Entity::Invoice, Some(since)),
    )
    .await
    .expect("pull");
    let seen = seen.lock().expect("not poisoned").clone();
    let api: Vec<_> = seen
        .iter()
        .filter(|(path, _)| path.starts_with("/v3/company/"))
        .collect();
    assert!(api.len() >= 4, "{seen:?}");
    for (path, accept) in api {
        assert_eq!(accept.as_deref(), Some("application/json"), "{path}");
    }
}

#[tokio::test]
async fn a_429_with_an_xml_body_is_rate_limited_by_its_status() {
    let world = World::start(LimitMode::Off).await;
    let qbo = world.connector().await;
    world
        .control("faults", json!({ "seed": 1, "throttle_burst": 1 }))
        .await;
    // The test retry policy sits through at most 2 s; QuickBooks' 429 means "wait 60 s", so
    // the call comes back rate limited, with that wait, rather than as a parse failure. (No
    // second call: the connector's pacer now holds this realm for those 60 s of real time.)
    match qbo.count(Entity::Invoice).await {
        Err(ConnectorError::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Some(std::time::Duration::from_secs(60)));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}
