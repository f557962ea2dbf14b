//! The report read from a ledger: snapshots of the period, a parked (blocked) invoice, an
//! open conflict, a quarantined payload; and a live accounting list beside it.

use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::{Currency, EntityKind, Invoice, InvoiceStatus, Money, SourceRef, System};
use ledgerbridge_ledger::{
    ConflictField, Ledger, LedgerLocation, LedgerOptions, NewConflict, NewQuarantine, NewSnapshot,
    RecordKey, SnapshotTotals,
};
use ledgerbridge_protocol::RemoteInvoice;
use ledgerbridge_reconcile::parked::{self, Parked, ParkedRecord};
use ledgerbridge_report::{Basis, Expected, Live, Scope, Status, build, tenant_input};
use rust_decimal::Decimal;

use crate::fixtures::{generated_at, november, usd};

pub(crate) const TENANT: &str = "1017823";
pub(crate) const COMPANY: &str = "9130";

pub(crate) fn invoice(number: &str, date: &str, sub: &str, tax: &str, balance: &str) -> Invoice {
    let (sub, tax) = (usd(sub), usd(tax));
    Invoice {
        number: number.into(),
        customer: SourceRef::ServiceTitan(42),
        invoice_date: date.parse().unwrap(),
        due_date: None,
        status: InvoiceStatus::Posted,
        currency: Currency::USD,
        lines: Vec::new(),
        tax_lines: Vec::new(),
        subtotal: sub,
        tax,
        total: sub.checked_add(&tax).unwrap(),
        balance: usd(balance),
        memo: None,
        business_unit: None,
    }
}

pub(crate) fn key(id: &str) -> RecordKey {
    RecordKey::new(TENANT, EntityKind::Invoice, id, System::QuickBooks, COMPANY)
}

async fn link(ledger: &Ledger, id: &str, target: &str, inv: &Invoice) {
    ledger.links().insert(&key(id), target).await.unwrap();
    let snapshot = NewSnapshot {
        base: serde_json::to_value(inv).unwrap(),
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
    ledger.snapshots().save(&key(id), &snapshot).await.unwrap();
}

fn source(id: i64, inv: &Invoice) -> SourceRecord<Invoice> {
    SourceRecord {
        id,
        modified_on: "2026-11-20T10:00:00Z".parse().unwrap(),
        export_id: None,
        remote_status: Some("Posted".into()),
        record: inv.clone(),
    }
}

pub(crate) fn scope() -> Scope {
    Scope {
        tenant: TENANT.into(),
        target: System::QuickBooks,
        company: COMPANY.into(),
    }
}

/// Two linked November invoices (one with an open conflict), one linked October invoice, a
/// parked November invoice and a quarantined November payload.
async fn seeded() -> Ledger {
    let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default())
        .await
        .unwrap();
    link(
        &ledger,
        "1",
        "q1",
        &invoice("1001", "2026-11-02", "100.00", "8.25", "0.00"),
    )
    .await;
    link(
        &ledger,
        "2",
        "q2",
        &invoice("1002", "2026-11-03", "200.00", "16.50", "216.50"),
    )
    .await;
    link(
        &ledger,
        "9",
        "q9",
        &invoice("0999", "2026-10-31", "10.00", "0.00", "10.00"),
    )
    .await;
    let mut parked: Parked<Invoice> = Parked::new();
    let blocked = invoice("1005", "2026-11-08", "40.00", "3.30", "43.30");
    parked.insert(
        5,
        ParkedRecord::of(&source(5, &blocked), "unmapped SKU FILTER-20"),
    );
    ledger
        .transaction(async |tx| parked::save(tx, TENANT, EntityKind::Invoice, &parked, None).await)
        .await
        .unwrap();
    ledger
        .conflicts()
        .raise(&NewConflict {
            key: key("2"),
            target_id: "q2".into(),
            run: None,
            fields: vec![ConflictField {
                path: "invoice.memo".into(),
                base: serde_json::Value::Null,
                servicetitan: "Gate code 1234".into(),
                accounting: "Gate code 4321".into(),
            }],
        })
        .await
        .unwrap();
    ledger
        .quarantine()
        .add(&NewQuarantine {
            run: None,
            tenant: TENANT.into(),
            system: System::ServiceTitan,
            entity: EntityKind::Invoice,
            remote_id: Some("7".into()),
            reason: "total is not a number".into(),
            raw: br#"{"id":7,"invoiceDate":"2026-11-10T00:00:00Z","total":"abc"}"#.to_vec(),
        })
        .await
        .unwrap();
    ledger
}

fn statuses(report: &ledgerbridge_report::Report) -> Vec<(Status, String)> {
    report.tenants[0]
        .records
        .iter()
        .map(|r| {
            let id = r
                .servicetitan
                .as_ref()
                .or(r.accounting.as_ref())
                .map(|d| d.id.clone())
                .unwrap_or_default();
            (r.status, id)
        })
        .collect()
}

#[tokio::test]
async fn the_ledger_alone_gives_snapshots_parked_conflicts_and_quarantine_of_the_period() {
    let ledger = seeded().await;
    let input = tenant_input(
        &ledger,
        &scope(),
        november(),
        Expected::default(),
        Live::default(),
    )
    .await
    .unwrap();
    assert_eq!(input.servicetitan_basis, Basis::Ledger);
    let report = build(november(), generated_at(), Vec::new(), vec![input]).unwrap();
    assert_eq!(
        statuses(&report),
        [
            (Status::ConflictOpen, "2".to_owned()),
            (Status::Blocked, String::new()),
            (Status::Blocked, "5".to_owned()),
            (Status::Matched, "1".to_owned()),
        ]
    );
    let t = &report.tenants[0];
    assert!(
        t.records[1]
            .reason
            .as_deref()
            .unwrap()
            .contains("invoice 7 is quarantined")
    );
    assert_eq!(
        t.records[2].reason.as_deref(),
        Some("unmapped SKU FILTER-20")
    );
    // ServiceTitan: 108.25 + 216.50 + 43.30; the books: the two linked ones.
    let totals = &t.totals[0];
    assert_eq!(totals.servicetitan.total, usd("368.05"));
    assert_eq!(totals.accounting.total, usd("324.75"));
    assert_eq!(totals.variance.total, usd("-43.30"));
    assert_eq!(totals.variance.count, -1);
}

fn remote(
    id: &str,
    number: &str,
    date: &str,
    total: &str,
    tax: &str,
    balance: &str,
) -> RemoteInvoice {
    RemoteInvoice {
        id: id.into(),
        version: None,
        number: number.into(),
        customer_id: "c1".into(),
        date: Some(date.parse().unwrap()),
        total: total.parse::<Decimal>().unwrap(),
        tax: tax.parse::<Decimal>().unwrap(),
        balance: balance.parse::<Decimal>().unwrap(),
        status: InvoiceStatus::Posted,
    }
}

#[tokio::test]
async fn live_reads_show_mismatches_duplicates_and_what_is_missing() {
    let ledger = seeded().await;
    let st = vec![
        source(1, &invoice("1001", "2026-11-02", "100.00", "8.25", "0.00")),
        source(
            2,
            &invoice("1002", "2026-11-03", "200.00", "16.50", "216.50"),
        ),
        // Not linked, eligible: the books should have it.
        source(3, &invoice("1003", "2026-11-04", "75.00", "0.00", "75.00")),
        source(5, &invoice("1005", "2026-11-08", "40.00", "3.30", "43.30")),
        // Not linked, still pending: not expected in the books.
        SourceRecord {
            remote_status: Some("Pending".into()),
            ..source(6, &invoice("1006", "2026-11-09", "1.00", "0.00", "1.00"))
        },
    ];
    let books = vec![
        // The books recalculated the tax of 1001.
        remote("q1", "1001", "2026-11-02", "108.31", "8.31", "0.00"),
        remote("q2", "1002", "2026-11-03", "216.50", "16.50", "216.50"),
        // Linked to an October invoice: not in November's report.
        remote("q9", "0999", "2026-11-01", "10.00", "0.00", "10.00"),
        remote("q50", "1001", "2026-11-12", "108.25", "8.25", "108.25"),
        remote("q51", "QB-51", "2026-11-13", "20.00", "0.00", "20.00"),
        remote("q52", "QB-52", "2026-12-01", "20.00", "0.00", "20.00"),
    ];
    let live = Live {
        servicetitan: Some(st),
        accounting: Some(books),
    };
    let input = tenant_input(&ledger, &scope(), november(), Expected::default(), live)
        .await
        .unwrap();
    let report = build(november(), generated_at(), Vec::new(), vec![input]).unwrap();
    assert_eq!(
        statuses(&report),
        [
            (Status::ConflictOpen, "2".to_owned()),
            (Status::Blocked, String::new()),
            (Status::Blocked, "5".to_owned()),
            (Status::TaxMismatch, "1".to_owned()),
            (Status::MissingInAccounting, "3".to_owned()),
            (Status::DuplicateSuspected, "q50".to_owned()),
            (Status::MissingInServicetitan, "q51".to_owned()),
        ]
    );
    let t = &report.tenants[0];
    assert_eq!(t.tax_recalculated, 1);
    let totals = &t.totals[0];
    assert_eq!(totals.servicetitan.count, 4);
    assert_eq!(totals.accounting.count, 4);
    // 0.06 (tax) - 75.00 - 43.30 + 108.25 + 20.00
    assert_eq!(
        totals.variance.total,
        Money::parse("10.01", Currency::USD).unwrap()
    );
    // 0.06 - 3.30 (the blocked one) + 8.25 (the duplicate)
    assert_eq!(totals.variance.tax, usd("5.01"));
}

#[tokio::test]
async fn the_ledgers_connections_give_the_scopes_and_the_last_run_that_wrote_dates_the_figures() {
    let ledger = seeded().await;
    for system in [System::ServiceTitan, System::QuickBooks] {
        ledger
            .connections()
            .register(&ledgerbridge_ledger::NewConnection {
                system,
                tenant: TENANT.into(),
                company: if system == System::QuickBooks {
                    COMPANY
                } else {
                    TENANT
                }
                .into(),
                environment: ledgerbridge_ledger::Environment::Sandbox,
            })
            .await
            .unwrap();
    }
    let wrote = ledger.runs().start(false).await.unwrap();
    ledger
        .runs()
        .finish(
            wrote.id,
            ledgerbridge_ledger::RunStatus::Ok,
            &serde_json::json!({}),
        )
        .await
        .unwrap();
    ledger.runs().start(true).await.unwrap();

    let scopes = ledgerbridge_report::scopes_from_ledger(&ledger, None, None)
        .await
        .unwrap();
    assert_eq!(scopes, [scope()], "accounting connections only");
    assert!(
        ledgerbridge_report::scopes_from_ledger(&ledger, None, Some(System::Xero))
            .await
            .unwrap()
            .is_empty()
    );
    let report = ledgerbridge_report::from_ledger(
        &ledger,
        november(),
        &scopes,
        Expected::default(),
        generated_at(),
    )
    .await
    .unwrap();
    let last = report.last_sync.expect("a run wrote");
    assert_eq!(last.run, wrote.id.0, "the dry run after it is left out");
    assert_eq!(last.status, "ok");
    assert_eq!(report.tenants[0].records.len(), 4);
}
