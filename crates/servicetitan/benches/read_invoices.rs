//! Invoices read per second from the in-process emulator, with limits `real` and `off`.
//!
//! Run with (not part of CI; numbers go to docs/performance.md):
//!
//! ```text
//! cargo bench -p ledgerbridge-servicetitan --bench read_invoices
//! ```
//!
//! `real` means the emulator enforces ServiceTitan's 60 calls/s per tenant and the connector
//! paces itself to it; `off` means neither limits. Each path reads the same 10,000 bulk
//! invoices (plus the demo ones) end to end: HTTP, JSON, exact decimals, mapping.

use std::time::{Duration, Instant};

use chrono::Utc;
use futures::TryStreamExt;
use ledgerbridge_connector::RetryPolicy;
use ledgerbridge_emulator::{EmulatorContext, LimitMode, Scenario, SeedOptions};
use ledgerbridge_emulator_servicetitan::{EmulatorState, spawn};
use ledgerbridge_servicetitan::{Credentials, Endpoints, ServiceTitan, ServiceTitanConfig};
use secrecy::SecretString;
use url::Url;

const INVOICES: usize = 10_000;

async fn connector(
    info: &serde_json::Value,
    limits: LimitMode,
    page_size: u32,
    recent: bool,
) -> ServiceTitan {
    let tenant = &info["tenants"][0];
    let endpoints = Endpoints {
        api_base: Url::parse(info["api_base"].as_str().unwrap()).unwrap(),
        token_url: Url::parse(info["token_url"].as_str().unwrap()).unwrap(),
    };
    let credentials = Credentials {
        client_id: tenant["client_id"].as_str().unwrap().to_owned(),
        client_secret: SecretString::from(tenant["client_secret"].as_str().unwrap().to_owned()),
        app_key: SecretString::from(info["app_key"].as_str().unwrap().to_owned()),
    };
    let mut config = ServiceTitanConfig::new(
        endpoints,
        tenant["tenant_id"].as_i64().unwrap(),
        credentials,
    );
    config.page_size = page_size;
    config.include_recent_changes = recent;
    config.http.retry = RetryPolicy {
        min_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    };
    if limits == LimitMode::Off {
        config.http.rate_limit = None;
    }
    ServiceTitan::new(config).unwrap()
}

async fn run(limits: LimitMode) -> Vec<(String, usize, Duration)> {
    let seed = SeedOptions {
        seed: 42,
        scenario: Scenario::Demo,
        start: Utc::now().date_naive() - chrono::Days::new(30),
    };
    let state = EmulatorState::new(EmulatorContext::new(limits), seed);
    let handle = spawn(state.clone()).await.unwrap();
    let tenant = state.info()["tenants"][0]["tenant_id"].as_u64().unwrap();
    // Seeding speed is measured here, not asserted in a test (a slow machine is no defect).
    let seeding = Instant::now();
    state.seed_bulk_invoices(tenant, INVOICES).unwrap();
    let mut rows = vec![(
        "emulator bulk seeding".to_owned(),
        INVOICES,
        seeding.elapsed(),
    )];
    let info = state.info();
    for page_size in [5000, 500, 100] {
        let st = connector(&info, limits, page_size, true).await;
        let started = Instant::now();
        let pages: Vec<_> = st.invoice_pages(None).try_collect().await.unwrap();
        let read: usize = pages.iter().map(|p| p.records.len()).sum();
        rows.push((
            format!("list, pageSize {page_size}"),
            read,
            started.elapsed(),
        ));
    }
    let st = connector(&info, limits, 5000, true).await;
    let started = Instant::now();
    let batches: Vec<_> = st.invoice_changes(None).try_collect().await.unwrap();
    let elapsed = started.elapsed();
    let read: usize = batches.iter().map(|b| b.records.len()).sum();
    // Measured, not assumed: the label says what the emulator actually served per response.
    let per_response = batches.iter().map(|b| b.records.len()).max().unwrap_or(0);
    rows.push((
        format!("export feed ({per_response} per response)"),
        read,
        elapsed,
    ));
    handle.shutdown().await;
    rows
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{:<8} {:<32} {:>9} {:>10} {:>12}",
        "limits", "path", "invoices", "seconds", "invoices/s"
    );
    for limits in [LimitMode::Real, LimitMode::Off] {
        for (path, read, elapsed) in runtime.block_on(run(limits)) {
            let millis = elapsed.as_millis().max(1);
            let per_second = (read as u128 * 1000) / millis;
            println!(
                "{:<8} {:<32} {:>9} {:>6}.{:03} {:>12}",
                format!("{limits:?}").to_lowercase(),
                path,
                read,
                millis / 1000,
                millis % 1000,
                per_second
            );
        }
    }
}
