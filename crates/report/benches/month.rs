//! A month of 10,000 invoices (not in CI): the report read from a ledger and rendered in every
//! format, and the pure build alone.
//!
//! Run with `cargo bench -p ledgerbridge-report --bench month`. The figures go to
//! `docs/performance.md`.

use std::time::Instant;

use chrono::NaiveDate;
use ledgerbridge_core::{Currency, EntityKind, Invoice, InvoiceStatus, Money, SourceRef, System};
use ledgerbridge_ledger::{
    Ledger, LedgerLocation, LedgerOptions, NewConnection, NewSnapshot, RecordKey, SnapshotTotals,
};
use ledgerbridge_report::render::{Format, render};
use ledgerbridge_report::{Expected, Period, Scope, from_ledger};

const INVOICES: i64 = 10_000;
const TENANT: &str = "1017823";
const COMPANY: &str = "9130";

fn invoice(n: i64) -> Invoice {
    let usd = |minor| Money::from_minor(minor, Currency::USD);
    let sub = 10_000 + (n * 7919) % 90_000;
    let tax = sub * 825 / 10_000;
    let paid = if n % 3 == 0 { sub + tax } else { 0 };
    Invoice {
        number: format!("{}", 100_000 + n),
        customer: SourceRef::ServiceTitan(1 + n % 700),
        invoice_date: NaiveDate::from_ymd_opt(2026, 11, 1 + (n % 30) as u32).unwrap(),
        due_date: None,
        status: InvoiceStatus::Posted,
        currency: Currency::USD,
        lines: Vec::new(),
        tax_lines: Vec::new(),
        subtotal: usd(sub),
        tax: usd(tax),
        total: usd(sub + tax),
        balance: usd(sub + tax - paid),
        memo: None,
        business_unit: None,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile_dir();
    let ledger = Ledger::open(
        LedgerLocation::File(dir.join("bench.db")),
        LedgerOptions::default(),
    )
    .await
    .unwrap();
    ledger
        .connections()
        .register(&NewConnection {
            system: System::QuickBooks,
            tenant: TENANT.into(),
            company: COMPANY.into(),
            environment: ledgerbridge_ledger::Environment::Sandbox,
        })
        .await
        .unwrap();
    let seeding = Instant::now();
    for chunk in (0..INVOICES).collect::<Vec<_>>().chunks(1_000) {
        ledger
            .transaction(async |tx| {
                for n in chunk {
                    let inv = invoice(*n);
                    let key = RecordKey::new(
                        TENANT,
                        EntityKind::Invoice,
                        (5_000_000 + n).to_string(),
                        System::QuickBooks,
                        COMPANY,
                    );
                    tx.links().insert(&key, &format!("q{n}")).await?;
                    let snapshot = NewSnapshot {
                        base: serde_json::to_value(&inv).unwrap(),
                        servicetitan_version: None,
                        target_version: Some("0".into()),
                        totals: Some(SnapshotTotals {
                            total: inv.total,
                            tax: inv.tax,
                            balance: inv.balance,
                        }),
                        target_total: None,
                        target_tax: None,
                        document_date: Some(inv.invoice_date),
                        run: None,
                    };
                    tx.snapshots().save(&key, &snapshot).await?;
                }
                Ok::<_, ledgerbridge_ledger::LedgerError>(())
            })
            .await
            .unwrap();
    }
    println!(
        "seeded {INVOICES} linked invoices in {:?}",
        seeding.elapsed()
    );

    let period = Period::parse_month("2026-11").unwrap();
    let scopes = [Scope {
        tenant: TENANT.into(),
        target: System::QuickBooks,
        company: COMPANY.into(),
    }];
    let mut best = std::time::Duration::MAX;
    let mut report = None;
    for _ in 0..5 {
        let start = Instant::now();
        let r = from_ledger(&ledger, period, &scopes, Expected::default(), ledger.now())
            .await
            .unwrap();
        best = best.min(start.elapsed());
        report = Some(r);
    }
    let report = report.unwrap();
    assert_eq!(report.tenants[0].records.len(), INVOICES as usize);
    println!("report of {INVOICES} invoices from the ledger: best of 5 {best:?}");
    for format in [Format::Table, Format::Json, Format::Csv, Format::Html] {
        let start = Instant::now();
        let text = render(&report, format);
        println!(
            "  render {format:?}: {:?}, {} KiB",
            start.elapsed(),
            text.len() / 1024
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("ledgerbridge-report-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
