//! Encrypted credentials: no key, wrong key, copied ciphertext.

use ledgerbridge_core::System;
use ledgerbridge_core::{CredentialError, CredentialStore, SecretEntry};
use ledgerbridge_ledger::{
    Connection, EncryptionKey, Environment, KeyError, Ledger, NewConnection,
};
use secrecy::ExposeSecret;
use sqlx::SqlitePool;

use crate::helpers::ledger;

const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_B: &str = "HxwdHhsaGRgXFhUUExIREA8ODQwLCgkIBwYFBAMCAQA=";

fn key(text: &str) -> Option<EncryptionKey> {
    Some(EncryptionKey::from_base64(text).unwrap())
}

async fn connect(ledger: &Ledger, tenant: &str) -> Connection {
    let new = NewConnection {
        system: System::QuickBooks,
        tenant: tenant.into(),
        company: format!("realm-{tenant}"),
        environment: Environment::Sandbox,
    };
    ledger.connections().register(&new).await.unwrap()
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn secrets_round_trip_and_are_not_stored_in_plaintext(pool: SqlitePool) {
    let ledger = ledger(pool.clone());
    let conn = connect(&ledger, "t1").await.id.to_string();
    let store = ledger.credential_store(key(KEY_A));
    let entries = [
        SecretEntry::new("refresh_token", "rt-secret-1"),
        SecretEntry::new("access_token", "at-secret-1"),
    ];
    store.store(&conn, &entries).await.unwrap();
    let loaded = store.load(&conn, "refresh_token").await.unwrap().unwrap();
    assert_eq!(loaded.expose_secret(), "rt-secret-1");
    assert!(store.load(&conn, "client_secret").await.unwrap().is_none());

    let sealed: Vec<Vec<u8>> = sqlx::query_scalar("SELECT sealed FROM credentials")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(sealed.len(), 2);
    for blob in sealed {
        assert!(
            !blob.windows(6).any(|w| w == b"secret"),
            "plaintext leaked into the ledger"
        );
    }

    // Rotation replaces in place.
    store
        .store(&conn, &[SecretEntry::new("refresh_token", "rt-secret-2")])
        .await
        .unwrap();
    assert_eq!(
        store
            .load(&conn, "refresh_token")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "rt-secret-2"
    );
    store.forget(&conn).await.unwrap();
    assert!(store.load(&conn, "refresh_token").await.unwrap().is_none());
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn without_the_key_nothing_is_read_or_written(pool: SqlitePool) {
    let ledger = ledger(pool);
    let conn = connect(&ledger, "t1").await.id.to_string();
    ledger
        .credential_store(key(KEY_A))
        .store(&conn, &[SecretEntry::new("refresh_token", "rt")])
        .await
        .unwrap();
    let keyless = ledger.credential_store(None);
    assert!(matches!(
        keyless.load(&conn, "refresh_token").await,
        Err(CredentialError::MissingKey)
    ));
    let write = keyless
        .store(&conn, &[SecretEntry::new("refresh_token", "plain")])
        .await;
    assert!(matches!(write, Err(CredentialError::MissingKey)));
    assert!(matches!(
        keyless.verify_key().await,
        Err(CredentialError::MissingKey)
    ));
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_wrong_key_is_a_clear_error(pool: SqlitePool) {
    let ledger = ledger(pool);
    let conn = connect(&ledger, "t1").await.id.to_string();
    ledger
        .credential_store(key(KEY_A))
        .store(&conn, &[SecretEntry::new("refresh_token", "rt")])
        .await
        .unwrap();
    let wrong = ledger.credential_store(key(KEY_B));
    match wrong.load(&conn, "refresh_token").await {
        Err(CredentialError::WrongKey { connection }) => assert_eq!(connection, conn),
        other => panic!("expected WrongKey, got {other:?}"),
    }
    assert!(matches!(
        wrong.verify_key().await,
        Err(CredentialError::WrongKey { .. })
    ));
    // A second key is never mixed into the same ledger.
    let other = connect(&ledger, "t2").await.id.to_string();
    let mixed = wrong
        .store(&other, &[SecretEntry::new("refresh_token", "rt2")])
        .await;
    assert!(
        matches!(mixed, Err(CredentialError::WrongKey { .. })),
        "{mixed:?}"
    );
    ledger
        .credential_store(key(KEY_A))
        .verify_key()
        .await
        .unwrap();
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn a_ciphertext_copied_to_another_connection_does_not_decrypt(pool: SqlitePool) {
    let ledger = ledger(pool.clone());
    let victim = connect(&ledger, "t1").await.id.to_string();
    let thief = connect(&ledger, "t2").await.id.to_string();
    let store = ledger.credential_store(key(KEY_A));
    store
        .store(
            &victim,
            &[SecretEntry::new("refresh_token", "victim-token")],
        )
        .await
        .unwrap();
    store
        .store(&thief, &[SecretEntry::new("refresh_token", "thief-token")])
        .await
        .unwrap();
    sqlx::query(
        "UPDATE credentials SET sealed = (SELECT sealed FROM credentials WHERE connection_id = ?1) \
         WHERE connection_id = ?2",
    )
    .bind(&victim)
    .bind(&thief)
    .execute(&pool)
    .await
    .unwrap();
    match store.load(&thief, "refresh_token").await {
        Err(CredentialError::WrongKey { connection }) => assert_eq!(connection, thief),
        other => panic!("a copied ciphertext must not decrypt, got {other:?}"),
    }
    assert_eq!(
        store
            .load(&victim, "refresh_token")
            .await
            .unwrap()
            .unwrap()
            .expose_secret(),
        "victim-token"
    );
}

#[sqlx::test(migrator = "ledgerbridge_ledger::MIGRATOR")]
async fn unknown_connections_and_cascades(pool: SqlitePool) {
    let ledger = ledger(pool.clone());
    let store = ledger.credential_store(key(KEY_A));
    let unknown = store
        .store(
            "no-such-connection",
            &[SecretEntry::new("refresh_token", "x")],
        )
        .await;
    assert!(
        matches!(unknown, Err(CredentialError::UnknownConnection { .. })),
        "{unknown:?}"
    );
    let unknown = store.load("no-such-connection", "refresh_token").await;
    assert!(
        matches!(unknown, Err(CredentialError::UnknownConnection { .. })),
        "{unknown:?}"
    );
    let conn = connect(&ledger, "t1").await;
    store
        .store(
            &conn.id.to_string(),
            &[SecretEntry::new("refresh_token", "x")],
        )
        .await
        .unwrap();
    assert!(ledger.connections().remove(conn.id).await.unwrap());
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM credentials")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "removing a connection removes its secrets");
}

#[test]
fn keys_decode_from_base64_only_at_32_bytes() {
    assert!(matches!(
        EncryptionKey::from_base64("not base64!"),
        Err(KeyError::NotBase64)
    ));
    assert!(matches!(
        EncryptionKey::from_base64("AAEC"),
        Err(KeyError::WrongLength(3))
    ));
    let key = EncryptionKey::from_base64(&format!("  {KEY_A}\n")).unwrap();
    assert_eq!(key.to_base64().expose_secret(), KEY_A);
    assert_eq!(format!("{key:?}"), "EncryptionKey([REDACTED])");
    let (a, b) = (EncryptionKey::generate(), EncryptionKey::generate());
    assert_ne!(a.to_base64().expose_secret(), b.to_base64().expose_secret());
    let round = EncryptionKey::from_base64(a.to_base64().expose_secret()).unwrap();
    assert_eq!(
        round.to_base64().expose_secret(),
        a.to_base64().expose_secret()
    );
}
