//! Invoices written per minute through `/batch`, against the in-process QuickBooks emulator.
//!
//! Run with `cargo bench -p ledgerbridge-quickbooks --bench write_invoices` (not in CI).
//!
//! * `real`: the emulator enforces QuickBooks' documented limits and the connector paces
//!   itself to them; 1,000 invoices, reported as a fraction of the batch ceiling
//!   (40 batch requests a minute x 30 items = 1,200 invoices a minute).
//! * `off`: no limits on either side; 10,000 invoices, one batch in flight and four.
//!
//! Each invoice is a full mapping (two lines, tax override, class-free, reference note), one
//! request row's worth of work: prepare (encode the exact bytes), send with a fresh
//! `requestid`, read every item's outcome.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use futures::StreamExt;
use futures::future::BoxFuture;
use ledgerbridge_connector::oauth::ConsentMode;
use ledgerbridge_connector::{
    CredentialError, CredentialStore, HttpSettings, RetryPolicy, SecretEntry,
};
use ledgerbridge_core::{Currency, Invoice, InvoiceLine, InvoiceStatus, Money, SourceRef};
use ledgerbridge_emulator::{EmulatorContext, LimitMode, Scenario, SeedOptions};
use ledgerbridge_emulator_quickbooks::{EmulatorState, spawn};
use ledgerbridge_quickbooks::map::write::InvoiceContext;
use ledgerbridge_quickbooks::{
    ConnectRequest, Endpoints, ItemOutcome, Limits, Mappings, QuickBooks, QuickBooksConfig,
    WriteOp, connect,
};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

#[derive(Default)]
struct Store(Mutex<HashMap<String, String>>);

impl CredentialStore for Store {
    fn load<'a>(
        &'a self,
        _c: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<SecretString>, CredentialError>> {
        let v = self
            .0
            .lock()
            .unwrap()
            .get(name)
            .cloned()
            .map(SecretString::from);
        Box::pin(async move { Ok(v) })
    }
    fn store<'a>(
        &'a self,
        _c: &'a str,
        entries: &'a [SecretEntry],
    ) -> BoxFuture<'a, Result<(), CredentialError>> {
        let mut map = self.0.lock().unwrap();
        for e in entries {
            map.insert(e.name.clone(), e.value.expose_secret().to_owned());
        }
        Box::pin(async { Ok(()) })
    }
    fn forget<'a>(&'a self, _c: &'a str) -> BoxFuture<'a, Result<(), CredentialError>> {
        self.0.lock().unwrap().clear();
        Box::pin(async { Ok(()) })
    }
}

fn usd(cents: i64) -> Money {
    Money::from_minor(cents, Currency::USD)
}

fn invoice(n: usize) -> Invoice {
    let line = |id: i64, cents: i64, taxable| InvoiceLine {
        key: SourceRef::ServiceTitan(id),
        item: Some("SVC".into()),
        description: format!("Service call {n}"),
        quantity: rust_decimal::Decimal::ONE,
        unit_price: usd(cents).amount(),
        amount: usd(cents),
        gl_account: None,
        taxable,
        tax_code: None,
    };
    let lines = vec![line(1, 12_050, true), line(2, 3_500, false)];
    Invoice {
        number: format!("BENCH-{n:06}"),
        customer: SourceRef::ServiceTitan(1),
        invoice_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        due_date: None,
        status: InvoiceStatus::Posted,
        currency: Currency::USD,
        lines,
        tax_lines: vec![],
        subtotal: usd(15_550),
        tax: usd(995),
        total: usd(16_545),
        balance: usd(16_545),
        memo: None,
        business_unit: None,
    }
}

async fn setup(
    mode: LimitMode,
    limits: Limits,
) -> (QuickBooks, String, ledgerbridge_emulator::EmulatorHandle) {
    let seed = SeedOptions {
        seed: 42,
        scenario: Scenario::Demo,
        start: chrono::Utc::now().date_naive() - chrono::Days::new(30),
    };
    let state = EmulatorState::new(EmulatorContext::new(mode), seed);
    let handle = spawn(state.clone()).await.unwrap();
    let info = state.info();
    let url = |k: &str| Url::parse(info[k].as_str().unwrap()).unwrap();
    let endpoints = Endpoints {
        api_base: url("api_base"),
        authorize_url: url("authorize_url"),
        token_url: url("token_url"),
        revoke_url: url("revoke_url"),
    };
    let secret = SecretString::from(info["client_secret"].as_str().unwrap().to_owned());
    let client_id = info["client_id"].as_str().unwrap().to_owned();
    let http = HttpSettings {
        retry: RetryPolicy {
            max_retry_after: Duration::from_secs(90),
            ..RetryPolicy::default()
        },
        ..HttpSettings::default()
    };
    let redirect = Url::parse("http://127.0.0.1:0/callback").unwrap();
    let request = ConnectRequest {
        endpoints: endpoints.clone(),
        client_id: client_id.clone(),
        client_secret: secret.clone(),
        redirect_uri: redirect.clone(),
        mode: ConsentMode::ApproveSandbox,
        timeout: Duration::from_secs(30),
        http: http.clone(),
    };
    let company = connect(request, |_| {}).await.unwrap();
    let store = Arc::new(Store::default());
    company
        .store(store.as_ref(), "bench", chrono::Utc::now())
        .await
        .unwrap();
    let mut config =
        QuickBooksConfig::new(endpoints.clone(), company.realm_id.clone()).with_limits(limits);
    config.http.retry = http.retry.clone();
    let app = endpoints.oauth_app(client_id, secret, redirect);
    let qbo = QuickBooks::from_store(config, app, store, "bench").unwrap();
    let data = qbo.reference_data().await.unwrap();
    let item = data
        .items
        .iter()
        .find(|i| i.active && i.kind.as_deref() == Some("Service"))
        .unwrap()
        .id
        .clone();
    let qbo = qbo.with_mappings(Mappings {
        items: HashMap::from([("SVC".into(), item)]),
        us_tax: true,
        ..Mappings::default()
    });
    let customer = data_customer(&qbo).await;
    (qbo, customer, handle)
}

async fn data_customer(qbo: &QuickBooks) -> String {
    let mut page = qbo
        .query("SELECT * FROM Customer MAXRESULTS 1")
        .await
        .unwrap();
    let raw = page.take("Customer");
    let v: serde_json::Value = serde_json::from_str(raw[0].get()).unwrap();
    v["Id"].as_str().unwrap().to_owned()
}

/// Writes `count` invoices in batches, `in_flight` batches at a time; returns milliseconds.
async fn run(
    qbo: &QuickBooks,
    customer: &str,
    count: usize,
    in_flight: usize,
    offset: usize,
) -> u128 {
    let no_lines = HashMap::new();
    let cx = InvoiceContext {
        servicetitan_id: 0,
        customer_id: customer,
        line_ids: &no_lines,
        home_currency: Currency::USD,
    };
    let invoices: Vec<Invoice> = (0..count).map(|n| invoice(offset + n)).collect();
    let started = Instant::now();
    let batches = invoices.chunks(qbo.config().batch_size).map(|chunk| {
        let ops: Vec<WriteOp<'_>> = chunk
            .iter()
            .map(|invoice| WriteOp::CreateInvoice { invoice, cx })
            .collect();
        let prepared = qbo.prepare_ops(&ops).unwrap();
        async move {
            let key = uuid::Uuid::now_v7().to_string();
            let results = qbo.send_write(&key, &prepared.write).await.unwrap();
            results
                .iter()
                .filter(|r| matches!(r.outcome, ItemOutcome::Saved(_)))
                .count()
        }
    });
    let saved: usize = futures::stream::iter(batches)
        .buffer_unordered(in_flight)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .sum();
    assert_eq!(saved, count, "every invoice saved");
    // Milliseconds: floats are banned in this workspace.
    started.elapsed().as_millis()
}

fn report(limits: &str, count: usize, in_flight: usize, ms: u128) {
    let per_min = (count as u128) * 60_000 / ms.max(1);
    let ceiling = if limits == "real" {
        format!("{}% of 1,200/min", per_min * 100 / 1_200)
    } else {
        "-".into()
    };
    println!(
        "| {limits:<6} | {in_flight:>9} | {count:>8} | {:>6}.{:03} | {per_min:>11} | {ceiling} |",
        ms / 1000,
        ms % 1000
    );
}

#[tokio::main]
async fn main() {
    println!("| limits | in flight | invoices | seconds    | invoices/min | of batch ceiling |");
    println!("| ------ | --------: | -------: | ---------: | -----------: | ---------------- |");
    let (qbo, customer, _real) = setup(LimitMode::Real, Limits::documented()).await;
    let ms = run(&qbo, &customer, 1_000, 1, 0).await;
    report("real", 1_000, 1, ms);
    // Each `off` case on a fresh company: the emulator checks DocNumber uniqueness across
    // every stored invoice, so a company already holding 10,000 is slower to write to.
    for in_flight in [1, 4] {
        let (qbo, customer, _off) = setup(LimitMode::Off, Limits::none()).await;
        let ms = run(&qbo, &customer, 10_000, in_flight, 0).await;
        report("off", 10_000, in_flight, ms);
    }
}
