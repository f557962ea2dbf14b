//! Runs and the append-only audit trail.

use ledgerbridge_ledger::{EventFilter, LedgerError, NewEvent, RunStatus};
use serde_json::json;
use sqlx::SqlitePool;

use crate::helpers::ledger;

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_run_starts_finishes_once_and_lists_newest_first(pool: SqlitePool) {
    let ledger = ledger(pool);
    let first = ledger.runs().start(false).await.unwrap();
    let second = ledger.runs().start(true).await.unwrap();
    assert_eq!(
        (first.status, first.finished_at),
        (RunStatus::Running, None)
    );
    let counts = json!({"created": 3, "conflicts": 1});
    let done = ledger
        .runs()
        .finish(first.id, RunStatus::Conflicts, &counts)
        .await
        .unwrap();
    assert_eq!(done.status, RunStatus::Conflicts);
    assert_eq!(done.counts, counts);
    assert!(done.finished_at.is_some());

    let again = ledger
        .runs()
        .finish(first.id, RunStatus::Ok, &json!({}))
        .await;
    assert!(
        matches!(
            again,
            Err(LedgerError::IllegalTransition { what: "run", .. })
        ),
        "{again:?}"
    );
    let still_running = ledger
        .runs()
        .finish(second.id, RunStatus::Running, &json!({}))
        .await;
    assert!(
        matches!(still_running, Err(LedgerError::IllegalTransition { .. })),
        "{still_running:?}"
    );
    let not_object = ledger
        .runs()
        .finish(second.id, RunStatus::Ok, &json!([1]))
        .await;
    assert!(
        matches!(not_object, Err(LedgerError::Invalid { .. })),
        "{not_object:?}"
    );

    let listed: Vec<_> = ledger
        .runs()
        .list(10)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(listed, [second.id, first.id]);
    assert_eq!(ledger.runs().list(1).await.unwrap().len(), 1);
    assert_eq!(ledger.runs().get(first.id).await.unwrap().unwrap(), done);
    assert_eq!(ledger.runs().latest().await.unwrap().unwrap().id, second.id);
    let json = serde_json::to_value(&done).unwrap();
    assert_eq!(json["status"], "conflicts");
    assert_eq!(json["dry_run"], false);
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn events_cannot_be_updated_or_deleted(pool: SqlitePool) {
    let ledger = ledger(pool.clone());
    let id = ledger
        .events()
        .append(&NewEvent::new("sync.started").tenant("t1"))
        .await
        .unwrap();
    let update = sqlx::query("UPDATE events SET kind = 'rewritten' WHERE id = ?")
        .bind(id.0)
        .execute(&pool)
        .await;
    let message = update.unwrap_err().to_string();
    assert!(message.contains("append-only"), "{message}");
    let delete = sqlx::query("DELETE FROM events").execute(&pool).await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    let events = ledger.events().list(&EventFilter::default()).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "sync.started");
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn events_filter_by_kind_run_tenant_and_position(pool: SqlitePool) {
    let ledger = ledger(pool);
    let run = ledger.runs().start(false).await.unwrap();
    let a = ledger
        .events()
        .append(&NewEvent::new("a").run(run.id).tenant("t1"))
        .await
        .unwrap();
    ledger
        .events()
        .append(&NewEvent::new("b").tenant("t2").detail(json!({"n": 1})))
        .await
        .unwrap();
    ledger
        .events()
        .append(&NewEvent::new("a").tenant("t2"))
        .await
        .unwrap();
    let by = |filter: EventFilter| {
        let ledger = ledger.clone();
        async move { ledger.events().list(&filter).await.unwrap().len() }
    };
    assert_eq!(
        by(EventFilter {
            kind: Some("a".into()),
            ..Default::default()
        })
        .await,
        2
    );
    assert_eq!(
        by(EventFilter {
            run: Some(run.id),
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        by(EventFilter {
            tenant: Some("t2".into()),
            ..Default::default()
        })
        .await,
        2
    );
    assert_eq!(
        by(EventFilter {
            after: Some(a),
            ..Default::default()
        })
        .await,
        2
    );
    assert_eq!(
        by(EventFilter {
            limit: Some(1),
            ..Default::default()
        })
        .await,
        1
    );
}
