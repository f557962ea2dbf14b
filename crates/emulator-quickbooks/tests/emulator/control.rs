//! The sandbox control API: info, state, reset, determinism, scenarios.

use chrono::Days;
use ledgerbridge_emulator::{EmulatorContext, LimitMode, Scenario, SeedOptions};
use ledgerbridge_emulator_quickbooks::{
    CLIENT_ID, CLIENT_SECRET, DEFAULT_REDIRECT_URI, EmulatorState, REALM_ID,
};
use serde_json::{Value, json};

use crate::support::Sandbox;

#[tokio::test]
async fn info_has_exactly_the_contract_keys_with_real_urls() {
    let sb = Sandbox::start().await;
    let info: Value = sb
        .http
        .get(format!("{}/_sandbox/info", sb.base()))
        .send()
        .await
        .expect("info")
        .json()
        .await
        .expect("json");
    let mut keys: Vec<&str> = info
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "api_base",
            "authorize_url",
            "client_id",
            "client_secret",
            "discovery_url",
            "realm_id",
            "redirect_uri",
            "revoke_url",
            "token_url",
            "webhook_verifier_token"
        ]
    );
    assert_eq!(info["api_base"], sb.base());
    assert_eq!(info["client_id"], CLIENT_ID);
    assert_eq!(info["client_secret"], CLIENT_SECRET);
    assert_eq!(info["realm_id"], REALM_ID);
    assert_eq!(info["redirect_uri"], DEFAULT_REDIRECT_URI);
    assert_eq!(info, sb.state.info());
}

#[tokio::test]
async fn state_dump_and_reset_forget_tokens_and_data() {
    let sb = Sandbox::start().await;
    assert_eq!(sb.invoice("RESET-1", "5.00", "").await.status, 200);
    let state: Value = sb
        .http
        .get(format!("{}/_sandbox/state", sb.base()))
        .send()
        .await
        .expect("state")
        .json()
        .await
        .expect("json");
    assert_eq!(state["counts"]["Invoice"], 2);
    let amount = &state["entities"]["Invoice"][1]["TotalAmt"];
    assert_eq!(amount, "5.00", "amounts are exact strings in the dump");
    assert!(
        !state.to_string().contains(&sb.token),
        "no tokens in the dump"
    );

    let reset = sb
        .http
        .post(format!("{}/_sandbox/reset", sb.base()))
        .json(&json!({ "scenario": "empty" }))
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status(), 200);
    assert_eq!(
        sb.get("/preferences").await.status,
        401,
        "tokens are forgotten"
    );
    let fresh = sb.state.connect();
    let customers = sb
        .send(
            sb.http
                .post(sb.api("/query"))
                .bearer_auth(&fresh.access_token)
                .header("Accept", "application/json")
                .header("Content-Type", "application/text")
                .body("SELECT COUNT(*) FROM Customer"),
        )
        .await;
    assert_eq!(
        customers.at("QueryResponse.totalCount").decimal(),
        Some(0.into()),
        "empty has no customers"
    );
    let accounts = sb
        .send(
            sb.http
                .post(sb.api("/query"))
                .bearer_auth(&fresh.access_token)
                .header("Accept", "application/json")
                .header("Content-Type", "application/text")
                .body("SELECT COUNT(*) FROM Account"),
        )
        .await;
    assert!(
        accounts
            .at("QueryResponse.totalCount")
            .decimal()
            .expect("count")
            >= 5.into(),
        "but a chart of accounts"
    );
}

#[tokio::test]
async fn same_seed_and_start_same_company_and_the_demo_world_is_there() {
    let start = chrono::Utc::now().date_naive() - Days::new(30);
    let make = |seed| {
        let state = EmulatorState::new(
            EmulatorContext::new(LimitMode::Off),
            SeedOptions {
                seed,
                scenario: Scenario::Demo,
                start,
            },
        );
        state
            .records("Customer")
            .iter()
            .map(|c| c.to_text())
            .collect::<Vec<_>>()
    };
    assert_eq!(make(42), make(42));
    assert_ne!(make(42), make(43), "the random customers follow the seed");
    let state = EmulatorState::new(
        EmulatorContext::new(LimitMode::Off),
        SeedOptions {
            seed: 42,
            scenario: Scenario::Demo,
            start,
        },
    );
    let customers = state.records("Customer");
    let names: Vec<&str> = customers
        .iter()
        .filter_map(|c| c.path_ci("DisplayName").and_then(|n| n.as_str()))
        .collect();
    for name in [
        "John Smith",
        "O'Brien & Sons Bakery",
        "Harbor View Apartments",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert!(
        !names.contains(&"Café Olé"),
        "the Xero tenant's customers are not in the QuickBooks company"
    );
    let invoices = state.records("Invoice");
    assert_eq!(invoices.len(), 1);
    let invoice = &invoices[0];
    assert_eq!(
        invoice.path_ci("DocNumber").and_then(|d| d.as_str()),
        Some("10007")
    );
    assert_eq!(
        invoice.path_ci("TxnDate").and_then(|d| d.as_str()),
        Some((start + Days::new(2)).to_string().as_str())
    );
    assert_eq!(
        invoice.path_ci("TotalAmt").and_then(|t| t.decimal()),
        Some(rust_decimal::Decimal::new(18900, 2))
    );
    for entity in [
        "Account",
        "Item",
        "Class",
        "PaymentMethod",
        "TaxCode",
        "TaxRate",
    ] {
        assert!(!state.records(entity).is_empty(), "{entity} seeded");
    }
}
