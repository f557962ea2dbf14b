//! `sandbox serve --webhooks-url`: both books emulators get the receiver at start, and the
//! `--json` line names the fixed signing secrets.

use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_sandbox::{Sandbox, SandboxError, SandboxOptions, quickbooks, xero};
use serde_json::Value;

async fn webhooks(base: &str) -> Value {
    reqwest::get(format!("{base}/_sandbox/webhooks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_webhooks_url_reaches_both_books_emulators_and_info_names_the_secrets() {
    let options = SandboxOptions {
        // Nothing listens there: deliveries fail quietly in the background.
        webhooks_url: Some("http://127.0.0.1:9/".into()),
        qbo_webhook_format: quickbooks::WebhookFormat::Legacy,
        ..SandboxOptions::for_tests(Scenario::Empty, LimitMode::Off)
    };
    let sandbox = Sandbox::start(options).await.unwrap();
    let qbo = webhooks(&sandbox.quickbooks_handle.base_url).await;
    assert_eq!(qbo["url"], "http://127.0.0.1:9");
    assert_eq!(qbo["format"], "legacy");
    let xero_status = webhooks(&sandbox.xero_handle.base_url).await;
    assert_eq!(xero_status["url"], "http://127.0.0.1:9");

    let info = serde_json::to_value(sandbox.info()).unwrap();
    assert_eq!(
        info["quickbooks"]["webhook_verifier_token"],
        quickbooks::WEBHOOK_VERIFIER_TOKEN
    );
    assert_eq!(info["xero"]["webhook_key"], xero::WEBHOOK_KEY);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn without_a_url_nothing_is_sent_and_a_bad_url_is_refused() {
    let sandbox = Sandbox::start(SandboxOptions::for_tests(Scenario::Empty, LimitMode::Off))
        .await
        .unwrap();
    let qbo = webhooks(&sandbox.quickbooks_handle.base_url).await;
    assert_eq!(
        (&qbo["url"], &qbo["format"]),
        (&Value::Null, &"cloudevents".into())
    );
    sandbox.shutdown().await;

    let options = SandboxOptions {
        webhooks_url: Some("not a url".into()),
        ..SandboxOptions::for_tests(Scenario::Empty, LimitMode::Off)
    };
    assert!(matches!(
        Sandbox::start(options).await,
        Err(SandboxError::WebhooksUrl(_))
    ));
}
