//! The router without a socket (`tower::ServiceExt::oneshot`), as the `sandbox` crate and
//! quick tests use it.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use ledgerbridge_emulator::{EmulatorContext, LimitMode, SeedOptions};
use ledgerbridge_emulator_servicetitan::{CLIENTS, EmulatorState, router};
use serde_json::Value;
use tower::ServiceExt;

fn state() -> EmulatorState {
    let ctx = EmulatorContext::new(LimitMode::Real);
    let seed = SeedOptions::demo(ctx.clock.now().date_naive());
    EmulatorState::new(ctx, seed)
}

#[tokio::test]
async fn info_uses_the_base_url_it_was_given_and_tokens_work_without_a_socket() {
    let state = state();
    state.set_base_url("http://127.0.0.1:8701/");
    let app = router(state.clone());
    let response = app
        .clone()
        .oneshot(Request::get("/_sandbox/info").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let info: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(info["api_base"], "http://127.0.0.1:8701");
    assert_eq!(info["auth_base"], "http://127.0.0.1:8701");
    assert_eq!(info["client_id"], CLIENTS[0].client_id);
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        CLIENTS[1].client_id, CLIENTS[1].client_secret
    );
    let request = Request::post("/connect/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form))
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_empty_scenario_keeps_reference_data_and_can_be_bulk_filled() {
    let ctx = EmulatorContext::new(LimitMode::Off);
    let mut seed = SeedOptions::demo(ctx.clock.now().date_naive());
    seed.scenario = ledgerbridge_emulator::Scenario::Empty;
    let state = EmulatorState::new(ctx, seed);
    let app = router(state.clone());
    let response = app
        .oneshot(Request::get("/_sandbox/state").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let dump: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    let t = &dump["tenants"][0];
    assert!(t["customers"].as_object().unwrap().is_empty());
    assert!(t["invoices"].as_object().unwrap().is_empty());
    assert!(!t["gl_accounts"].as_object().unwrap().is_empty());
    assert!(!t["tax_zones"].as_object().unwrap().is_empty());
    let ids = state.seed_bulk_invoices(CLIENTS[0].tenant_id, 25).unwrap();
    assert_eq!(ids.len(), 25);
    assert!(state.seed_bulk_invoices(1, 1).is_err());
}
