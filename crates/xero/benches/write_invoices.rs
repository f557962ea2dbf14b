//! Invoices written per minute through the Xero connector, against the in-process emulator.
//!
//! Run with `cargo bench -p ledgerbridge-xero --bench write_invoices` (release; not in CI).
//!
//! * `real`: the emulator enforces Xero's limits (60 calls/min, 5 at once, 5,000/day) and the
//!   connector paces itself to the documented minute; 1,000 invoices in 20 batches of 50. The
//!   ceiling is 60 x 50 = 3,000 invoices a minute; the figure is shown as a share of it.
//! * `off`: no limits on either side; 10,000 invoices in 200 batches, CPU-bound.
//!
//! Each invoice has two lines (one taxable, with tax distributed by largest remainder), is
//! mapped from the canonical model, batched with `summarizeErrors=false` and an
//! `Idempotency-Key`, and every per-element result is read back.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use ledgerbridge_connector::{AccessToken, ConnectorError, TokenProvider};
use ledgerbridge_core::{Currency, Invoice, InvoiceLine, InvoiceStatus, Money, SourceRef};
use ledgerbridge_emulator::{EmulatorContext, LimitMode, Scenario, SeedOptions};
use ledgerbridge_emulator_xero::{EmulatorState, XERO_TENANT_ID, spawn};
use ledgerbridge_xero::map::{InvoiceTarget, invoice_to_xero};
use ledgerbridge_xero::{ElementResult, Endpoints, Mappings, WriteBatch, Xero, XeroConfig};
use rust_decimal::Decimal;
use secrecy::SecretString;
use url::Url;

struct Fixed(SecretString);

impl TokenProvider for Fixed {
    async fn access_token(&self) -> Result<AccessToken, ConnectorError> {
        Ok(AccessToken::new(self.0.clone(), 1))
    }
    fn reject(&self, _: &AccessToken) {}
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

fn invoice(n: usize) -> Invoice {
    let labour = 10_000 + i64::try_from(n % 5_000).unwrap_or(0);
    let part = 2_599;
    let tax = 226; // 8.7% of 25.99, as ServiceTitan rounded it
    let line = |id: i64, amount: i64, taxable: bool| InvoiceLine {
        key: SourceRef::servicetitan(id).expect("id"),
        item: None,
        description: format!("Line {id}"),
        quantity: Decimal::ONE,
        unit_price: Decimal::new(amount, 2),
        amount: usd(amount),
        gl_account: Some(if taxable { "Materials" } else { "Service" }.into()),
        taxable,
        tax_code: None,
    };
    Invoice {
        number: format!("BENCH-{n:06}"),
        customer: SourceRef::servicetitan(7).expect("id"),
        invoice_date: NaiveDate::from_ymd_opt(2026, 10, 12).expect("date"),
        due_date: None,
        status: InvoiceStatus::Posted,
        currency: Currency::USD,
        lines: vec![line(1, labour, false), line(2, part, true)],
        tax_lines: Vec::new(),
        subtotal: usd(labour + part),
        tax: usd(tax),
        total: usd(labour + part + tax),
        balance: usd(labour + part + tax),
        memo: None,
        business_unit: None,
    }
}

fn mappings() -> Mappings {
    let mut m = Mappings::new();
    m.gl_accounts.insert("Service".into(), "210".into());
    m.gl_accounts.insert("Materials".into(), "220".into());
    m.taxable_tax_type = Some("TAX001".into());
    m
}

async fn run(limits: LimitMode, count: usize) -> (usize, Duration, u64) {
    let seed = SeedOptions {
        seed: 42,
        scenario: Scenario::Demo,
        start: NaiveDate::from_ymd_opt(2026, 10, 1).expect("date"),
    };
    let state = EmulatorState::new(EmulatorContext::new(limits), seed);
    let handle = spawn(state.clone()).await.expect("emulator");
    let token = state.issue_tokens(
        "offline_access accounting.invoices accounting.payments accounting.contacts accounting.settings.read",
    )["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let mut config = XeroConfig::new(
        Endpoints::sandbox(&Url::parse(&handle.base_url).expect("url")),
        XERO_TENANT_ID,
    );
    if limits == LimitMode::Off {
        config.http.rate_limit = None;
    }
    let xero = Arc::new(Xero::new(config, Fixed(SecretString::from(token))).expect("connector"));
    let contact = xero
        .contacts_named("Maria Garcia")
        .await
        .expect("contact")
        .into_iter()
        .find_map(|c| c.contact_id)
        .expect("demo contact");
    let none = HashMap::new();
    let mappings = mappings();
    let target = InvoiceTarget {
        contact_id: &contact,
        invoice_id: None,
        line_ids: &none,
    };
    let started = Instant::now();
    let elements: Vec<_> = (0..count)
        .map(|n| invoice_to_xero(&invoice(n), &target, &mappings).expect("maps"))
        .collect();
    let batches: Vec<WriteBatch> = elements
        .chunks(50)
        .map(|c| WriteBatch::create_invoices(c).expect("batch"))
        .collect();
    // Up to 5 batches in flight: Xero's concurrency limit; the connector's pacer holds the
    // minute.
    let mut saved = 0;
    for (g, group) in batches.chunks(5).enumerate() {
        let sends = group.iter().enumerate().map(|(i, batch)| {
            let xero = xero.clone();
            let batch = batch.clone();
            // One key per request row: a key reused with another body is a 400.
            let key = format!("bench-{g}-{i}");
            tokio::spawn(async move { xero.send_batch(&batch, &key).await })
        });
        for handle in sends.collect::<Vec<_>>() {
            let result = handle.await.expect("task").expect("batch written");
            saved += result
                .elements
                .iter()
                .filter(|e| matches!(e, ElementResult::Saved(_)))
                .count();
        }
    }
    let elapsed = started.elapsed();
    let calls = xero.calls();
    handle.shutdown().await;
    (saved, elapsed, calls)
}

fn per_minute(count: usize, elapsed: Duration) -> Decimal {
    let ms = Decimal::from(
        u64::try_from(elapsed.as_millis())
            .unwrap_or(u64::MAX)
            .max(1),
    );
    (Decimal::from(count) * Decimal::from(60_000) / ms).trunc()
}

#[tokio::main]
async fn main() {
    println!("| limits | invoices | requests | seconds | invoices/min | share of 3,000/min |");
    println!("| ------ | -------: | -------: | ------: | -----------: | -----------------: |");
    for (limits, name, count) in [
        (LimitMode::Real, "real", 1_000),
        (LimitMode::Off, "off", 10_000),
    ] {
        let (saved, elapsed, calls) = run(limits, count).await;
        assert_eq!(saved, count, "every invoice saved");
        let rate = per_minute(saved, elapsed);
        let share = if limits == LimitMode::Real {
            format!(
                "{}%",
                (rate * Decimal::from(100) / Decimal::from(3_000)).trunc()
            )
        } else {
            "n/a".to_owned()
        };
        let millis = Decimal::from(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX));
        println!(
            "| {name} | {saved} | {calls} | {} | {rate} | {share} |",
            millis / Decimal::from(1000)
        );
    }
}
