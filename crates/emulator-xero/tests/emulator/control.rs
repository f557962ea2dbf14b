//! The `/_sandbox/` control API and deterministic seeding.

use ledgerbridge_emulator::{EmulatorControl, LimitMode, Scenario};
use ledgerbridge_emulator_xero::{EmulatorState, XERO_CLIENT_ID, XERO_TENANT_ID};
use serde_json::Value;

use crate::helpers::{Sandbox, ctx, seed};

#[test]
fn same_seed_same_books_other_seed_other_books() {
    let a = EmulatorState::new(ctx(LimitMode::Off), seed(Scenario::Demo));
    let b = EmulatorState::new(ctx(LimitMode::Off), seed(Scenario::Demo));
    let mut other = seed(Scenario::Demo);
    other.seed = 7;
    let c = EmulatorState::new(ctx(LimitMode::Off), other);
    assert_eq!(EmulatorControl::state(&a), EmulatorControl::state(&b));
    assert_ne!(
        EmulatorControl::state(&a)["Invoices"],
        EmulatorControl::state(&c)["Invoices"]
    );
    let dump = EmulatorControl::state(&a);
    // Amounts are strings in the dump (serde_json::Value would carry them as floats).
    let pre = dump["Invoices"]
        .as_array()
        .expect("invoices")
        .iter()
        .find(|i| i["InvoiceNumber"] == "20011")
        .expect("pre-existing invoice");
    assert_eq!(pre["Total"], "145.00");
    assert_eq!(pre["Contact"]["Name"], "Nguyễn Family Dental");
    let tracking = &dump["TrackingCategories"][0];
    assert_eq!(tracking["Name"], "Business Unit");
    assert!(
        dump["Accounts"]
            .as_array()
            .expect("accounts")
            .iter()
            .any(|a| a["Type"] == "BANK")
    );
}

#[tokio::test]
async fn info_and_reset_over_http() {
    let sb = Sandbox::start(LimitMode::Off).await;
    let info: Value = sb
        .http
        .get(sb.url("/_sandbox/info"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(info, sb.state.info());
    assert_eq!(info["api_base"], sb.handle.base_url.as_str());
    assert_eq!(
        info["token_url"],
        format!("{}/connect/token", sb.handle.base_url)
    );
    assert_eq!(
        (info["client_id"].as_str(), info["tenant_id"].as_str()),
        (Some(XERO_CLIENT_ID), Some(XERO_TENANT_ID))
    );
    assert!(
        !sb.get("/Contacts").await.json()["Contacts"]
            .as_array()
            .expect("list")
            .is_empty()
    );
    let reset = sb
        .http
        .post(sb.url("/_sandbox/reset"))
        .json(&serde_json::json!({"scenario": "empty"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(reset.status(), 200);
    // Tokens are forgotten by a reset.
    assert_eq!(sb.get("/Contacts").await.status, 401);
    let fresh = Sandbox::start_with(sb.state.clone()).await;
    let contacts = fresh.get("/Contacts").await.json();
    assert!(
        contacts["Contacts"].as_array().expect("list").is_empty(),
        "the empty scenario has no contacts"
    );
    assert!(
        !fresh.get("/Accounts").await.json()["Accounts"]
            .as_array()
            .expect("list")
            .is_empty(),
        "but a chart of accounts"
    );
}
