//! The engine against in-memory fakes of the protocol's `Source` and `Target`: no HTTP, no
//! emulator. What the engine needs from a vendor is only what the traits say, so any
//! implementation of them is a place the engine can sync to.

mod source;
mod target;

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_connector::SourceRecord;
use ledgerbridge_core::{
    Currency, EntityKind, Invoice, InvoiceLine, InvoiceStatus, Money, SourceRef, System,
};
use ledgerbridge_ledger::{LeaseClaim, Ledger, LedgerLocation, LedgerOptions, RecordKey};
use ledgerbridge_protocol::WriteKind;
use ledgerbridge_reconcile::{
    Counts, MappingDefaults, NoProgress, RunClaim, SyncContext, SyncRun, SyncSettings, TenantRun,
    TenantSpec,
};
use rust_decimal::Decimal;

use source::FakeSource;
use target::{COMPANY, FakeBooks};

const TENANT: &str = "1";
const CUSTOMER: i64 = 7;

fn usd(text: &str) -> Money {
    Money::parse(text, Currency::USD).expect("amount")
}

/// A posted ServiceTitan invoice of one untaxed line for the customer.
fn posted_invoice(id: i64, number: &str) -> SourceRecord<Invoice> {
    let amount = usd("150.00");
    SourceRecord {
        id,
        modified_on: DateTime::<Utc>::UNIX_EPOCH,
        export_id: None,
        remote_status: Some("Posted".to_owned()),
        record: Invoice {
            number: number.to_owned(),
            customer: SourceRef::ServiceTitan(CUSTOMER),
            invoice_date: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
            due_date: None,
            status: InvoiceStatus::Posted,
            currency: Currency::USD,
            lines: vec![InvoiceLine {
                key: SourceRef::ServiceTitan(id * 10),
                item: Some("SVC".to_owned()),
                description: "Service call".to_owned(),
                quantity: Decimal::ONE,
                unit_price: amount.amount(),
                amount,
                gl_account: Some("4000".to_owned()),
                taxable: false,
                tax_code: None,
            }],
            tax_lines: Vec::new(),
            subtotal: amount,
            tax: Money::zero(Currency::USD),
            total: amount,
            balance: amount,
            memo: None,
            business_unit: None,
        },
    }
}

fn spec() -> TenantSpec {
    TenantSpec {
        tenant: TENANT.to_owned(),
        target: System::Xero,
        company: COMPANY.to_owned(),
    }
}

fn settings() -> SyncSettings {
    SyncSettings {
        defaults: MappingDefaults {
            account: Some("200".to_owned()),
            ..MappingDefaults::default()
        },
        ..SyncSettings::default()
    }
}

/// A ledger in which the customer is already linked to a books customer.
async fn ledger_with_linked_customer() -> Ledger {
    let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default())
        .await
        .expect("ledger");
    let key = RecordKey::new(
        TENANT,
        EntityKind::Customer,
        CUSTOMER.to_string(),
        System::Xero,
        COMPANY,
    );
    ledger.links().insert(&key, "C-7").await.expect("link");
    ledger
}

/// One run of the tenant; panics when the engine stops.
async fn sync(ledger: &Ledger, st: &FakeSource, books: &FakeBooks) -> TenantRun {
    let settings = settings();
    let tenant = spec();
    let tenants = [tenant.tenant.clone()];
    let claim = RunClaim {
        tenants: &tenants,
        dry_run: false,
        lease: LeaseClaim {
            pid: std::process::id(),
            host: "fakes",
            run: None,
            stale_after: std::time::Duration::from_secs(3_600),
            is_alive: &|_| true,
        },
    };
    let mut run = SyncRun::begin(ledger, &claim)
        .await
        .expect("the lease is free");
    let outcome = run
        .tenant(SyncContext {
            ledger,
            run: run.id(),
            servicetitan: st,
            target: books,
            tenant: &tenant,
            settings: &settings,
            progress: &NoProgress,
        })
        .await;
    if let Some(e) = &outcome.error {
        panic!("sync stopped: {e}");
    }
    let outcome = TenantRun {
        report: outcome.report.clone(),
        error: None,
    };
    run.finish(None).await.expect("finish");
    outcome
}

fn invoices(run: &TenantRun) -> Counts {
    run.report
        .by_entity
        .get(&EntityKind::Invoice)
        .copied()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_posted_invoice_of_a_linked_customer_is_created_once_and_then_unchanged() {
    let ledger = ledger_with_linked_customer().await;
    let st = FakeSource::with_invoices(vec![posted_invoice(101, "1001")]);
    let books = FakeBooks::default();

    let first = sync(&ledger, &st, &books).await;
    assert_eq!(invoices(&first).created, 1, "{:?}", first.report);
    assert!(
        first.report.blocked_records.is_empty(),
        "{:?}",
        first.report
    );
    assert_eq!(books.sent(WriteKind::CreateInvoice), 1);
    let created = books.invoices.lock().unwrap().clone();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].customer_id, "C-7");
    assert_eq!(created[0].total, usd("150.00").amount());
    let marks = st.marks.lock().unwrap().clone();
    assert_eq!(marks.len(), 1, "the synced invoice is marked exported");
    assert_eq!(
        (marks[0].invoice_id, marks[0].external_id.as_str()),
        (101, "INV-1")
    );
    let key = RecordKey::new(TENANT, EntityKind::Invoice, "101", System::Xero, COMPANY);
    let link = ledger
        .links()
        .get(&key)
        .await
        .expect("read")
        .expect("linked");
    assert_eq!(link.target_id, "INV-1");

    // The feed delivers the invoice again (its export mark touched it): nothing to write.
    let second = sync(&ledger, &st, &books).await;
    let counts = invoices(&second);
    assert_eq!(
        (counts.created, counts.updated),
        (0, 0),
        "{:?}",
        second.report
    );
    assert_eq!(counts.unchanged, 1, "{:?}", second.report);
    assert_eq!(
        books.sent.lock().unwrap().len(),
        1,
        "no write on the second run"
    );
    assert_eq!(books.invoices.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn an_invoice_of_a_customer_not_in_the_books_is_blocked_and_nothing_is_written() {
    let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default())
        .await
        .expect("ledger");
    let st = FakeSource::with_invoices(vec![posted_invoice(102, "1002")]);
    let books = FakeBooks::default();

    let run = sync(&ledger, &st, &books).await;
    let counts = invoices(&run);
    assert_eq!((counts.created, counts.blocked), (0, 1), "{:?}", run.report);
    let reason = &run.report.blocked_records[0].reason;
    assert!(reason.contains("not in the books yet"), "{reason}");
    assert!(books.sent.lock().unwrap().is_empty());
    assert!(st.marks.lock().unwrap().is_empty());
}
