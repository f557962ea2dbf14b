//! Connections: a tenant's target is fixed once connected.

use ledgerbridge_core::System;
use ledgerbridge_ledger::{ConnectionStatus, Environment, EventFilter, LedgerError, NewConnection};
use sqlx::SqlitePool;

use crate::helpers::ledger;

fn qbo(company: &str, environment: Environment) -> NewConnection {
    NewConnection {
        system: System::QuickBooks,
        tenant: "t1".into(),
        company: company.into(),
        environment,
    }
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn registering_again_with_the_same_target_is_a_no_op(pool: SqlitePool) {
    let ledger = ledger(pool);
    let first = ledger
        .connections()
        .register(&qbo("realm-1", Environment::Sandbox))
        .await
        .unwrap();
    let again = ledger
        .connections()
        .register(&qbo("realm-1", Environment::Sandbox))
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(first.id.0.get_version_num(), 7);
    assert_eq!(ledger.connections().list().await.unwrap().len(), 1);
    let found = ledger
        .connections()
        .find("t1", System::QuickBooks)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, first.id);
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn sandbox_books_never_become_production_books(pool: SqlitePool) {
    let ledger = ledger(pool);
    ledger
        .connections()
        .register(&qbo("realm-1", Environment::Sandbox))
        .await
        .unwrap();
    let prod = ledger
        .connections()
        .register(&qbo("realm-1", Environment::Production))
        .await;
    match prod {
        Err(err @ LedgerError::TargetMismatch { .. }) => {
            let message = err.to_string();
            assert!(
                message.contains("quickbooks company realm-1 (sandbox)"),
                "{message}"
            );
            assert!(
                message.contains("quickbooks company realm-1 (production)"),
                "{message}"
            );
        }
        other => panic!("expected TargetMismatch, got {other:?}"),
    }
    let elsewhere = ledger
        .connections()
        .register(&qbo("realm-2", Environment::Sandbox))
        .await;
    assert!(
        matches!(elsewhere, Err(LedgerError::TargetMismatch { .. })),
        "{elsewhere:?}"
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_tenant_has_one_accounting_target(pool: SqlitePool) {
    let ledger = ledger(pool);
    ledger
        .connections()
        .register(&qbo("realm-1", Environment::Sandbox))
        .await
        .unwrap();
    let xero = NewConnection {
        system: System::Xero,
        tenant: "t1".into(),
        company: "org-1".into(),
        environment: Environment::Sandbox,
    };
    let refused = ledger.connections().register(&xero).await;
    assert!(
        matches!(refused, Err(LedgerError::TargetMismatch { .. })),
        "{refused:?}"
    );
    // The ServiceTitan side of the same tenant is a separate connection.
    let st = NewConnection {
        system: System::ServiceTitan,
        tenant: "t1".into(),
        company: "t1".into(),
        environment: Environment::Integration,
    };
    ledger.connections().register(&st).await.unwrap();
    assert_eq!(ledger.connections().list().await.unwrap().len(), 2);
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_broken_connection_is_audited_and_recovers(pool: SqlitePool) {
    let ledger = ledger(pool);
    let conn = ledger
        .connections()
        .register(&qbo("realm-1", Environment::Production))
        .await
        .unwrap();
    ledger
        .connections()
        .mark_broken(conn.id, "invalid_grant")
        .await
        .unwrap();
    let broken = ledger.connections().get(conn.id).await.unwrap().unwrap();
    assert_eq!(broken.status, ConnectionStatus::Broken);
    assert_eq!(broken.status_reason.as_deref(), Some("invalid_grant"));
    let events = ledger
        .events()
        .list(&EventFilter {
            kind: Some("connection.broken".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].tenant.as_deref(), Some("t1"));

    ledger.connections().record_success(conn.id).await.unwrap();
    let ok = ledger.connections().get(conn.id).await.unwrap().unwrap();
    assert_eq!((ok.status, ok.status_reason), (ConnectionStatus::Ok, None));
    assert!(ok.last_success_at.is_some());
    let gone = ledgerbridge_ledger::ConnectionId::new();
    assert!(matches!(
        ledger.connections().mark_broken(gone, "x").await,
        Err(LedgerError::NotFound { .. })
    ));
}
