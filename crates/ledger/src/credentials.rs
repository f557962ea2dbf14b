//! Credentials encrypted at rest, and the ledger's implementation of the connectors'
//! [`CredentialStore`].
//!
//! Each secret is sealed with XChaCha20-Poly1305 under the ledger key: a fresh random 24-byte
//! nonce per write (safe at this nonce size), stored as `nonce || ciphertext`, with the
//! connection id as associated data so a ciphertext copied into another connection's row does
//! not decrypt. The key (32 bytes) is passed in by the caller, who reads it from
//! `LEDGERBRIDGE_KEY` or the key file; this crate never reads either.
//!
//! There is no plaintext fallback: without a key every call fails with
//! [`CredentialError::MissingKey`], and a key that does not open the ledger's secrets fails with
//! [`CredentialError::WrongKey`]. A sealed constant (`credential_key_check`), written with the
//! first key ever used, makes the wrong-key error deterministic, and stops a second key from
//! ever being mixed into the same ledger.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use futures::future::BoxFuture;
use ledgerbridge_core::WallClock;
use ledgerbridge_core::{CredentialError, CredentialStore, SecretEntry};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sqlx::{SqliteConnection, SqlitePool};

use crate::db::{stored_now, ts};
use crate::{Ledger, LedgerError};

const NONCE_LEN: usize = 24;
const KEY_CHECK_AAD: &[u8] = b"ledgerbridge key check v1";
const KEY_CHECK_PLAINTEXT: &[u8] = b"ledgerbridge";
/// Shown as the "connection" of a wrong-key error found by the key check itself.
const KEY_CHECK_NAME: &str = "(any: the key does not match this ledger)";

/// Why a text is not a ledger key. Never echoes the text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not standard base64.
    #[error("the ledger key is not valid base64")]
    NotBase64,
    /// Decodes to the wrong number of bytes.
    #[error("the ledger key must decode to 32 bytes, not {0}")]
    WrongLength(usize),
}

/// The 32-byte key that seals credentials. Debug prints `[REDACTED]`; memory is zeroed on drop.
pub struct EncryptionKey(SecretBox<[u8; 32]>);

impl EncryptionKey {
    /// Wraps key bytes the caller already holds.
    pub fn new(bytes: SecretBox<[u8; 32]>) -> Self {
        Self(bytes)
    }

    /// A fresh random key from the operating system's CSPRNG (for `ledgerbridge init`).
    pub fn generate() -> Self {
        Self(SecretBox::init_with_mut(|bytes: &mut [u8; 32]| {
            let key = chacha20poly1305::Key::generate();
            bytes.copy_from_slice(&key);
        }))
    }

    /// Decodes standard base64 (surrounding whitespace, e.g. a key file's newline, is ignored).
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let decoded = Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| KeyError::NotBase64)?,
        );
        if decoded.len() != 32 {
            return Err(KeyError::WrongLength(decoded.len()));
        }
        Ok(Self(SecretBox::init_with_mut(|bytes: &mut [u8; 32]| {
            bytes.copy_from_slice(&decoded)
        })))
    }

    /// Standard base64, for writing the key file or printing it once at `init`.
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(STANDARD.encode(self.0.expose_secret()))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&(*self.0.expose_secret()).into())
    }

    fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, CredentialError> {
        let nonce = XNonce::generate();
        let ciphertext = self
            .cipher()
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| {
                storage(LedgerError::invalid(
                    "credential",
                    "the secret is too long to encrypt",
                ))
            })?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// `None` when the key (or the associated data) does not authenticate the ciphertext.
    fn open(&self, sealed: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).ok()?;
        self.cipher()
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

impl std::fmt::Debug for EncryptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EncryptionKey([REDACTED])")
    }
}

fn storage(error: LedgerError) -> CredentialError {
    CredentialError::Storage(Box::new(error))
}

fn sql(error: sqlx::Error) -> CredentialError {
    storage(LedgerError::Storage(error))
}

/// The ledger's [`CredentialStore`]: owns a pool handle, so connectors can keep it as
/// `Arc<dyn CredentialStore>` for as long as they live.
#[derive(Clone)]
pub struct LedgerCredentialStore {
    pool: SqlitePool,
    clock: WallClock,
    key: Option<Arc<EncryptionKey>>,
}

impl std::fmt::Debug for LedgerCredentialStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LedgerCredentialStore")
            .field("has_key", &self.key.is_some())
            .finish()
    }
}

impl Ledger {
    /// The credential store of this ledger. With `None` (no key configured) every call fails
    /// with [`CredentialError::MissingKey`].
    pub fn credential_store(&self, key: Option<EncryptionKey>) -> LedgerCredentialStore {
        LedgerCredentialStore {
            pool: self.pool().clone(),
            clock: self.clock().clone(),
            key: key.map(Arc::new),
        }
    }
}

impl LedgerCredentialStore {
    fn key(&self) -> Result<&EncryptionKey, CredentialError> {
        self.key.as_deref().ok_or(CredentialError::MissingKey)
    }

    /// Checks the key against the ledger without touching any connection, writing the check
    /// value when the ledger has none yet (`ledgerbridge init` calls this once).
    pub async fn verify_key(&self) -> Result<(), CredentialError> {
        let key = self.key()?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(sql)?;
        check_key(&mut tx, key, &ts(stored_now(&self.clock)), KEY_CHECK_NAME).await?;
        tx.commit().await.map_err(sql)
    }

    /// Decrypts every stored secret of `connection` (and drops it at once), returning how many
    /// there are: what `doctor` uses to tell a connection it cannot read from a usable one.
    /// Fails with [`CredentialError::MissingKey`] without a key and
    /// [`CredentialError::WrongKey`] when a secret does not open with it.
    pub async fn check_connection(&self, connection: &str) -> Result<usize, CredentialError> {
        let key = self.key()?;
        let sealed: Vec<Vec<u8>> =
            sqlx::query_scalar("SELECT sealed FROM credentials WHERE connection_id = ?")
                .bind(connection)
                .fetch_all(&self.pool)
                .await
                .map_err(sql)?;
        for secret in &sealed {
            let plain = key.open(secret, connection.as_bytes()).ok_or_else(|| {
                CredentialError::WrongKey {
                    connection: connection.to_owned(),
                }
            })?;
            if std::str::from_utf8(&plain).is_err() {
                return Err(CredentialError::WrongKey {
                    connection: connection.to_owned(),
                });
            }
        }
        Ok(sealed.len())
    }

    async fn load_secret(
        &self,
        connection: &str,
        name: &str,
    ) -> Result<Option<SecretString>, CredentialError> {
        let key = self.key()?;
        let mut conn = self.pool.acquire().await.map_err(sql)?;
        let found: Option<(String, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT c.id, cr.sealed FROM connections c \
             LEFT JOIN credentials cr ON cr.connection_id = c.id AND cr.name = ? WHERE c.id = ?",
        )
        .bind(name)
        .bind(connection)
        .fetch_optional(&mut *conn)
        .await
        .map_err(sql)?;
        let Some((_, sealed)) = found else {
            return Err(CredentialError::UnknownConnection {
                connection: connection.to_owned(),
            });
        };
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let wrong_key = || CredentialError::WrongKey {
            connection: connection.to_owned(),
        };
        let plaintext = key
            .open(&sealed, connection.as_bytes())
            .ok_or_else(wrong_key)?;
        let text = std::str::from_utf8(&plaintext).map_err(|_| wrong_key())?;
        Ok(Some(SecretString::from(text.to_owned())))
    }

    async fn store_secrets(
        &self,
        connection: &str,
        entries: &[SecretEntry],
    ) -> Result<(), CredentialError> {
        let key = self.key()?;
        let now = ts(stored_now(&self.clock));
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(sql)?;
        check_key(&mut tx, key, &now, connection).await?;
        let known: Option<String> = sqlx::query_scalar("SELECT id FROM connections WHERE id = ?")
            .bind(connection)
            .fetch_optional(&mut *tx)
            .await
            .map_err(sql)?;
        if known.is_none() {
            return Err(CredentialError::UnknownConnection {
                connection: connection.to_owned(),
            });
        }
        for entry in entries {
            let sealed = key.seal(
                entry.value.expose_secret().as_bytes(),
                connection.as_bytes(),
            )?;
            sqlx::query(
                "INSERT INTO credentials (connection_id, name, sealed, updated_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (connection_id, name) DO UPDATE SET sealed = excluded.sealed, \
                 updated_at = excluded.updated_at",
            )
            .bind(connection)
            .bind(&entry.name)
            .bind(&sealed)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(|e| storage(crate::error::write_error("credential")(e)))?;
        }
        tx.commit().await.map_err(sql)
    }

    async fn forget_secrets(&self, connection: &str) -> Result<(), CredentialError> {
        // Deleting needs no key: forgetting must work even after the key was lost.
        sqlx::query("DELETE FROM credentials WHERE connection_id = ?")
            .bind(connection)
            .execute(&self.pool)
            .await
            .map_err(sql)?;
        Ok(())
    }
}

/// Verifies `key` against the ledger's check value, writing one if there is none yet.
async fn check_key(
    conn: &mut SqliteConnection,
    key: &EncryptionKey,
    now: &str,
    connection: &str,
) -> Result<(), CredentialError> {
    let sealed: Option<Vec<u8>> =
        sqlx::query_scalar("SELECT sealed FROM credential_key_check WHERE id = 1")
            .fetch_optional(&mut *conn)
            .await
            .map_err(sql)?;
    match sealed {
        Some(sealed) => match key.open(&sealed, KEY_CHECK_AAD) {
            Some(plain) if plain.as_slice() == KEY_CHECK_PLAINTEXT => Ok(()),
            _ => Err(CredentialError::WrongKey {
                connection: connection.to_owned(),
            }),
        },
        None => {
            let sealed = key.seal(KEY_CHECK_PLAINTEXT, KEY_CHECK_AAD)?;
            sqlx::query(
                "INSERT INTO credential_key_check (id, sealed, created_at) VALUES (1, ?, ?)",
            )
            .bind(&sealed)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(sql)?;
            Ok(())
        }
    }
}

impl CredentialStore for LedgerCredentialStore {
    fn load<'a>(
        &'a self,
        connection: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<SecretString>, CredentialError>> {
        Box::pin(self.load_secret(connection, name))
    }

    fn store<'a>(
        &'a self,
        connection: &'a str,
        entries: &'a [SecretEntry],
    ) -> BoxFuture<'a, Result<(), CredentialError>> {
        Box::pin(self.store_secrets(connection, entries))
    }

    fn forget<'a>(&'a self, connection: &'a str) -> BoxFuture<'a, Result<(), CredentialError>> {
        Box::pin(self.forget_secrets(connection))
    }
}
