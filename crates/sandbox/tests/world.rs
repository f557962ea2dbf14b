//! The three emulators as one world: one clock, the pinned info keys, clear bind errors.

use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_sandbox::{Ports, Sandbox, SandboxError, SandboxOptions};
use serde_json::{Value, json};

#[tokio::test]
async fn advancing_one_emulators_clock_moves_all_three() {
    let sandbox = Sandbox::start(SandboxOptions::for_tests(Scenario::Empty, LimitMode::Off))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let advance = |base: String, seconds: i64| {
        let client = client.clone();
        async move {
            let reply: Value = client
                .post(format!("{base}/_sandbox/clock"))
                .json(&json!({ "advance_seconds": seconds }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            reply["offset_seconds"].as_i64().unwrap()
        }
    };
    assert_eq!(
        advance(sandbox.servicetitan_handle.base_url.clone(), 3600).await,
        3600
    );
    assert_eq!(
        advance(sandbox.quickbooks_handle.base_url.clone(), 0).await,
        3600
    );
    assert_eq!(
        advance(sandbox.xero_handle.base_url.clone(), 60).await,
        3660
    );
    assert_eq!(sandbox.clock().offset_seconds(), 3660);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn info_carries_each_emulators_real_urls_and_both_demo_tenants() {
    let sandbox = Sandbox::start(SandboxOptions::for_tests(
        Scenario::Demo,
        LimitMode::Relaxed,
    ))
    .await
    .unwrap();
    let info = sandbox.info();
    assert_eq!(
        info.servicetitan.api_base,
        sandbox.servicetitan_handle.base_url
    );
    assert!(
        info.quickbooks
            .api_base
            .starts_with(&sandbox.quickbooks_handle.base_url)
    );
    assert!(
        info.xero
            .api_base
            .starts_with(&sandbox.xero_handle.base_url)
    );
    let targets: Vec<&str> = info
        .servicetitan
        .tenants
        .iter()
        .map(|t| t.target.as_str())
        .collect();
    assert_eq!(targets, ["quickbooks", "xero"]);
    // The same info is served by each emulator's control API.
    let served: Value = reqwest::get(format!("{}/_sandbox/info", sandbox.xero_handle.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, serde_json::to_value(&info.xero).unwrap());
}

#[tokio::test]
async fn the_typed_info_serializes_to_exactly_the_emulators_own_info_objects() {
    let sandbox = Sandbox::start(SandboxOptions::for_tests(
        Scenario::Demo,
        LimitMode::Relaxed,
    ))
    .await
    .unwrap();
    // What `sandbox serve --json` printed before the info was typed: every key, every value.
    let untyped = json!({
        "servicetitan": sandbox.servicetitan.info(),
        "quickbooks": sandbox.quickbooks.info(),
        "xero": sandbox.xero.info(),
        "alerts": {
            "slack_webhook_url": format!(
                "{}{}",
                sandbox.servicetitan_handle.base_url,
                ledgerbridge_sandbox::SLACK_WEBHOOK_PATH
            ),
            "smtp_url": format!("smtp://{}?tls=none", sandbox.smtp.addr),
        },
    });
    let info = sandbox.info();
    assert_eq!(serde_json::to_value(&info).unwrap(), untyped);
    let back: ledgerbridge_sandbox::SandboxInfo = serde_json::from_value(untyped).unwrap();
    assert_eq!(back, info);
    assert_eq!(
        info.servicetitan.tenant_for("xero").map(|t| t.tenant_id),
        Some(info.servicetitan.tenants[1].tenant_id)
    );
}

#[tokio::test]
async fn a_taken_port_names_the_emulator_and_the_address() {
    let first = Sandbox::start(SandboxOptions::for_tests(Scenario::Empty, LimitMode::Off))
        .await
        .unwrap();
    let taken = first.quickbooks_handle.addr.port();
    let options = SandboxOptions {
        ports: Ports {
            servicetitan: 0,
            quickbooks: taken,
            xero: 0,
        },
        ..SandboxOptions::for_tests(Scenario::Empty, LimitMode::Off)
    };
    match Sandbox::start(options).await {
        Err(SandboxError::Bind { emulator, addr, .. }) => {
            assert_eq!(emulator, "quickbooks");
            assert_eq!(addr.port(), taken);
        }
        Err(other) => panic!("expected a bind error, got: {other}"),
        Ok(_) => panic!("a second sandbox cannot bind a taken port"),
    }
}
