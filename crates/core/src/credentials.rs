//! Where connectors keep secrets: client secrets, app keys, access and refresh tokens.
//!
//! The ledger implements [`CredentialStore`] with encryption at rest; connectors only see this
//! trait. It lives here, not in the HTTP crate, so the ledger needs no HTTP stack to
//! implement it. Entries are grouped per *connection* (one authorised link to one remote company or
//! tenant, identified by the ledger's connection id). [`CredentialStore::store`] writes several
//! entries in one transaction: a rotated refresh token and the access token it came with are
//! persisted together, before the new access token is used, so a crash can never leave a
//! connection holding a refresh token the remote has already retired.

use std::future::Future;
use std::pin::Pin;

use secrecy::SecretString;

/// A boxed `Send` future (the same type as `futures::future::BoxFuture`): the store is used as
/// `dyn CredentialStore`, so its methods cannot return `impl Future`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One named secret of a connection, e.g. `("refresh_token", …)`.
pub struct SecretEntry {
    pub name: String,
    pub value: SecretString,
}

impl SecretEntry {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: SecretString::from(value.into()),
        }
    }
}

impl std::fmt::Debug for SecretEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretEntry")
            .field("name", &self.name)
            .field("value", &"[REDACTED]")
            .finish()
    }
}

/// Why a credential could not be read or written. Callers react by kind: a missing key or a
/// key that does not decrypt is a configuration problem the user must fix; a missing
/// connection means "run `ledgerbridge connect …`"; storage errors are transient or fatal.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("no encryption key: set LEDGERBRIDGE_KEY or the key file named in the config")]
    MissingKey,
    #[error(
        "the stored credentials of connection {connection} cannot be decrypted with this key (wrong key, or the ledger was copied from elsewhere)"
    )]
    WrongKey { connection: String },
    #[error("connection {connection} is not known; run `ledgerbridge connect` first")]
    UnknownConnection { connection: String },
    #[error("credential storage failed")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Encrypted-at-rest storage of a connection's secrets.
pub trait CredentialStore: Send + Sync {
    /// Reads one secret of `connection`, decrypted; `Ok(None)` when it was never stored.
    fn load<'a>(
        &'a self,
        connection: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<SecretString>, CredentialError>>;

    /// Writes (inserts or replaces) all `entries` of `connection` in one transaction.
    fn store<'a>(
        &'a self,
        connection: &'a str,
        entries: &'a [SecretEntry],
    ) -> BoxFuture<'a, Result<(), CredentialError>>;

    /// Forgets every secret of `connection` (after a revoke, or `disconnect`).
    fn forget<'a>(&'a self, connection: &'a str) -> BoxFuture<'a, Result<(), CredentialError>>;
}
