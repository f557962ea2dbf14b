//! The ServiceTitan workflow's rules: an overdue invoice (with an injected clock) and a large
//! one, read from the invoice snapshots.

use chrono::Duration;
use ledgerbridge_alerts::{RuleKind, RunFacts, after_run};
use ledgerbridge_core::{Currency, EntityKind, Money};
use ledgerbridge_ledger::{Ledger, NewSnapshot, SnapshotTotals};
use rust_decimal::Decimal;
use serde_json::json;

use crate::helpers::{Sinks, TestClock, config, ledger, rule};
use crate::rules::key;

async fn save_invoice(ledger: &Ledger, balance: &str, due: &str) {
    let usd = Currency::new("USD").unwrap();
    let customer = key(EntityKind::Customer, "501");
    if ledger.links().get(&customer).await.unwrap().is_none() {
        ledger.links().insert(&customer, "qbo-c501").await.unwrap();
        let base = json!({"display_name": "Acme Plumbing"});
        ledger
            .snapshots()
            .save(&customer, &snapshot(base, None))
            .await
            .unwrap();
    }
    let invoice = key(EntityKind::Invoice, "1042");
    if ledger.links().get(&invoice).await.unwrap().is_none() {
        ledger.links().insert(&invoice, "qbo-77").await.unwrap();
    }
    let money = |s: &str| Money::new(s.parse::<Decimal>().unwrap(), usd).unwrap();
    let totals = SnapshotTotals {
        total: money("1812.50"),
        tax: money("0.00"),
        balance: money(balance),
    };
    let base = json!({"number": "INV-1042", "customer": "st:501", "due_date": due});
    ledger
        .snapshots()
        .save(&invoice, &snapshot(base, Some(totals)))
        .await
        .unwrap();
}

fn snapshot(base: serde_json::Value, totals: Option<SnapshotTotals>) -> NewSnapshot {
    NewSnapshot {
        base,
        servicetitan_version: None,
        target_version: None,
        totals,
        target_total: None,
        target_tax: None,
        document_date: None,
        run: None,
    }
}

#[tokio::test]
async fn an_overdue_invoice_alerts_when_its_day_comes_and_again_only_after_it_was_paid() {
    let clock = TestClock::at("2026-11-30T12:00:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let overdue = RuleKind::InvoiceOverdue {
        days: 30,
        min_balance: Some(Decimal::new(50000, 2)),
    };
    let config = config(vec![sinks.email("mail")], vec![rule(overdue, &["mail"])]);
    save_invoice(&ledger, "812.50", "2026-11-01").await;
    let facts = RunFacts::default();

    // 29 days past due: not yet.
    let early = after_run(&ledger, &config, clock.now(), &facts)
        .await
        .unwrap();
    assert_eq!(early.raised, 0);
    clock.advance(Duration::days(1));
    let due = after_run(&ledger, &config, clock.now(), &facts)
        .await
        .unwrap();
    assert_eq!((due.raised, due.delivery.sent), (1, 1));
    let mail = sinks.smtp.mailbox.messages();
    let subject = mail[0].subject.clone().unwrap();
    assert!(
        subject.contains("INV-1042") && subject.contains("Acme Plumbing"),
        "{subject}"
    );
    assert!(subject.contains("30 days overdue"), "{subject}");
    assert!(
        mail[0].body.contains("Balance: 812.50 USD"),
        "{}",
        mail[0].body
    );
    assert!(mail[0].body.contains("#/Invoice/1042"), "{}", mail[0].body);
    assert!(mail[0].body.contains("txnId=qbo-77"), "{}", mail[0].body);

    clock.advance(Duration::days(1));
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        0
    );
    // Below the minimum balance, then paid: cleared; open again: a new alert.
    save_invoice(&ledger, "0.00", "2026-11-01").await;
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        0
    );
    save_invoice(&ledger, "600.00", "2026-11-01").await;
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        1
    );
    assert_eq!(sinks.smtp.mailbox.messages().len(), 2);
}

#[tokio::test]
async fn a_large_open_invoice_alerts_once() {
    let clock = TestClock::at("2026-12-08T09:00:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let large = |amount: i64| RuleKind::InvoiceLarge {
        amount: Decimal::new(amount, 2),
    };
    let config = config(
        vec![sinks.slack("slack")],
        vec![
            rule(large(500_000), &["slack"]),
            rule(large(150_000), &["slack"]),
        ],
    );
    save_invoice(&ledger, "812.50", "2026-12-31").await;
    let facts = RunFacts::default();
    // 1812.50: under 5000.00, at least 1500.00.
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        1
    );
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        0
    );
    let text = sinks.sinks.slack_messages()[0].text.clone().unwrap();
    assert!(
        text.contains("Large invoice INV-1042 for Acme Plumbing: 1812.50 USD"),
        "{text}"
    );
}
