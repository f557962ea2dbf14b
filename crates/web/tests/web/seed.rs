//! A seeded ledger: two tenants, runs, links, snapshots, conflicts, a quarantined payload, a
//! given-up write, a mapping, audit events, customer matches to review and a record blocked by
//! an unmapped value, on a fixed clock.

use chrono::{DateTime, NaiveDate, Utc};
use ledgerbridge_core::WallClock;
use ledgerbridge_core::{Currency, EntityKind, Invoice, Money, System};
use ledgerbridge_ledger::{
    ConflictField, Environment, Ledger, LedgerLocation, LedgerOptions, LineLink, Mapping,
    MappingKind, NewConflict, NewConnection, NewEvent, NewOperation, NewQuarantine, NewSnapshot,
    OperationAction, RecordKey, RunStatus, Side, SnapshotTotals,
};
use serde_json::{Value, json};

/// The address the socket-free apps pretend to be bound to.
pub(crate) const ADDR: &str = "127.0.0.1:8080";
pub(crate) const QBO_TENANT: &str = "1017823";
pub(crate) const XERO_TENANT: &str = "2044";

/// The seeded ledger's fixed "now".
pub(crate) fn now() -> DateTime<Utc> {
    "2026-11-20T10:00:00Z".parse().unwrap()
}

pub(crate) fn usd(text: &str) -> Money {
    Money::parse(text, Currency::new("USD").unwrap()).unwrap()
}

pub(crate) fn invoice_key(id: &str) -> RecordKey {
    RecordKey::new(
        QBO_TENANT,
        EntityKind::Invoice,
        id,
        System::QuickBooks,
        "4620816365",
    )
}

/// A canonical invoice, checked by the core model on the way in.
pub(crate) fn invoice_json(memo: &str, quantity: &str) -> Value {
    let raw = json!({
        "number": "INV-4521", "customer": "st:311", "invoice_date": "2026-11-05",
        "due_date": "2026-12-01", "status": "posted", "currency": "USD",
        "lines": [
            {"key": "st:9001", "item": "SKU-100", "description": "Service call", "quantity": quantity,
             "unit_price": "100", "amount": {"amount": "100.00", "currency": "USD"},
             "gl_account": "4000", "taxable": true, "tax_code": null},
            {"key": "st:9002", "item": "SKU-200", "description": "Filter", "quantity": "1",
             "unit_price": "130", "amount": {"amount": "130.00", "currency": "USD"},
             "gl_account": "4000", "taxable": true, "tax_code": null}
        ],
        "tax_lines": [],
        "subtotal": {"amount": "230.00", "currency": "USD"},
        "tax": {"amount": "20.00", "currency": "USD"},
        "total": {"amount": "250.00", "currency": "USD"},
        "balance": {"amount": "250.00", "currency": "USD"},
        "memo": memo, "business_unit": null
    });
    let invoice: Invoice = serde_json::from_value(raw).expect("a valid canonical invoice");
    serde_json::to_value(invoice).unwrap()
}

/// A ledger with two tenants, runs, links and snapshots, two open conflicts, a quarantined
/// payload, a given-up write, a mapping and a few audit events. Its clock is fixed.
pub(crate) async fn seeded_ledger() -> Ledger {
    let ledger = Ledger::open(
        LedgerLocation::InMemory,
        LedgerOptions::default().clock(WallClock::new(now)),
    )
    .await
    .unwrap();
    for (system, tenant, company) in [
        (System::ServiceTitan, QBO_TENANT, QBO_TENANT),
        (System::QuickBooks, QBO_TENANT, "4620816365"),
        (System::Xero, XERO_TENANT, "7f3c-demo-org"),
    ] {
        ledger
            .connections()
            .register(&NewConnection {
                system,
                tenant: tenant.into(),
                company: company.into(),
                environment: Environment::Sandbox,
            })
            .await
            .unwrap();
    }
    let xero = ledger
        .connections()
        .find(XERO_TENANT, System::Xero)
        .await
        .unwrap()
        .unwrap();
    ledger
        .connections()
        .mark_broken(xero.id, "invalid_grant")
        .await
        .unwrap();

    let run1 = ledger.runs().start(false).await.unwrap();
    let counts = json!({
        "totals": {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1, "blocked": 0, "conflicts": 0, "errors": 0},
        "targets": [{"tenant": QBO_TENANT, "target": "quickbooks",
                     "counts": {"created": 2, "updated": 0, "unchanged": 0, "skipped": 1, "blocked": 0, "conflicts": 0, "errors": 0},
                     "by_entity": {}, "stopped": null}]
    });
    ledger
        .runs()
        .finish(run1.id, RunStatus::Ok, &counts)
        .await
        .unwrap();
    let run2 = ledger.runs().start(false).await.unwrap();
    let counts = json!({
        "totals": {"created": 0, "updated": 1, "unchanged": 1, "skipped": 0, "blocked": 1, "conflicts": 2, "errors": 0},
        "targets": [
            {"tenant": QBO_TENANT, "target": "quickbooks",
             "counts": {"created": 0, "updated": 1, "unchanged": 1, "skipped": 0, "blocked": 1, "conflicts": 1, "errors": 0},
             "by_entity": {}, "stopped": null},
            {"tenant": XERO_TENANT, "target": "xero",
             "counts": {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "blocked": 0, "conflicts": 1, "errors": 0},
             "by_entity": {}, "stopped": "reconnect needed: ledgerbridge connect xero"}
        ]
    });
    ledger
        .runs()
        .finish(run2.id, RunStatus::Conflicts, &counts)
        .await
        .unwrap();

    let key = invoice_key("4521");
    ledger.links().insert(&key, "130").await.unwrap();
    ledger
        .links()
        .set_lines(
            &key,
            &[LineLink::new("9001", "1"), LineLink::new("9002", "2")],
        )
        .await
        .unwrap();
    let snapshot = |base: Value, date: &str, total: &str, tax: &str, balance: &str| NewSnapshot {
        base,
        servicetitan_version: Some("2026-11-05T09:00:00Z".into()),
        target_version: Some("3".into()),
        totals: Some(SnapshotTotals {
            total: usd(total),
            tax: usd(tax),
            balance: usd(balance),
        }),
        target_total: None,
        target_tax: None,
        document_date: Some(date.parse::<NaiveDate>().unwrap()),
        run: Some(run1.id),
    };
    ledger
        .snapshots()
        .save(
            &key,
            &snapshot(
                invoice_json("Spring tune-up", "1"),
                "2026-11-05",
                "250.00",
                "20.00",
                "250.00",
            ),
        )
        .await
        .unwrap();
    let other = invoice_key("4530");
    ledger.links().insert(&other, "131").await.unwrap();
    ledger
        .snapshots()
        .save(
            &other,
            &snapshot(
                invoice_json("Install", "1"),
                "2026-11-12",
                "1234.56",
                "98.76",
                "0.00",
            ),
        )
        .await
        .unwrap();
    let october = invoice_key("4400");
    ledger.links().insert(&october, "120").await.unwrap();
    ledger
        .snapshots()
        .save(
            &october,
            &snapshot(
                invoice_json("Repair", "1"),
                "2026-10-28",
                "80.00",
                "0.00",
                "0.00",
            ),
        )
        .await
        .unwrap();

    ledger
        .conflicts()
        .raise(&NewConflict {
            key: key.clone(),
            target_id: "130".into(),
            run: Some(run2.id),
            fields: vec![
                field(
                    "invoice.memo",
                    json!("Spring tune-up"),
                    json!("Spring tune-up + filter"),
                    json!("Tune-up (edited)"),
                ),
                field(
                    "invoice.due_date",
                    json!("2026-12-01"),
                    json!("2026-12-15"),
                    json!("2026-12-10"),
                ),
                field(
                    "lines[st:9001].quantity",
                    json!("1"),
                    json!("2"),
                    json!("1.5"),
                ),
            ],
        })
        .await
        .unwrap();
    ledger
        .conflicts()
        .raise(&NewConflict {
            key: RecordKey::new(
                XERO_TENANT,
                EntityKind::Customer,
                "311",
                System::Xero,
                "7f3c-demo-org",
            ),
            target_id: "c0ffee00-0000-4000-8000-000000000311".into(),
            run: Some(run2.id),
            fields: vec![field(
                "customer.email",
                json!("ann@example.com"),
                json!("ann@example.org"),
                json!("billing@example.net"),
            )],
        })
        .await
        .unwrap();

    ledger
        .quarantine()
        .add(&NewQuarantine {
            run: Some(run2.id),
            tenant: QBO_TENANT.into(),
            system: System::QuickBooks,
            entity: EntityKind::Payment,
            remote_id: Some("77".into()),
            reason: "TotalAmt: not a decimal".into(),
            raw: b"{\"TotalAmt\": \"n/a\"}".to_vec(),
        })
        .await
        .unwrap();

    let op = ledger
        .outbox()
        .enqueue(&NewOperation {
            run: Some(run2.id),
            tenant: QBO_TENANT.into(),
            entity: EntityKind::Invoice,
            side: Side::Accounting,
            action: OperationAction::Update,
            servicetitan_id: Some("4522".into()),
            target_system: System::QuickBooks,
            target_company: "4620816365".into(),
            target_id: Some("132".into()),
            payload: json!({}),
        })
        .await
        .unwrap();
    ledger
        .outbox()
        .transition(op.id, ledgerbridge_ledger::OperationState::Sent)
        .await
        .unwrap();
    ledger
        .outbox()
        .fail(op.id, "closed_period (QBO 6210)")
        .await
        .unwrap();
    ledger
        .outbox()
        .give_up(op.id, "closed_period (QBO 6210)")
        .await
        .unwrap();

    ledger
        .mappings()
        .set(&Mapping {
            tenant: QBO_TENANT.into(),
            target_system: System::QuickBooks,
            kind: MappingKind::Item,
            source: "SKU-100".into(),
            target: "42".into(),
            target_label: Some("Service call".into()),
        })
        .await
        .unwrap();
    ledger
        .events()
        .append(
            &NewEvent::new("invoice.created")
                .run(run1.id)
                .tenant(QBO_TENANT)
                .record(EntityKind::Invoice, "4521")
                .detail(json!({"target_id": "130"})),
        )
        .await
        .unwrap();
    crate::review_seed::seed_review_work(&ledger).await;
    ledger
}

fn field(path: &str, base: Value, st: Value, acct: Value) -> ConflictField {
    ConflictField {
        path: path.into(),
        base,
        servicetitan: st,
        accounting: acct,
    }
}
