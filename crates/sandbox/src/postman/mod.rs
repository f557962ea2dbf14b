//! `ledgerbridge sandbox postman`: a Postman v2.1 collection and environment for a sandbox on
//! given ports (CONTRACTS.md), written without a sandbox running.
//!
//! The collection walks each API the way the material our users start from does, in an order
//! newman can run unattended: ServiceTitan with a folder pre-request script that fetches (and
//! re-fetches before expiry) the client-credentials token and sends `ST-App-Key`; QuickBooks
//! and Xero through their OAuth 2.0 authorization-code flow by submitting the sandbox's plain
//! consent form (a request that does not follow the redirect reads the code from `Location`),
//! then the API, with a folder pre-request script that refreshes the access token when it is
//! about to expire. Every request has a test checking its status and the shape of its answer.
//! Tokens and ids found on the way live in collection variables; the environment holds only
//! the sandbox's URLs and (public, constant) credentials.

mod items;
mod scripts;

use std::net::{IpAddr, SocketAddr};

use chrono::Days;
use ledgerbridge_emulator::{EmulatorContext, LimitMode, Scenario, SeedOptions};
use serde_json::{Value, json};

use crate::{Ports, SandboxInfo, quickbooks, servicetitan, typed, xero};

/// The collection's file name (CONTRACTS.md).
pub const COLLECTION_FILE: &str = "ledgerbridge-sandbox.postman_collection.json";
/// The environment's file name (CONTRACTS.md).
pub const ENVIRONMENT_FILE: &str = "ledgerbridge-sandbox.postman_environment.json";
const SCHEMA: &str = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

/// What a sandbox on `host` and `ports` would print as its info line (built from the
/// emulators' own info objects, without serving them).
pub fn info_for(host: IpAddr, ports: Ports) -> SandboxInfo {
    let today = chrono::Utc::now().date_naive();
    let seed = SeedOptions {
        seed: 42,
        scenario: Scenario::Demo,
        start: today - Days::new(30),
    };
    let context = || EmulatorContext::new(LimitMode::Real);
    let base = |port| format!("http://{}", SocketAddr::new(host, port));
    let st = servicetitan::EmulatorState::new(context(), seed);
    st.set_base_url(&base(ports.servicetitan));
    let qbo = quickbooks::EmulatorState::new(context(), seed);
    qbo.set_base_url(&base(ports.quickbooks));
    let x = xero::EmulatorState::new(context(), seed);
    x.set_base_url(&base(ports.xero));
    SandboxInfo {
        servicetitan: typed("servicetitan", st.info()),
        quickbooks: typed("quickbooks", qbo.info()),
        xero: typed("xero", x.info()),
        // Where `sandbox serve` puts its alert sinks by default (the collection does not use
        // them; the type wants them).
        alerts: crate::AlertSinksInfo {
            slack_webhook_url: format!("{}{}", base(ports.servicetitan), crate::SLACK_WEBHOOK_PATH),
            smtp_url: format!(
                "smtp://{}?tls=none",
                SocketAddr::new(host, crate::DEFAULT_SMTP_PORT)
            ),
        },
    }
}

/// The Postman v2.1 collection.
pub fn collection() -> Value {
    json!({
        "info": {
            "_postman_id": "6f1c2b7e-9c1a-4c55-8d2e-1e0b5a1d2c01",
            "name": "ledgerbridge sandbox",
            "description": "The ledgerbridge sandbox's three APIs (ServiceTitan, QuickBooks Online, Xero), written by `ledgerbridge sandbox postman`. Run it in order (Collection Runner or newman) against `ledgerbridge sandbox serve`; select the environment written beside it.",
            "schema": SCHEMA,
        },
        "item": [items::servicetitan(), items::quickbooks(), items::xero()],
        "variable": items::RUNTIME_VARIABLES
            .iter()
            .map(|key| json!({ "key": key, "value": "" }))
            .collect::<Vec<_>>(),
    })
}

/// The Postman environment for `info`.
pub fn environment(info: &SandboxInfo) -> Value {
    let st = &info.servicetitan;
    let qbo = &info.quickbooks;
    let x = &info.xero;
    let values = [
        ("st_api_base", st.api_base.as_str()),
        ("st_token_url", st.token_url.as_str()),
        ("st_app_key", st.app_key.as_str()),
        ("st_tenant_id", &st.tenant_id.to_string()),
        ("st_client_id", st.client_id.as_str()),
        ("st_client_secret", st.client_secret.as_str()),
        ("qbo_api_base", qbo.api_base.as_str()),
        ("qbo_authorize_url", qbo.authorize_url.as_str()),
        ("qbo_token_url", qbo.token_url.as_str()),
        ("qbo_client_id", qbo.client_id.as_str()),
        ("qbo_client_secret", qbo.client_secret.as_str()),
        ("qbo_redirect_uri", qbo.redirect_uri.as_str()),
        ("qbo_realm_id", qbo.realm_id.as_str()),
        ("xero_api_base", x.api_base.as_str()),
        ("xero_identity_base", x.identity_base.as_str()),
        ("xero_authorize_url", x.authorize_url.as_str()),
        ("xero_token_url", x.token_url.as_str()),
        ("xero_client_id", x.client_id.as_str()),
        ("xero_client_secret", x.client_secret.as_str()),
        ("xero_redirect_uri", x.redirect_uri.as_str()),
    ]
    .into_iter()
    .map(|(key, value)| {
        let kind = if key.ends_with("_secret") {
            "secret"
        } else {
            "default"
        };
        json!({ "key": key, "value": value, "type": kind, "enabled": true })
    })
    .collect::<Vec<_>>();
    json!({
        "id": "0b7e4f3a-52d1-4a8e-9a61-3c9f8e2d7b10",
        "name": "ledgerbridge sandbox",
        "values": values,
        "_postman_variable_scope": "environment",
    })
}

/// Writes [`COLLECTION_FILE`] and [`ENVIRONMENT_FILE`] for `info` into `dir` (created when
/// missing); returns their paths.
pub fn write_files(
    dir: &std::path::Path,
    info: &SandboxInfo,
) -> std::io::Result<(std::path::PathBuf, std::path::PathBuf)> {
    std::fs::create_dir_all(dir)?;
    let collection_path = dir.join(COLLECTION_FILE);
    let environment_path = dir.join(ENVIRONMENT_FILE);
    let pretty = |v: &Value| serde_json::to_string_pretty(v).map(|t| t + "\n");
    std::fs::write(&collection_path, pretty(&collection())?)?;
    std::fs::write(&environment_path, pretty(&environment(info))?)?;
    Ok((collection_path, environment_path))
}

#[cfg(test)]
mod tests;
