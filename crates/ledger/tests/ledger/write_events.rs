//! Every remote write is in the audit trail: the outbox appends one event per outcome in the
//! transaction that records it, naming the operation, the ServiceTitan record and the
//! accounting record. `doctor`'s credential check decrypts every stored secret.

use chrono::{Duration, Utc};
use ledgerbridge_core::{CredentialError, CredentialStore, SecretEntry};
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{
    EncryptionKey, Environment, EventFilter, Ledger, NewConnection, NewOperation, OperationAction,
    OperationState, Side,
};
use sqlx::SqlitePool;

use crate::helpers::ledger;

fn op(
    side: Side,
    action: OperationAction,
    st_id: Option<&str>,
    target: Option<&str>,
) -> NewOperation {
    NewOperation {
        run: None,
        tenant: "t1".into(),
        entity: if action == OperationAction::MarkExported {
            EntityKind::Invoice
        } else {
            EntityKind::Payment
        },
        side,
        action,
        servicetitan_id: st_id.map(str::to_owned),
        target_system: System::Xero,
        target_company: "xero-co".into(),
        target_id: target.map(str::to_owned),
        payload: serde_json::json!({}),
    }
}

async fn all(ledger: &Ledger) -> Vec<ledgerbridge_ledger::Event> {
    ledger.events().list(&EventFilter::default()).await.unwrap()
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_confirmed_write_appends_one_event_naming_operation_record_and_remote_id(
    pool: SqlitePool,
) {
    let ledger = ledger(pool);
    let run = ledger.runs().start(false).await.unwrap().id;
    let mut new = op(
        Side::Accounting,
        OperationAction::Create,
        Some("4521"),
        None,
    );
    new.run = Some(run);
    let id = ledger.outbox().enqueue(&new).await.unwrap().id;
    ledger
        .outbox()
        .transition(id, OperationState::Sent)
        .await
        .unwrap();
    assert!(
        all(&ledger).await.is_empty(),
        "enqueue and send are not outcomes"
    );
    ledger.outbox().confirm(id, Some("pay-77")).await.unwrap();

    let events = all(&ledger).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!(e.kind, "payment.created");
    assert_eq!(e.operation, Some(id));
    assert_eq!(e.run, Some(run));
    assert_eq!(
        (e.entity, e.record_id.as_deref()),
        (Some(EntityKind::Payment), Some("4521"))
    );
    assert_eq!(e.target_system, Some(System::Xero));
    assert_eq!(e.target_company.as_deref(), Some("xero-co"));
    assert_eq!(e.target_id.as_deref(), Some("pay-77"));
    assert_eq!(e.detail["side"], "accounting");
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn servicetitan_writes_are_audited_with_the_servicetitan_id_they_got(pool: SqlitePool) {
    let ledger = ledger(pool);
    // A payment created in ServiceTitan from a books payment: its ServiceTitan id comes back.
    let created = op(
        Side::ServiceTitan,
        OperationAction::Create,
        None,
        Some("xero-pay-9"),
    );
    let id = ledger.outbox().enqueue(&created).await.unwrap().id;
    ledger
        .outbox()
        .transition(id, OperationState::Sent)
        .await
        .unwrap();
    ledger.outbox().confirm(id, Some("8812")).await.unwrap();
    // An export mark written to ServiceTitan.
    let mark = op(
        Side::ServiceTitan,
        OperationAction::MarkExported,
        Some("4521"),
        Some("inv-1"),
    );
    let mark = ledger.outbox().enqueue(&mark).await.unwrap().id;
    ledger
        .outbox()
        .transition(mark, OperationState::Sent)
        .await
        .unwrap();
    ledger.outbox().confirm(mark, None).await.unwrap();

    let events = all(&ledger).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["payment.created", "invoice.exported"]);
    assert_eq!(events[0].record_id.as_deref(), Some("8812"));
    assert_eq!(events[0].target_id.as_deref(), Some("xero-pay-9"));
    assert_eq!(events[0].detail["side"], "servicetitan");
    assert_eq!(events[1].record_id.as_deref(), Some("4521"));
    assert_eq!(events[1].operation, Some(mark));
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_failure_and_a_give_up_are_one_event_each(pool: SqlitePool) {
    let ledger = ledger(pool);
    let new = op(
        Side::Accounting,
        OperationAction::Update,
        Some("17"),
        Some("pay-1"),
    );
    let id = ledger.outbox().enqueue(&new).await.unwrap().id;
    ledger
        .outbox()
        .transition(id, OperationState::Sent)
        .await
        .unwrap();
    ledger.outbox().fail(id, "validation: 400").await.unwrap();
    ledger.outbox().give_up(id, "refused").await.unwrap();

    let events = all(&ledger).await;
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["operation.failed", "operation.dead"]);
    assert_eq!(events[0].detail["error"], "validation: 400");
    assert_eq!(events[1].detail["reason"], "refused");
    assert!(events.iter().all(|e| e.operation == Some(id)
        && e.target_id.as_deref() == Some("pay-1")
        && e.record_id.as_deref() == Some("17")));
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn events_filter_by_servicetitan_record_books_record_and_time(pool: SqlitePool) {
    let ledger = ledger(pool);
    for (st, remote) in [("1", "a"), ("2", "b")] {
        let new = op(Side::Accounting, OperationAction::Create, Some(st), None);
        let id = ledger.outbox().enqueue(&new).await.unwrap().id;
        ledger
            .outbox()
            .transition(id, OperationState::Sent)
            .await
            .unwrap();
        ledger.outbox().confirm(id, Some(remote)).await.unwrap();
    }
    let by = |f: EventFilter| {
        let ledger = &ledger;
        async move {
            let events = ledger.events().list(&f).await.unwrap();
            events
                .into_iter()
                .map(|e| e.record_id.unwrap())
                .collect::<Vec<_>>()
        }
    };
    let record = EventFilter {
        record: Some("2".into()),
        ..EventFilter::default()
    };
    assert_eq!(by(record).await, ["2"]);
    let books = EventFilter {
        target: Some((System::Xero, "a".into())),
        ..EventFilter::default()
    };
    assert_eq!(by(books).await, ["1"]);
    let other_books = EventFilter {
        target: Some((System::QuickBooks, "a".into())),
        ..EventFilter::default()
    };
    assert!(by(other_books).await.is_empty());
    let later = EventFilter {
        since: Some(Utc::now() + Duration::days(1)),
        ..EventFilter::default()
    };
    assert!(by(later).await.is_empty());
    let earlier = EventFilter {
        since: Some(Utc::now() - Duration::days(1)),
        ..EventFilter::default()
    };
    assert_eq!(by(earlier).await, ["1", "2"]);
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn checking_a_connection_decrypts_each_secret_with_the_key(pool: SqlitePool) {
    let ledger = ledger(pool);
    let key = |text: &str| Some(EncryptionKey::from_base64(text).unwrap());
    let (a, b) = (
        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "HxwdHhsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=",
    );
    let new = NewConnection {
        system: System::Xero,
        tenant: "t1".into(),
        company: "xero-co".into(),
        environment: Environment::Sandbox,
    };
    let conn = ledger
        .connections()
        .register(&new)
        .await
        .unwrap()
        .id
        .to_string();
    let right = ledger.credential_store(key(a));
    assert_eq!(right.check_connection(&conn).await.unwrap(), 0);
    let secrets = [
        SecretEntry::new("refresh_token", "rt"),
        SecretEntry::new("access_token", "at"),
    ];
    right.store(&conn, &secrets).await.unwrap();
    assert_eq!(right.check_connection(&conn).await.unwrap(), 2);
    assert!(matches!(
        ledger
            .credential_store(key(b))
            .check_connection(&conn)
            .await,
        Err(CredentialError::WrongKey { .. })
    ));
    assert!(matches!(
        ledger.credential_store(None).check_connection(&conn).await,
        Err(CredentialError::MissingKey)
    ));
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_books_id_finds_decisions_only_of_tenants_connected_to_that_system(pool: SqlitePool) {
    let ledger = ledger(pool);
    let new = NewConnection {
        system: System::QuickBooks,
        tenant: "t1".into(),
        company: "realm-1".into(),
        environment: Environment::Sandbox,
    };
    ledger.connections().register(&new).await.unwrap();
    // A decision names the books id in its detail only.
    let link = ledgerbridge_ledger::NewEvent::new("link.set")
        .tenant("t1")
        .record(EntityKind::Invoice, "4521")
        .detail(serde_json::json!({"target_id": "130"}));
    ledger.events().append(&link).await.unwrap();
    let find = |system: System| EventFilter {
        target: Some((system, "130".into())),
        ..EventFilter::default()
    };
    let qbo = ledger
        .events()
        .list(&find(System::QuickBooks))
        .await
        .unwrap();
    assert_eq!(qbo.len(), 1);
    assert_eq!(qbo[0].kind, "link.set");
    let xero = ledger.events().list(&find(System::Xero)).await.unwrap();
    assert!(xero.is_empty(), "{xero:?}");
}
