//! The framework over a real socket: fault kinds as a client sees them, and the control API.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use ledgerbridge_emulator::{
    EmulatorContext, EmulatorControl, FaultResponses, LimitMode, ResetRequest, control_router,
    serve_on, server::ephemeral, with_faults,
};
use serde_json::{Value, json};

struct Counter(Arc<AtomicU32>);

impl EmulatorControl for Counter {
    fn info(&self) -> Value {
        json!({ "kind": "test" })
    }
    fn state(&self) -> Value {
        json!({ "writes": self.0.load(Ordering::SeqCst) })
    }
    fn reset(&self, request: ResetRequest) -> Result<(), String> {
        if request.seed == Some(13) {
            return Err("unlucky seed".into());
        }
        self.0.store(0, Ordering::SeqCst);
        Ok(())
    }
}

fn server_error() -> Response {
    (StatusCode::SERVICE_UNAVAILABLE, "vendor 503").into_response()
}

fn throttled(secs: u64) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [("retry-after", secs.to_string())],
        "vendor 429",
    )
        .into_response()
}

async fn start() -> (
    ledgerbridge_emulator::EmulatorHandle,
    Arc<AtomicU32>,
    reqwest::Client,
) {
    let writes = Arc::new(AtomicU32::new(0));
    let ctx = EmulatorContext::new(LimitMode::Real);
    let counter = writes.clone();
    let api = Router::new().route(
        "/write",
        post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                "committed"
            }
        }),
    );
    let api = with_faults(
        api,
        ctx.faults.clone(),
        FaultResponses {
            server_error,
            throttled,
        },
    );
    let control = control_router(Arc::new(Counter(writes.clone())), ctx);
    let handle = serve_on(ephemeral(), |_| api.merge(control))
        .await
        .expect("bind");
    // A hang guard only: a loaded machine must not turn a dropped connection into a timeout.
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    (handle, writes, client)
}

#[tokio::test]
async fn lost_after_commit_commits_then_drops_the_connection() {
    let (h, writes, client) = start().await;
    let set = client
        .post(format!("{}/_sandbox/faults", h.base_url))
        .json(&json!({ "seed": 1, "lost_after_commit_rate": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), StatusCode::NO_CONTENT);

    let outcome = client.post(format!("{}/write", h.base_url)).send().await;
    let error = outcome.expect_err("the response must be lost");
    assert!(
        !error.is_timeout(),
        "a dropped connection, not a timeout: {error}"
    );
    assert_eq!(writes.load(Ordering::SeqCst), 1, "the write was committed");

    let faults: Value = client
        .get(format!("{}/_sandbox/faults", h.base_url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults["injected"]["lost_after_commit"], 1);

    // The control API is never behind the fault plan, and clearing it restores normal service.
    client
        .delete(format!("{}/_sandbox/faults", h.base_url))
        .send()
        .await
        .unwrap();
    let ok = client
        .post(format!("{}/write", h.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.text().await.unwrap(), "committed");
    assert_eq!(writes.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn timeouts_and_errors_do_not_execute_and_bursts_use_the_vendor_429() {
    let (h, writes, client) = start().await;
    let url = format!("{}/_sandbox/faults", h.base_url);
    client
        .post(&url)
        .json(&json!({ "timeout_rate": 1, "timeout_ms": 200 }))
        .send()
        .await
        .unwrap();
    assert!(
        client
            .post(format!("{}/write", h.base_url))
            .send()
            .await
            .is_err()
    );

    client
        .post(&url)
        .json(&json!({ "error_rate": 1 }))
        .send()
        .await
        .unwrap();
    let r = client
        .post(format!("{}/write", h.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);

    client
        .post(&url)
        .json(&json!({ "throttle_burst": 2 }))
        .send()
        .await
        .unwrap();
    for _ in 0..2 {
        let r = client
            .post(format!("{}/write", h.base_url))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()["retry-after"], "1");
    }
    let r = client
        .post(format!("{}/write", h.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        writes.load(Ordering::SeqCst),
        1,
        "only the request after the burst executed"
    );
}

#[tokio::test]
async fn control_api_moves_the_clock_resets_and_rejects_bad_input() {
    let (h, writes, client) = start().await;
    let base = &h.base_url;
    client.post(format!("{base}/write")).send().await.unwrap();

    let clock: Value = client
        .post(format!("{base}/_sandbox/clock"))
        .json(&json!({ "advance_seconds": 900 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["offset_seconds"], 900);
    let back = client
        .post(format!("{base}/_sandbox/clock"))
        .json(&json!({ "advance_seconds": -1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(back.status(), StatusCode::BAD_REQUEST);

    let state: Value = client
        .get(format!("{base}/_sandbox/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["writes"], 1);
    let refused = client
        .post(format!("{base}/_sandbox/reset"))
        .json(&json!({ "seed": 13 }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let reset = client
        .post(format!("{base}/_sandbox/reset"))
        .json(&json!({ "scenario": "empty" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(writes.load(Ordering::SeqCst), 0);

    let bad = client
        .post(format!("{base}/_sandbox/faults"))
        .json(&json!({ "error_rate": 2 }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let info: Value = client
        .get(format!("{base}/_sandbox/info"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["kind"], "test");
}
