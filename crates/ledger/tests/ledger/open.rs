//! Opening a ledger file: pragmas, migrations, refusals.

use std::time::Duration;

use ledgerbridge_ledger::{Ledger, LedgerError, LedgerLocation, LedgerOptions, MIGRATOR};

#[tokio::test]
async fn migrates_an_empty_database_to_the_full_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let ledger = Ledger::open(
        LedgerLocation::File(path.clone()),
        LedgerOptions::default().migrate(false),
    )
    .await
    .unwrap();
    assert_eq!(
        ledger.schema_version().await.unwrap(),
        None,
        "nothing applied yet"
    );

    let applied = ledger.migrate().await.unwrap();
    let expected: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    assert_eq!(
        applied.iter().map(|m| m.version).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(
        ledger.schema_version().await.unwrap(),
        expected.last().copied()
    );

    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(ledger.pool())
    .await
    .unwrap();
    assert_eq!(
        tables,
        [
            "alert_conditions",
            "alerts",
            "conflicts",
            "connections",
            "credential_key_check",
            "credentials",
            "cursors",
            "events",
            "link_lines",
            "links",
            "mappings",
            "operations",
            "quarantine",
            "request_operations",
            "requests",
            "runs",
            "snapshots",
            "tenant_leases",
        ]
    );
    assert!(
        ledger.migrate().await.unwrap().is_empty(),
        "a second migrate applies nothing"
    );
}

#[tokio::test]
async fn a_file_ledger_uses_wal_foreign_keys_and_the_busy_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let options = LedgerOptions::default().busy_timeout(Duration::from_millis(1234));
    let ledger = Ledger::open(path.as_path().into(), options).await.unwrap();
    let mut conn = ledger.pool().acquire().await.unwrap();
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(journal, "wal");
    assert_eq!(foreign_keys, 1);
    assert_eq!(busy, 1234);
    assert_eq!(
        synchronous, 2,
        "FULL: a committed outbox row survives a power cut"
    );
    assert!(path.exists());
}

#[tokio::test]
async fn a_missing_file_is_an_error_unless_creation_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.db");
    let refused = Ledger::open(
        path.as_path().into(),
        LedgerOptions::default().create_if_missing(false),
    )
    .await;
    assert!(
        matches!(refused, Err(LedgerError::Open { .. })),
        "{refused:?}"
    );
    assert!(!path.exists());
}

#[tokio::test]
async fn a_ledger_written_by_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let ledger = Ledger::open(path.as_path().into(), LedgerOptions::default())
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (99999, 'from the future', '2030-01-01', 1, x'00', 0)",
    )
    .execute(ledger.pool())
    .await
    .unwrap();
    ledger.close().await;
    let reopened = Ledger::open(path.as_path().into(), LedgerOptions::default()).await;
    let known = MIGRATOR.iter().map(|m| m.version).max().unwrap();
    match reopened {
        Err(error @ LedgerError::NewerSchema { found: 99999, .. }) => assert_eq!(
            error.to_string(),
            format!(
                "this ledger was written by a newer ledgerbridge (schema 99999, this one knows \
                 up to {known}); upgrade ledgerbridge"
            )
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_0_byte_ledger_file_is_refused_not_initialised() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledgerbridge.db");
    std::fs::write(&path, b"").unwrap();
    let refused = Ledger::open(path.as_path().into(), LedgerOptions::default()).await;
    match refused {
        Err(error @ LedgerError::EmptyFile { .. }) => {
            assert!(error.to_string().contains("empty (0-byte) file"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "left as found");
    // A ledger that does not exist yet is still created.
    let fresh = dir.path().join("new.db");
    let ledger = Ledger::open(fresh.as_path().into(), LedgerOptions::default())
        .await
        .unwrap();
    assert!(ledger.schema_version().await.unwrap().is_some());
}

#[tokio::test]
async fn an_in_memory_ledger_survives_idle_connections() {
    let ledger = Ledger::open(LedgerLocation::InMemory, LedgerOptions::default())
        .await
        .unwrap();
    let run = ledger.runs().start(true).await.unwrap();
    // Another clone, another connection from the pool: same database.
    let other = ledger.clone();
    let seen = other.runs().get(run.id).await.unwrap().unwrap();
    assert!(seen.dry_run);
}

/// A sync that crashed before the upgrade to per-tenant leases left its run `running` and the
/// old single lease row naming it: the migration ends that run (at its last heartbeat), since
/// takeovers read only the new table and would never end it.
#[tokio::test]
async fn the_upgrade_to_tenant_leases_ends_the_run_of_the_old_lease() {
    let ledger = Ledger::open(
        LedgerLocation::InMemory,
        LedgerOptions::default().migrate(false),
    )
    .await
    .unwrap();
    let pool = ledger.pool();
    let (before, upgrade): (Vec<_>, Vec<_>) = MIGRATOR.iter().partition(|m| m.version < 10);
    for m in before {
        sqlx::raw_sql(m.sql.clone()).execute(pool).await.unwrap();
    }
    let heartbeat = "2026-12-01T00:05:00.000000Z";
    for started in ["2026-12-01T00:00:00.000000Z", "2026-12-01T00:01:00.000000Z"] {
        sqlx::query("INSERT INTO runs (started_at, dry_run) VALUES (?, 0)")
            .bind(started)
            .execute(pool)
            .await
            .unwrap();
    }
    sqlx::query(
        "INSERT INTO lease (id, holder, pid, host, run_id, acquired_at, heartbeat_at) \
         VALUES (1, 'token', 4242, 'host', 1, '2026-12-01T00:00:00.000000Z', ?)",
    )
    .bind(heartbeat)
    .execute(pool)
    .await
    .unwrap();
    let version_10 = upgrade.first().expect("migration 0010");
    assert_eq!(version_10.version, 10);
    sqlx::raw_sql(version_10.sql.clone())
        .execute(pool)
        .await
        .unwrap();

    let runs: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, status, finished_at FROM runs ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(
        runs,
        [
            (1, "interrupted".to_owned(), Some(heartbeat.to_owned())),
            (2, "running".to_owned(), None),
        ],
        "only the run the old lease named is ended"
    );
}
