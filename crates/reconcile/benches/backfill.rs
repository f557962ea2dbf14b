//! Backfill benchmark (not in CI): N ServiceTitan invoices synced to each target through the
//! real connectors and emulators over HTTP, from an empty ledger.
//!
//! Run with `cargo bench -p ledgerbridge-reconcile --bench backfill`. Reports invoices per
//! second, CPU microseconds per invoice (this process: engine, connectors and the in-process
//! emulators together) and peak RSS, for 1,000 invoices with the emulators' `real` limits (as a
//! fraction of each target's write ceiling) and 10,000 with limits `off`.

use std::time::{Duration, Instant};

use ledgerbridge_connector::{AccessToken, ConnectorError, HttpSettings, TokenProvider};
use ledgerbridge_core::System;
use ledgerbridge_emulator::{LimitMode, Scenario};
use ledgerbridge_ledger::{Ledger, LedgerLocation, LedgerOptions};
use ledgerbridge_protocol::Target;
use ledgerbridge_quickbooks::QuickBooksTarget;
use ledgerbridge_quickbooks::{Limits, QuickBooks, QuickBooksConfig};
use ledgerbridge_reconcile::{NoProgress, SyncContext, SyncSettings, TenantSpec, sync_tenant};
use ledgerbridge_sandbox::demo_mappings;
use ledgerbridge_sandbox::{Sandbox, SandboxOptions};
use ledgerbridge_servicetitan::{Credentials, Endpoints, ServiceTitan, ServiceTitanConfig};
use ledgerbridge_xero::XeroTarget;
use secrecy::SecretString;
use serde_json::Value;
use url::Url;

struct Fixed(SecretString);

impl TokenProvider for Fixed {
    async fn access_token(&self) -> Result<AccessToken, ConnectorError> {
        Ok(AccessToken::new(self.0.clone(), 1))
    }
    fn reject(&self, _token: &AccessToken) {}
}

fn url(v: &Value) -> Url {
    Url::parse(v.as_str().expect("url")).expect("url")
}

/// CPU time of this process (user + system), from /proc (Linux), in microseconds.
fn cpu_micros() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the stat line; 100 ticks a second on Linux.
    (ticks(11) + ticks(12)) * 10_000
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn run<T: Target>(
    label: &str,
    st: &ServiceTitan,
    target: &T,
    tenant: TenantSpec,
    count: usize,
    ceiling_per_min: u64,
) {
    let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default())
        .await
        .expect("ledger");
    let rows = demo_mappings(&tenant.tenant, st, target)
        .await
        .expect("mappings");
    ledger.mappings().upsert_all(&rows).await.expect("mappings");
    let settings = SyncSettings::default();
    // The engine alone, under a bare run row: no lease to hold in a one-process benchmark.
    let run = ledger.runs().start(false).await.expect("run").id;
    let (cpu, wall) = (cpu_micros(), Instant::now());
    let outcome = sync_tenant(SyncContext {
        ledger: &ledger,
        run,
        servicetitan: st,
        target,
        tenant: &tenant,
        settings: &settings,
        progress: &NoProgress,
    })
    .await;
    let elapsed = wall.elapsed();
    let cpu = cpu_micros().saturating_sub(cpu);
    if let Some(e) = outcome.error {
        println!("{label}: stopped: {e}");
        return;
    }
    let created = outcome.report.by_entity[&ledgerbridge_core::EntityKind::Invoice].created;
    let per_min = created * 60_000 / elapsed.as_millis().max(1) as u64;
    println!(
        "{label}: {count} seeded, {created} invoices written in {:.1?}; {per_min} invoices/min \
         ({}% of the {ceiling_per_min}/min write ceiling); {} CPU µs per invoice; peak RSS {} MiB",
        elapsed,
        per_min * 100 / ceiling_per_min.max(1),
        cpu / created.max(1),
        peak_rss_kib() / 1024
    );
}

async fn world(limits: LimitMode, count: usize) -> (Sandbox, Value) {
    let sandbox = Sandbox::start(SandboxOptions::for_tests(Scenario::Empty, limits))
        .await
        .expect("sandbox");
    let info = sandbox.info();
    for t in info["servicetitan"]["tenants"].as_array().expect("tenants") {
        let id = t["tenant_id"].as_u64().expect("id");
        sandbox
            .servicetitan
            .seed_bulk_invoices(id, count)
            .expect("bulk invoices");
    }
    // Fresh changes are hidden by the export lag; let the sandbox clock pass it.
    sandbox.clock().advance(16 * 60);
    (sandbox, info)
}

async fn bench(limits: LimitMode, count: usize) {
    let (sandbox, info) = world(limits, count).await;
    let http = HttpSettings {
        timeout: Duration::from_secs(120),
        ..HttpSettings::default()
    };
    let s = &info["servicetitan"];
    let st = |i: usize| {
        let t = &s["tenants"][i];
        let mut config = ServiceTitanConfig::new(
            Endpoints {
                api_base: url(&s["api_base"]),
                token_url: url(&s["token_url"]),
            },
            t["tenant_id"].as_i64().expect("id"),
            Credentials {
                client_id: t["client_id"].as_str().expect("id").into(),
                client_secret: SecretString::from(
                    t["client_secret"].as_str().expect("s").to_owned(),
                ),
                app_key: SecretString::from(s["app_key"].as_str().expect("k").to_owned()),
            },
        );
        if limits == LimitMode::Off {
            config.http.rate_limit = None;
        }
        ServiceTitan::new(config).expect("servicetitan")
    };
    let q = &info["quickbooks"];
    let mut qconfig = QuickBooksConfig::new(
        ledgerbridge_quickbooks::Endpoints {
            api_base: url(&q["api_base"]),
            authorize_url: url(&q["authorize_url"]),
            token_url: url(&q["token_url"]),
            revoke_url: url(&q["revoke_url"]),
        },
        q["realm_id"].as_str().expect("realm"),
    );
    if limits == LimitMode::Off {
        qconfig = qconfig.with_limits(Limits::none());
    }
    qconfig.http.timeout = http.timeout;
    let token = sandbox.quickbooks.connect().access_token;
    let qbo = QuickBooks::new(qconfig, |_| Ok(Fixed(SecretString::from(token)))).expect("qbo");
    let qbo = QuickBooksTarget::new(qbo, true);
    let x = &info["xero"];
    let mut xconfig = ledgerbridge_xero::XeroConfig::new(
        ledgerbridge_xero::Endpoints::sandbox(&url(&x["api_base"])),
        x["tenant_id"].as_str().expect("tenant"),
    );
    if limits == LimitMode::Off {
        xconfig.http.rate_limit = None;
    }
    let scopes = "offline_access accounting.invoices accounting.payments accounting.contacts accounting.settings.read";
    let issued = sandbox.xero.issue_tokens(scopes);
    let xtoken = SecretString::from(issued["access_token"].as_str().expect("token").to_owned());
    let xero = ledgerbridge_xero::Xero::new(xconfig, Fixed(xtoken)).expect("xero");
    let xero = XeroTarget::new(xero, Some("Business Unit".into()));
    let tenant = |i: usize, target: System, company: &Value| TenantSpec {
        tenant: s["tenants"][i]["tenant_id"].to_string(),
        target,
        company: company.as_str().expect("company").into(),
    };
    let mode = format!("{limits:?}").to_lowercase();
    // QuickBooks: 40 batch requests of 30 a minute; Xero: 60 calls of 50 elements a minute.
    run(
        &format!("quickbooks, limits {mode}"),
        &st(0),
        &qbo,
        tenant(0, System::QuickBooks, &q["realm_id"]),
        count,
        1_200,
    )
    .await;
    run(
        &format!("xero, limits {mode}"),
        &st(1),
        &xero,
        tenant(1, System::Xero, &x["tenant_id"]),
        count,
        3_000,
    )
    .await;
    sandbox.shutdown().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        bench(LimitMode::Real, 1_000).await;
        bench(LimitMode::Off, 10_000).await;
    });
}
