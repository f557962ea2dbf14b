//! Alert conditions and the alerts outbox: once per condition until it clears, retries, and
//! storm summaries.

use std::time::Duration;

use ledgerbridge_ledger::{AlertStatus, Ledger, NewAlert};
use serde_json::json;
use sqlx::SqlitePool;

use crate::helpers::ManualClock;

fn alert(condition: &str, channel: &str) -> NewAlert {
    NewAlert {
        rule: "conflict".into(),
        rule_key: "conflict".into(),
        condition_key: condition.into(),
        channel: channel.into(),
        tenant: Some("t1".into()),
        subject: format!("Conflict {condition}"),
        message: json!({"title": "Conflict", "text": condition}),
    }
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_condition_alerts_once_until_it_clears_and_comes_back(pool: SqlitePool) {
    let ledger = Ledger::from_pool(pool, ManualClock::at("2026-12-01T08:00:00Z").clock());
    let first = ledger.alerts().raise(&alert("conflict:1", "slack")).await;
    assert!(first.unwrap().is_some());
    assert!(
        ledger
            .alerts()
            .raise(&alert("conflict:1", "slack"))
            .await
            .unwrap()
            .is_none()
    );
    // Another channel is another alert.
    assert!(
        ledger
            .alerts()
            .raise(&alert("conflict:1", "mail"))
            .await
            .unwrap()
            .is_some()
    );
    // Still present: nothing cleared; absent: cleared, and it may alert again.
    let present = vec!["conflict:1".to_owned()];
    assert_eq!(
        ledger
            .alerts()
            .clear_absent("conflict", &present)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        ledger.alerts().clear_absent("conflict", &[]).await.unwrap(),
        2
    );
    assert!(
        ledger
            .alerts()
            .raise(&alert("conflict:1", "slack"))
            .await
            .unwrap()
            .is_some()
    );
    let all = ledger.alerts().list(10).await.unwrap();
    assert_eq!(all.len(), 3, "{all:#?}");
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_failed_alert_is_due_again_at_its_retry_time_and_sent_once(pool: SqlitePool) {
    let clock = ManualClock::at("2026-12-01T08:00:00Z");
    let ledger = Ledger::from_pool(pool, clock.clock());
    let now = clock.clock().now();
    let raised = ledger
        .alerts()
        .raise(&alert("conflict:1", "slack"))
        .await
        .unwrap()
        .unwrap();
    let hold = now + chrono::Duration::seconds(300);
    assert_eq!(
        ledger
            .alerts()
            .claim("slack", now, hold)
            .await
            .unwrap()
            .len(),
        1
    );
    // Claimed: a second delivering process gets nothing until the claim expires.
    assert!(
        ledger
            .alerts()
            .claim("slack", now, hold)
            .await
            .unwrap()
            .is_empty()
    );
    let retry_at = now + chrono::Duration::seconds(60);
    ledger
        .alerts()
        .mark_failed(raised.id, "HTTP 500", Some(retry_at))
        .await
        .unwrap();
    assert!(
        ledger
            .alerts()
            .claim("slack", now, hold)
            .await
            .unwrap()
            .is_empty()
    );
    let listed = &ledger.alerts().list(1).await.unwrap()[0];
    assert_eq!((listed.status, listed.attempts), (AlertStatus::Failed, 1));
    assert_eq!(listed.error.as_deref(), Some("HTTP 500"));

    clock.advance(Duration::from_secs(60));
    let later = clock.clock().now();
    let due = ledger.alerts().claim("slack", later, later).await.unwrap();
    assert_eq!(due.len(), 1);
    ledger.alerts().mark_sent(raised.id).await.unwrap();
    let listed = &ledger.alerts().list(1).await.unwrap()[0];
    assert_eq!((listed.status, listed.attempts), (AlertStatus::Sent, 2));
    assert_eq!(ledger.alerts().sent_since("slack", now).await.unwrap(), 1);
    let later = clock.clock().now() + chrono::Duration::hours(1);
    assert!(
        ledger
            .alerts()
            .claim("slack", later, later)
            .await
            .unwrap()
            .is_empty()
    );
    let json = serde_json::to_value(listed).unwrap();
    let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "attempts",
            "channel",
            "created_at",
            "error",
            "id",
            "rule",
            "sent_at",
            "status",
            "subject",
            "tenant"
        ]
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_summary_carries_the_alerts_it_folds(pool: SqlitePool) {
    let clock = ManualClock::at("2026-12-01T08:00:00Z");
    let ledger = Ledger::from_pool(pool, clock.clock());
    let mut ids = Vec::new();
    for n in 0..3 {
        let raised = ledger
            .alerts()
            .raise(&alert(&format!("conflict:{n}"), "slack"))
            .await;
        ids.push(raised.unwrap().unwrap().id);
    }
    let mut summary = alert("storm:1", "slack");
    summary.rule = "summary".into();
    summary.rule_key = "summary".into();
    let now = clock.clock().now();
    // Claimed by its creator until `now`, so claimable again from `now` on.
    let summary = ledger
        .alerts()
        .summarize(&summary, &ids, now)
        .await
        .unwrap();
    let due = ledger.alerts().claim("slack", now, now).await.unwrap();
    assert_eq!(due.iter().map(|a| a.id).collect::<Vec<_>>(), [summary.id]);
    ledger.alerts().mark_sent(summary.id).await.unwrap();
    let all = ledger.alerts().list(10).await.unwrap();
    assert!(all.iter().all(|a| a.status == AlertStatus::Sent));
    // The summary is one message on the channel, however many it carried.
    assert_eq!(
        ledger
            .alerts()
            .sent_since("slack", clock.clock().now())
            .await
            .unwrap(),
        1
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn observed_conditions_keep_their_first_sighting_until_they_clear(pool: SqlitePool) {
    let clock = ManualClock::at("2026-12-01T08:00:00Z");
    let ledger = Ledger::from_pool(pool, clock.clock());
    let start = clock.clock().now();
    let keys = vec!["blocked:a".to_owned()];
    assert_eq!(
        ledger.alerts().observe("blocked:24h", &keys).await.unwrap(),
        [("blocked:a".to_owned(), start)]
    );
    clock.advance(Duration::from_secs(3600));
    assert_eq!(
        ledger.alerts().observe("blocked:24h", &keys).await.unwrap()[0].1,
        start
    );
    assert!(
        ledger
            .alerts()
            .observe("blocked:24h", &[])
            .await
            .unwrap()
            .is_empty()
    );
    let again = ledger.alerts().observe("blocked:24h", &keys).await.unwrap();
    assert_eq!(again[0].1, clock.clock().now());
}
