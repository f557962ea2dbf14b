//! Applying resolutions: a resolved conflict is listed until a sync marks it applied, once.

use ledgerbridge_ledger::{ConflictField, EventFilter, NewConflict, Resolution};
use serde_json::json;
use sqlx::SqlitePool;

use crate::helpers::{invoice, ledger};

fn conflict(st_id: &str) -> NewConflict {
    NewConflict {
        key: invoice(st_id),
        target_id: format!("qbo-{st_id}"),
        run: None,
        fields: vec![ConflictField {
            path: "invoice.memo".into(),
            base: json!("a"),
            servicetitan: json!("b"),
            accounting: json!("c"),
        }],
    }
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn resolved_conflicts_wait_to_be_applied_once(pool: SqlitePool) {
    let ledger = ledger(pool);
    let open = ledger.conflicts().raise(&conflict("1")).await.unwrap();
    let resolved = ledger.conflicts().raise(&conflict("2")).await.unwrap();
    let dismissed = ledger.conflicts().raise(&conflict("3")).await.unwrap();
    let choice = Resolution {
        choice: json!({"invoice.memo": "accounting"}),
        by: "ana".into(),
        note: None,
    };
    ledger
        .conflicts()
        .resolve(resolved.id, &choice)
        .await
        .unwrap();
    ledger
        .conflicts()
        .dismiss(dismissed.id, "ana", None)
        .await
        .unwrap();

    let pending = ledger.conflicts().resolved_unapplied("t1").await.unwrap();
    assert_eq!(
        pending.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![resolved.id]
    );
    assert!(
        ledger
            .conflicts()
            .resolved_unapplied("other")
            .await
            .unwrap()
            .is_empty()
    );

    // Marking an open conflict applied does nothing: only resolutions are applied.
    ledger
        .conflicts()
        .mark_applied(open.id, None, json!({}))
        .await
        .unwrap();
    assert_eq!(ledger.conflicts().applied_at(open.id).await.unwrap(), None);

    ledger
        .conflicts()
        .mark_applied(resolved.id, None, json!({"paths": ["invoice.memo"]}))
        .await
        .unwrap();
    let first = ledger.conflicts().applied_at(resolved.id).await.unwrap();
    assert!(first.is_some());
    ledger
        .conflicts()
        .mark_applied(resolved.id, None, json!({}))
        .await
        .unwrap();
    assert_eq!(
        ledger.conflicts().applied_at(resolved.id).await.unwrap(),
        first
    );
    assert!(
        ledger
            .conflicts()
            .resolved_unapplied("t1")
            .await
            .unwrap()
            .is_empty()
    );

    let events = ledger
        .events()
        .list(&EventFilter {
            kind: Some("conflict.applied".into()),
            ..EventFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1, "audited once");
}

/// A resolution the sync cannot write to both systems goes back to a person: the same
/// conflict, open again, without the decision, and audited with the reason.
#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_resolution_that_cannot_be_applied_is_reopened(pool: SqlitePool) {
    let ledger = ledger(pool);
    let raised = ledger.conflicts().raise(&conflict("7")).await.unwrap();
    let choice = Resolution {
        choice: json!({"invoice.memo": {"value": "d"}}),
        by: "ana".into(),
        note: Some("typed".into()),
    };
    ledger
        .conflicts()
        .resolve(raised.id, &choice)
        .await
        .unwrap();
    let reason = "invoice.memo is 1001 characters; QuickBooks allows at most 1000 (CustomerMemo)";
    assert!(
        ledger
            .conflicts()
            .reopen(raised.id, None, reason)
            .await
            .unwrap()
    );
    let again = ledger.conflicts().get(raised.id).await.unwrap().unwrap();
    assert_eq!(again.status.to_string(), "open");
    assert_eq!(again.resolution, None);
    assert!(
        ledger
            .conflicts()
            .resolved_unapplied("t1")
            .await
            .unwrap()
            .is_empty()
    );
    let events = ledger
        .events()
        .list(&EventFilter {
            kind: Some("conflict.reopened".into()),
            ..EventFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].detail["reason"], reason);
    // Open already: nothing to reopen. It can be resolved anew.
    assert!(
        !ledger
            .conflicts()
            .reopen(raised.id, None, reason)
            .await
            .unwrap()
    );
    ledger
        .conflicts()
        .resolve(raised.id, &choice)
        .await
        .unwrap();
}
