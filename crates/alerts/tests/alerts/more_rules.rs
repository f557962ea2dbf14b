//! The other rules fire once for their condition and not again until it clears: a failed run,
//! a broken connection, a write given up, a large invoice, the daily digest.

use chrono::Duration;
use ledgerbridge_alerts::{RuleKind, RunFacts, after_run};
use ledgerbridge_core::{EntityKind, Environment, System};
use ledgerbridge_ledger::{
    NewConnection, NewOperation, OperationAction, OperationState, RunStatus, Side,
};
use serde_json::json;

use crate::helpers::{Sinks, TestClock, config, ledger, rule};

fn texts(sinks: &Sinks) -> Vec<String> {
    let messages = sinks.sinks.slack_messages();
    messages.iter().filter_map(|m| m.text.clone()).collect()
}

#[tokio::test]
async fn a_failed_run_alerts_once_until_a_run_succeeds() {
    let clock = TestClock::at("2026-12-08T09:00:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let config = config(
        vec![sinks.slack("s")],
        vec![rule(RuleKind::RunFailed, &["s"])],
    );
    let facts = RunFacts::default();
    let run = |status| {
        let ledger = ledger.clone();
        async move {
            let run = ledger.runs().start(false).await.unwrap();
            ledger
                .runs()
                .finish(run.id, status, &json!({}))
                .await
                .unwrap();
        }
    };
    run(RunStatus::Failed).await;
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        1
    );
    run(RunStatus::Failed).await;
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        0
    );
    run(RunStatus::Ok).await;
    after_run(&ledger, &config, clock.now(), &facts)
        .await
        .unwrap();
    run(RunStatus::Failed).await;
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        1
    );
    let texts = texts(&sinks);
    assert_eq!(texts.len(), 2);
    assert!(
        texts[0].contains("ledgerbridge runs show 1"),
        "{}",
        texts[0]
    );
}

#[tokio::test]
async fn a_broken_connection_alerts_with_the_command_to_reconnect() {
    let clock = TestClock::at("2026-12-08T09:00:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let config = config(
        vec![sinks.slack("s")],
        vec![rule(RuleKind::ReconnectNeeded, &["s"])],
    );
    let facts = RunFacts::default();
    let connection = ledger
        .connections()
        .register(&NewConnection {
            system: System::QuickBooks,
            tenant: "1017823".into(),
            company: "realm-1".into(),
            environment: Environment::Sandbox,
        })
        .await
        .unwrap();
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        0
    );
    ledger
        .connections()
        .mark_broken(connection.id, "invalid_grant")
        .await
        .unwrap();
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
    let texts = texts(&sinks);
    assert!(
        texts[0].contains("ledgerbridge connect quickbooks --tenant 1017823"),
        "{}",
        texts[0]
    );
    assert!(texts[0].contains("invalid_grant"), "{}", texts[0]);
}

#[tokio::test]
async fn a_write_given_up_alerts_once() {
    let clock = TestClock::at("2026-12-08T09:00:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let config = config(
        vec![sinks.slack("s")],
        vec![rule(RuleKind::WriteGivenUp, &["s"])],
    );
    let facts = RunFacts::default();
    let op = ledger
        .outbox()
        .enqueue(&NewOperation {
            run: None,
            tenant: "1017823".into(),
            entity: EntityKind::Invoice,
            side: Side::Accounting,
            action: OperationAction::Create,
            servicetitan_id: Some("88".into()),
            target_system: System::QuickBooks,
            target_company: "realm-1".into(),
            target_id: None,
            payload: json!({}),
        })
        .await
        .unwrap();
    ledger
        .outbox()
        .transition(op.id, OperationState::Sent)
        .await
        .unwrap();
    ledger
        .outbox()
        .fail(op.id, "6000: duplicate document number")
        .await
        .unwrap();
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        0
    );
    ledger
        .outbox()
        .give_up(op.id, "refused for good")
        .await
        .unwrap();
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
    assert!(
        texts(&sinks)[0].contains("invoice 88"),
        "{:?}",
        texts(&sinks)
    );
}

#[tokio::test]
async fn the_digest_goes_once_a_day_at_its_local_time() {
    let clock = TestClock::at("2026-12-08T07:30:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let at = chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap();
    let mut config = config(
        vec![sinks.slack("s")],
        vec![rule(RuleKind::Digest { at }, &["s"])],
    );
    // 08:00 in UTC+1 is 07:00 UTC.
    config.local_offset = chrono::FixedOffset::east_opt(3600).unwrap();
    assert!(
        ledgerbridge_alerts::digest_due(&ledger, &config, clock.now())
            .await
            .unwrap()
    );
    let first = ledgerbridge_alerts::tick(&ledger, &config, clock.now())
        .await
        .unwrap();
    assert_eq!((first.raised, first.delivery.sent), (1, 1));
    assert!(
        !ledgerbridge_alerts::digest_due(&ledger, &config, clock.now())
            .await
            .unwrap()
    );
    clock.advance(Duration::hours(12));
    assert_eq!(
        ledgerbridge_alerts::tick(&ledger, &config, clock.now())
            .await
            .unwrap()
            .raised,
        0
    );
    // The next local day, at 08:00 again.
    clock.advance(Duration::hours(11));
    assert_eq!(
        ledgerbridge_alerts::tick(&ledger, &config, clock.now())
            .await
            .unwrap()
            .raised,
        0
    );
    clock.advance(Duration::hours(1));
    assert_eq!(
        ledgerbridge_alerts::tick(&ledger, &config, clock.now())
            .await
            .unwrap()
            .raised,
        1
    );
    let texts = texts(&sinks);
    assert!(texts[0].contains("daily digest 2026-12-08"), "{}", texts[0]);
    assert!(texts[1].contains("daily digest 2026-12-09"), "{}", texts[1]);
}
