//! Plumbing shared by the repositories: the clock, timestamp text, and the handle that lets one
//! repository type work on the pool or inside a caller's transaction.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use ledgerbridge_core::WallClock;
use sqlx::pool::PoolConnection;
use sqlx::{Connection, Sqlite, SqliteConnection, SqlitePool, Transaction};

use crate::LedgerError;

/// The current time on `clock`, truncated to the microsecond precision the ledger stores, so a
/// value read back compares equal to the value written.
pub(crate) fn stored_now(clock: &WallClock) -> DateTime<Utc> {
    let now = clock.now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Fixed-width RFC 3339 text (`2026-11-29T08:41:03.123456Z`): sorts as text, so SQL can compare
/// timestamps without parsing them.
pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(what: &'static str, text: &str) -> Result<DateTime<Utc>, LedgerError> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| LedgerError::corrupt(what, format_args!("{text:?}: {e}")))
}

pub(crate) fn parse_opt_ts(
    what: &'static str,
    text: Option<&str>,
) -> Result<Option<DateTime<Utc>>, LedgerError> {
    text.map(|t| parse_ts(what, t)).transpose()
}

/// Parses a stored enum or id; a failure means the ledger holds something this version does not
/// know.
pub(crate) fn parse_col<T>(what: &'static str, text: &str) -> Result<T, LedgerError>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    text.parse().map_err(|e| LedgerError::corrupt(what, e))
}

pub(crate) fn parse_json(what: &'static str, text: &str) -> Result<serde_json::Value, LedgerError> {
    serde_json::from_str(text).map_err(|e| LedgerError::corrupt(what, e))
}

pub(crate) fn to_json(
    what: &'static str,
    value: &impl serde::Serialize,
) -> Result<String, LedgerError> {
    serde_json::to_string(value).map_err(|e| LedgerError::invalid(what, e))
}

/// The `tracing` target of the event each top-level ledger transaction emits when it begins
/// (TRACE level; off unless a subscriber asks), so benchmarks and tests can count the
/// transactions a run commits (each is a WAL commit with `synchronous=FULL`).
pub const TRANSACTION_TRACE_TARGET: &str = "ledgerbridge_ledger::transaction";

pub(crate) fn trace_transaction() {
    tracing::trace!(target: TRANSACTION_TRACE_TARGET, "begin");
}

/// What a repository works on: the pool (each call is its own transaction) or a connection
/// inside the caller's transaction (nothing is committed until the caller commits).
pub(crate) enum Target<'a> {
    Pool(&'a SqlitePool),
    Tx(&'a mut SqliteConnection),
}

/// A repository's access to the database plus the ledger's clock.
pub(crate) struct Db<'a> {
    pub(crate) target: Target<'a>,
    pub(crate) clock: &'a WallClock,
}

/// A connection borrowed for one repository call.
pub(crate) enum Handle<'a> {
    Pooled(PoolConnection<Sqlite>),
    Tx(Transaction<'a, Sqlite>),
    Borrowed(&'a mut SqliteConnection),
}

impl Handle<'_> {
    pub(crate) fn conn(&mut self) -> &mut SqliteConnection {
        match self {
            Self::Pooled(conn) => conn,
            Self::Tx(tx) => tx,
            Self::Borrowed(conn) => conn,
        }
    }

    /// Commits this call's transaction (or releases its savepoint inside the caller's
    /// transaction, whose fate the caller decides). Dropping the handle instead rolls back.
    pub(crate) async fn finish(self) -> Result<(), LedgerError> {
        if let Self::Tx(tx) = self {
            tx.commit().await?;
        }
        Ok(())
    }
}

impl<'a> Db<'a> {
    pub(crate) fn new(target: Target<'a>, clock: &'a WallClock) -> Self {
        Self { target, clock }
    }

    /// The current time at the ledger's stored precision (see [`stored_now`]).
    pub(crate) fn now(&self) -> DateTime<Utc> {
        stored_now(self.clock)
    }

    /// A connection for a single statement (atomic by itself).
    pub(crate) async fn conn(&mut self) -> Result<Handle<'_>, LedgerError> {
        Ok(match &mut self.target {
            Target::Pool(pool) => Handle::Pooled(pool.acquire().await?),
            Target::Tx(conn) => Handle::Borrowed(conn),
        })
    }

    /// A connection inside a transaction, for changes of several rows, so that a failure halfway
    /// leaves nothing behind.
    ///
    /// On the pool the write lock is taken up front (`BEGIN IMMEDIATE`): a deferred transaction
    /// that reads and then writes can fail with SQLITE_BUSY regardless of the busy timeout when
    /// another writer got in between. Inside the caller's transaction this is a savepoint, so a
    /// refused call does not leave half its rows in the caller's transaction either.
    pub(crate) async fn tx(&mut self) -> Result<Handle<'_>, LedgerError> {
        Ok(match &mut self.target {
            Target::Pool(pool) => {
                trace_transaction();
                Handle::Tx(pool.begin_with("BEGIN IMMEDIATE").await?)
            }
            Target::Tx(conn) => Handle::Tx(Connection::begin(&mut **conn).await?),
        })
    }
}

/// Declares a closed set of values stored as TEXT, with `as_str`, `Display`, `FromStr` and
/// serde as that text.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($label:literal) {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The text stored in the ledger and shown in JSON.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::db::UnknownValue;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok(Self::$variant),)+
                    _ => Err($crate::db::UnknownValue {
                        kind: $label,
                        value: text.to_owned(),
                        expected: &[$($text),+],
                    }),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <String as ::serde::Deserialize>::deserialize(d)?;
                text.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use text_enum;

/// A text that is not one of the values of a closed set (e.g. an unknown mapping kind in a CSV
/// import).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?} (expected one of: {})", expected.join(", "))]
pub struct UnknownValue {
    /// What was being parsed, e.g. `mapping kind`.
    pub kind: &'static str,
    /// The text that did not match.
    pub value: String,
    /// The accepted texts.
    pub expected: &'static [&'static str],
}
