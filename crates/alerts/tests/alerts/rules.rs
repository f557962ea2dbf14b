//! Rules fire once per condition until it clears; delivery retries, summarises storms and
//! survives a crash between recording and sending.

use chrono::Duration;
use ledgerbridge_alerts::{BlockedRecord, RuleKind, RunFacts, after_run, evaluate};
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{AlertStatus, ConflictField, Ledger, NewConflict, RecordKey};
use serde_json::json;

use crate::helpers::{Sinks, TestClock, config, ledger, rule};

pub(crate) fn key(entity: EntityKind, id: &str) -> RecordKey {
    RecordKey::new("1017823", entity, id, System::QuickBooks, "realm-1")
}

async fn raise_conflict(ledger: &Ledger, id: &str) -> i64 {
    let key = key(EntityKind::Invoice, id);
    if ledger.links().get(&key).await.unwrap().is_none() {
        ledger
            .links()
            .insert(&key, &format!("qbo-{id}"))
            .await
            .unwrap();
    }
    let conflict = ledger
        .conflicts()
        .raise(&NewConflict {
            key,
            target_id: format!("qbo-{id}"),
            run: None,
            fields: vec![ConflictField {
                path: "invoice.memo".into(),
                base: json!("old"),
                servicetitan: json!("from the field"),
                accounting: json!("from the office"),
            }],
        })
        .await
        .unwrap();
    conflict.id.0
}

#[tokio::test]
async fn a_conflict_alerts_once_until_it_clears_and_again_when_it_comes_back() {
    let clock = TestClock::at("2026-12-08T09:00:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let config = config(
        vec![sinks.slack("slack")],
        vec![rule(RuleKind::Conflict, &["slack"])],
    );
    let first = raise_conflict(&ledger, "88").await;
    let facts = RunFacts::default();

    let outcome = after_run(&ledger, &config, clock.now(), &facts)
        .await
        .unwrap();
    assert_eq!((outcome.raised, outcome.delivery.sent), (1, 1));
    let text = sinks.sinks.slack_messages()[0].text.clone().unwrap();
    assert!(
        text.contains("invoice.memo") && text.contains("from the office"),
        "{text}"
    );
    assert!(
        text.contains(&format!("conflicts resolve {first}")),
        "{text}"
    );

    // Still open: nothing new.
    let again = after_run(&ledger, &config, clock.now(), &facts)
        .await
        .unwrap();
    assert_eq!((again.raised, again.delivery.sent), (0, 0));

    // Cleared, then back (a new conflict on the same record): one new alert.
    ledger
        .conflicts()
        .dismiss(ledgerbridge_ledger::ConflictId(first), "alice", None)
        .await
        .unwrap();
    after_run(&ledger, &config, clock.now(), &facts)
        .await
        .unwrap();
    raise_conflict(&ledger, "88").await;
    let back = after_run(&ledger, &config, clock.now(), &facts)
        .await
        .unwrap();
    assert_eq!((back.raised, back.delivery.sent), (1, 1));
    assert_eq!(sinks.sinks.slack_messages().len(), 2);
}

#[tokio::test]
async fn a_failing_channel_is_retried_with_backoff_and_shows_in_the_list() {
    let clock = TestClock::at("2026-12-08T09:00:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let rules = vec![rule(RuleKind::Conflict, &["slack"])];
    let mut broken = sinks.slack("slack");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    broken.kind = ledgerbridge_alerts::ChannelKind::Slack {
        url: secrecy::SecretString::from(dead_url),
    };
    raise_conflict(&ledger, "88").await;
    let facts = RunFacts::default();

    let failed = after_run(
        &ledger,
        &config(vec![broken], rules.clone()),
        clock.now(),
        &facts,
    )
    .await
    .unwrap();
    assert_eq!((failed.raised, failed.delivery.failed), (1, 1));
    let listed = &ledger.alerts().list(10).await.unwrap()[0];
    assert_eq!((listed.status, listed.attempts), (AlertStatus::Failed, 1));
    assert!(listed.error.is_some());

    // Not due before its backoff; sent once it is.
    let working = config(vec![sinks.slack("slack")], rules);
    let early = after_run(&ledger, &working, clock.now(), &facts)
        .await
        .unwrap();
    assert_eq!(early.delivery.sent, 0);
    clock.advance(Duration::seconds(60));
    let retried = after_run(&ledger, &working, clock.now(), &facts)
        .await
        .unwrap();
    assert_eq!((retried.raised, retried.delivery.sent), (0, 1));
    let listed = &ledger.alerts().list(10).await.unwrap()[0];
    assert_eq!((listed.status, listed.attempts), (AlertStatus::Sent, 2));
    assert_eq!(sinks.sinks.slack_messages().len(), 1);
}

#[tokio::test]
async fn a_storm_becomes_one_summary_per_channel() {
    let clock = TestClock::at("2026-12-08T09:00:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let mut config = config(
        vec![sinks.slack("slack")],
        vec![rule(RuleKind::Conflict, &["slack"])],
    );
    config.max_per_hour = 3;
    for id in 1..=6 {
        raise_conflict(&ledger, &id.to_string()).await;
    }
    let outcome = after_run(&ledger, &config, clock.now(), &RunFacts::default())
        .await
        .unwrap();
    assert_eq!(outcome.raised, 6);
    assert_eq!((outcome.delivery.sent, outcome.delivery.summarized), (3, 4));
    let messages = sinks.sinks.slack_messages();
    assert_eq!(messages.len(), 3);
    assert!(
        messages[2]
            .text
            .as_deref()
            .unwrap()
            .contains("4 more alerts")
    );
    let all = ledger.alerts().list(20).await.unwrap();
    assert!(
        all.iter().all(|a| a.status == AlertStatus::Sent),
        "{all:#?}"
    );
    // The hour's budget is spent: a new one waits for the next hour.
    raise_conflict(&ledger, "7").await;
    let later = after_run(&ledger, &config, clock.now(), &RunFacts::default())
        .await
        .unwrap();
    assert_eq!((later.raised, later.delivery.sent), (1, 0));
    clock.advance(Duration::minutes(61));
    let next_hour = after_run(&ledger, &config, clock.now(), &RunFacts::default())
        .await
        .unwrap();
    assert_eq!(next_hour.delivery.sent, 1);
}

#[tokio::test]
async fn a_crash_between_recording_and_sending_neither_loses_nor_doubles() {
    let clock = TestClock::at("2026-12-08T09:00:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let config = config(
        vec![sinks.slack("slack")],
        vec![rule(RuleKind::Conflict, &["slack"])],
    );
    raise_conflict(&ledger, "88").await;
    // Recorded, then the process dies before sending.
    assert_eq!(
        evaluate(&ledger, &config, clock.now(), None).await.unwrap(),
        1
    );
    assert!(sinks.sinks.slack_messages().is_empty());
    // The next pass sends it, once.
    let next = after_run(&ledger, &config, clock.now(), &RunFacts::default())
        .await
        .unwrap();
    assert_eq!((next.raised, next.delivery.sent), (0, 1));
    let after = after_run(&ledger, &config, clock.now(), &RunFacts::default())
        .await
        .unwrap();
    assert_eq!(after.delivery.sent, 0);
    assert_eq!(sinks.sinks.slack_messages().len(), 1);
}

#[tokio::test]
async fn blocked_records_alert_by_reason_once_they_are_older_than_the_rule_says() {
    let clock = TestClock::at("2026-12-08T09:00:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let blocked = RuleKind::Blocked {
        older_than: std::time::Duration::from_secs(24 * 3600),
    };
    let config = config(vec![sinks.slack("slack")], vec![rule(blocked, &["slack"])]);
    let record = |id: &str| BlockedRecord {
        tenant: "1017823".into(),
        entity: "invoice".into(),
        servicetitan_id: id.into(),
        reason: "unmapped item PIPE-3/4".into(),
    };
    let facts = RunFacts {
        dry_run: false,
        tenants: vec!["1017823".into()],
        blocked: vec![record("1"), record("2"), record("3")],
    };
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        0
    );
    clock.advance(Duration::hours(25));
    let old = after_run(&ledger, &config, clock.now(), &facts)
        .await
        .unwrap();
    assert_eq!((old.raised, old.delivery.sent), (1, 1));
    let text = sinks.sinks.slack_messages()[0].text.clone().unwrap();
    assert!(
        text.contains("3 record(s)") && text.contains("PIPE-3/4"),
        "{text}"
    );
    // Fixed: cleared; blocked again later starts a new 24 hours.
    after_run(&ledger, &config, clock.now(), &RunFacts::default())
        .await
        .unwrap();
    assert_eq!(
        after_run(&ledger, &config, clock.now(), &facts)
            .await
            .unwrap()
            .raised,
        0
    );
}

#[tokio::test]
async fn a_pass_that_dies_while_sending_holds_its_alerts_only_until_its_claim_expires() {
    let clock = TestClock::at("2026-12-08T09:00:00Z");
    let ledger = ledger(&clock).await;
    let sinks = Sinks::start().await;
    let config = config(
        vec![sinks.slack("slack")],
        vec![rule(RuleKind::Conflict, &["slack"])],
    );
    raise_conflict(&ledger, "88").await;
    evaluate(&ledger, &config, clock.now(), None).await.unwrap();
    // Another process claimed it and died before marking anything.
    let hold = clock.now() + Duration::minutes(5);
    let claimed = ledger
        .alerts()
        .claim("slack", clock.now(), hold)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let meanwhile = after_run(&ledger, &config, clock.now(), &RunFacts::default())
        .await
        .unwrap();
    assert_eq!(meanwhile.delivery.sent, 0, "not sent twice while claimed");
    clock.advance(Duration::minutes(5));
    let later = after_run(&ledger, &config, clock.now(), &RunFacts::default())
        .await
        .unwrap();
    assert_eq!(later.delivery.sent, 1, "not lost either");
    assert_eq!(sinks.sinks.slack_messages().len(), 1);
}
