//! Every ledger statement a sync run makes once per record is planned on an index that finds
//! the record, not a walk of a table that grows with the ledger (issue 25: one such query made a
//! 10,000-invoice backfill quadratic).
//!
//! The statements are the ones the repositories really send: a `tracing` layer collects what
//! sqlx logs while the test drives each per-record call of the engine, then each distinct
//! statement goes through `EXPLAIN QUERY PLAN`. A statement fails the test when its plan scans a
//! growing table, or searches one only by columns that many records share (tenant, state,
//! entity...). This is its own test binary because the collecting subscriber is global (sqlx
//! logs from its SQLite worker threads).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};

use ledgerbridge_core::{EntityKind, System, WallClock};
use ledgerbridge_ledger::{
    ConflictField, CursorKey, EventFilter, Ledger, LedgerLocation, LedgerOptions, LineLink,
    NewConflict, NewEvent, NewOperation, NewQuarantine, NewRequest, NewSnapshot, OperationAction,
    OperationState, RecordKey, Side, TRANSACTION_TRACE_TARGET,
};
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

/// Columns that pick out one record (or one request, line, event...): a search constrained by
/// one of them reads a bounded number of rows whatever the ledger's size.
const SELECTIVE: &[&str] = &[
    "id",
    "rowid",
    "servicetitan_id",
    "remote_id",
    "target_id",
    "target_line_id",
    "link_id",
    "idempotency_key",
    "operation_id",
    "record_id",
];

#[derive(Default)]
struct Seen {
    statements: BTreeSet<String>,
    transactions: u64,
}

fn seen() -> &'static Arc<Mutex<Seen>> {
    static SEEN: OnceLock<Arc<Mutex<Seen>>> = OnceLock::new();
    SEEN.get_or_init(|| {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let layer = Collect(Arc::clone(&seen));
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("the only subscriber of this test binary");
        seen
    })
}

struct Collect(Arc<Mutex<Seen>>);

#[derive(Default)]
struct Statement {
    summary: String,
    full: String,
}

impl Visit for Statement {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_owned(),
            "db.statement" => self.full = value.trim().to_owned(),
            _ => {}
        }
    }
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for Collect {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let target = event.metadata().target();
        let mut seen = self.0.lock().unwrap();
        if target == TRANSACTION_TRACE_TARGET {
            seen.transactions += 1;
        } else if target == "sqlx::query" {
            let mut s = Statement::default();
            event.record(&mut s);
            // sqlx sends the whole text only when its one-line summary shortens it.
            let sql = if s.full.is_empty() { s.summary } else { s.full };
            seen.statements.insert(sql);
        }
    }
}

fn key(tenant: &str, entity: EntityKind, id: usize) -> RecordKey {
    RecordKey::new(
        tenant,
        entity,
        id.to_string(),
        System::QuickBooks,
        "realm-1",
    )
}

fn operation(key: &RecordKey, action: OperationAction) -> NewOperation {
    NewOperation {
        run: None,
        tenant: key.tenant.clone(),
        entity: key.entity,
        side: Side::Accounting,
        action,
        servicetitan_id: Some(key.servicetitan_id.clone()),
        target_system: key.target_system,
        target_company: key.target_company.clone(),
        target_id: None,
        payload: serde_json::json!({"n": key.servicetitan_id}),
    }
}

fn snapshot() -> NewSnapshot {
    NewSnapshot {
        base: serde_json::json!({"number": "1"}),
        servicetitan_version: Some("v1".into()),
        target_version: Some("0".into()),
        totals: None,
        target_total: None,
        target_tax: None,
        document_date: None,
        run: None,
    }
}

/// Everything the engine does for one invoice it creates in the books, through the same
/// repository calls (`apply`, `settle`, `invoices`, `export`, `inbound`).
async fn sync_one(ledger: &Ledger, tenant: &str, n: usize) {
    let key = key(tenant, EntityKind::Invoice, n);
    let remote = format!("qb-{tenant}-{n}");
    let mut outbox = ledger.outbox();
    assert!(
        outbox
            .confirmed_create(&key, Side::Accounting)
            .await
            .unwrap()
            .is_none()
    );
    let ops = outbox
        .enqueue_all(&[operation(&key, OperationAction::Create)])
        .await
        .unwrap();
    let op = ops[0].id;
    let request = NewRequest {
        run: None,
        tenant: tenant.into(),
        system: System::QuickBooks,
        method: "POST".into(),
        path: "/v3/company/realm-1/batch".into(),
        body: b"{}".to_vec(),
        members: vec![op],
    };
    // Preparing the request moves its members to `sent`.
    let request = ledger.requests().prepare(&request).await.unwrap().key;
    ledger.requests().start_attempt(request).await.unwrap();
    ledger.requests().members(request).await.unwrap();
    outbox.get(op).await.unwrap();
    ledger.requests().complete(request, 200).await.unwrap();
    let remote_ref = remote.as_str();
    ledger
        .transaction(async |tx| {
            tx.outbox().confirm(op, Some(remote_ref)).await?;
            if tx.links().get(&key).await?.is_none() {
                tx.links().insert(&key, remote_ref).await?;
            }
            let lines = [LineLink {
                servicetitan_item_id: format!("{n}1"),
                target_line_id: format!("{remote}-1"),
            }];
            tx.links().set_lines(&key, &lines).await?;
            tx.snapshots().save(&key, &snapshot()).await
        })
        .await
        .unwrap();
    let mut links = ledger.links();
    links.lines(&key).await.unwrap();
    links
        .find_by_target(EntityKind::Invoice, System::QuickBooks, "realm-1", &remote)
        .await
        .unwrap();
    links
        .find_by_target_line(
            EntityKind::Payment,
            System::QuickBooks,
            "realm-1",
            &format!("{remote}-1"),
        )
        .await
        .unwrap();
    ledger.snapshots().get(&key).await.unwrap();
    let event = NewEvent::new("invoice.created")
        .tenant(tenant)
        .record(EntityKind::Invoice, &n.to_string())
        .detail(serde_json::json!({"target_id": remote}));
    ledger.events().append(&event).await.unwrap();
    ledger.conflicts().open_for(&key).await.unwrap();
    mark_and_check_payment(ledger, &key, &remote).await;
}

/// The export mark, the books payment read back, a refused write, a conflict and a parked
/// record: the rest of the per-record calls.
async fn mark_and_check_payment(ledger: &Ledger, key: &RecordKey, remote: &str) {
    let mut outbox = ledger.outbox();
    let mark = outbox
        .enqueue(&operation(key, OperationAction::MarkExported))
        .await
        .unwrap()
        .id;
    outbox.transition(mark, OperationState::Sent).await.unwrap();
    outbox.confirm(mark, None).await.unwrap();
    outbox
        .confirmed_create_of_remote(
            &key.tenant,
            EntityKind::Payment,
            Side::Accounting,
            (System::QuickBooks, "realm-1"),
            remote,
        )
        .await
        .unwrap();
    let refused = outbox
        .enqueue(&operation(key, OperationAction::Update))
        .await
        .unwrap()
        .id;
    outbox
        .transition(refused, OperationState::Sent)
        .await
        .unwrap();
    outbox.fail(refused, "refused").await.unwrap();
    outbox.give_up(refused, "refused").await.unwrap();
    let unlinked = EventFilter {
        kind: Some("link.unset".into()),
        tenant: Some(key.tenant.clone()),
        record: Some(key.servicetitan_id.clone()),
        limit: Some(100_000),
        ..EventFilter::default()
    };
    ledger.events().list(&unlinked).await.unwrap();
}

async fn rare_per_record_calls(ledger: &Ledger) {
    let key = key("t1", EntityKind::Invoice, 1);
    let conflict = NewConflict {
        key: key.clone(),
        target_id: "qb-t1-1".into(),
        run: None,
        fields: vec![ConflictField {
            path: "invoice.memo".into(),
            base: serde_json::json!("a"),
            servicetitan: serde_json::json!("b"),
            accounting: serde_json::json!("c"),
        }],
    };
    ledger.conflicts().raise(&conflict).await.unwrap();
    let parked = NewQuarantine {
        run: None,
        tenant: "t1".into(),
        system: System::QuickBooks,
        entity: EntityKind::Invoice,
        remote_id: Some("qb-bad".into()),
        reason: "unparsable".into(),
        raw: b"{".to_vec(),
    };
    ledger.quarantine().add(&parked).await.unwrap();
    let cursor = CursorKey::new("t1", System::ServiceTitan, "invoices");
    ledger.cursors().get(&cursor).await.unwrap();
    ledger.links().remove(&key).await.unwrap();
}

/// Why a plan row reads more than a bounded number of rows, if it does. Any table (or alias)
/// not known to stay small counts as growing.
fn unbounded(detail: &str) -> Option<&'static str> {
    let mut words = detail.split_whitespace();
    let (verb, table) = (words.next()?, words.next()?);
    if is_small(table) {
        return None;
    }
    match verb {
        "SCAN" => Some("scans a growing table"),
        "SEARCH" if !constrained_columns(detail).any(|c| SELECTIVE.contains(&c)) => {
            Some("searches a growing table by columns many records share")
        }
        _ => None,
    }
}

/// The columns a SEARCH row constrains: `(tenant=? AND entity=? AND id>?)`.
fn constrained_columns(detail: &str) -> impl Iterator<Item = &str> {
    let inside = detail
        .rsplit_once('(')
        .map_or("", |(_, rest)| rest.trim_end_matches(')'));
    inside
        .split(" AND ")
        .map(|term| term.split(['=', '<', '>', ' ']).next().unwrap_or_default())
}

/// Tables whose size does not grow with the records synced (one row per tenant, feed, run...).
fn is_small(table: &str) -> bool {
    [
        "cursors",
        "connections",
        "runs",
        "mappings",
        "lease",
        "tenant_leases",
    ]
    .contains(&table)
}

#[tokio::test]
async fn every_per_record_statement_is_planned_on_a_selective_index() {
    let seen = seen();
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(
        LedgerLocation::File(dir.path().join("ledger.db")),
        LedgerOptions::default().clock(WallClock::system()),
    )
    .await
    .unwrap();
    // Opening (the migrations) is not a run's per-record work.
    seen.lock().unwrap().statements.clear();
    for tenant in ["t1", "t2"] {
        for n in 1..=60 {
            sync_one(&ledger, tenant, n).await;
        }
    }
    rare_per_record_calls(&ledger).await;
    let (statements, transactions) = {
        let mut seen = seen.lock().unwrap();
        (std::mem::take(&mut seen.statements), seen.transactions)
    };
    assert!(
        transactions >= 120,
        "transactions were counted: {transactions}"
    );
    let confirmed_create = "FROM operations WHERE tenant = ? AND entity = ? AND servicetitan_id";
    assert!(
        statements.iter().any(|s| s.contains(confirmed_create)),
        "the statements were collected: {statements:#?}"
    );

    let mut failures = Vec::new();
    for sql in &statements {
        let verb = sql.split_whitespace().next().unwrap_or_default();
        if !["SELECT", "INSERT", "UPDATE", "DELETE", "WITH"].contains(&verb.to_uppercase().as_str())
            || sql.contains("EXPLAIN")
        {
            continue;
        }
        let plan: Vec<(i64, i64, i64, String)> =
            // The ledger's own statements, as sqlx logged them: no outside input.
            sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                .fetch_all(ledger.pool())
                .await
                .unwrap_or_else(|e| panic!("EXPLAIN {sql}: {e}"));
        for (_, _, _, detail) in plan {
            if let Some(why) = unbounded(&detail) {
                failures.push(format!("{why}: {detail}\n    in: {sql}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
