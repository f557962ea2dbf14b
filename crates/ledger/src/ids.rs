//! Row ids and the record key every link, snapshot and conflict is keyed by.
//!
//! Rows a person refers to on the command line (runs, conflicts, events, quarantine entries,
//! links) get small integers: `ledgerbridge runs show 12`. Rows that leave the process get
//! UUIDv7s: an operation's or request's id is its idempotency identity at the remote, so it must
//! be unique beyond this ledger, and v7 keeps them in creation order.

use std::fmt;
use std::str::FromStr;

use ledgerbridge_core::{EntityKind, System};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::LedgerError;

macro_rules! int_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.trim().parse().map(Self)
            }
        }
    };
}

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUIDv7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(text.trim()).map(Self)
            }
        }
    };
}

int_id!(
    /// A sync run (`ledgerbridge runs show 12`).
    RunId
);
int_id!(
    /// A conflict (`ledgerbridge conflicts resolve 7`).
    ConflictId
);
int_id!(
    /// An audit event.
    EventId
);
int_id!(
    /// A link between a ServiceTitan record and its accounting twin.
    LinkId
);
int_id!(
    /// A quarantined remote record.
    QuarantineId
);
uuid_id!(
    /// A connection; its text is the associated data of its encrypted credentials.
    ConnectionId
);
uuid_id!(
    /// An outbox operation: one record write.
    OperationId
);
uuid_id!(
    /// A remote request; its text is the idempotency key sent with it (QBO `requestid`, Xero
    /// `Idempotency-Key`).
    IdempotencyKey
);

/// The key of every link, snapshot and conflict (CONTRACTS.md): which ServiceTitan record, in
/// which tenant, against which accounting company.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RecordKey {
    /// The ServiceTitan tenant id.
    pub tenant: String,
    /// The kind of record.
    pub entity: EntityKind,
    /// The record's ServiceTitan id.
    pub servicetitan_id: String,
    /// QuickBooks or Xero.
    pub target_system: System,
    /// QBO realm id or Xero tenant id.
    pub target_company: String,
}

impl RecordKey {
    /// A key; see the field docs.
    pub fn new(
        tenant: impl Into<String>,
        entity: EntityKind,
        servicetitan_id: impl Into<String>,
        target_system: System,
        target_company: impl Into<String>,
    ) -> Self {
        Self {
            tenant: tenant.into(),
            entity,
            servicetitan_id: servicetitan_id.into(),
            target_system,
            target_company: target_company.into(),
        }
    }

    /// Refuses a key whose target is not an accounting system, before SQL does it with a less
    /// helpful message.
    pub(crate) fn check(&self) -> Result<(), LedgerError> {
        check_target(self.target_system)
    }
}

impl fmt::Display for RecordKey {
    /// `invoice 4521 of tenant 123 -> quickbooks 4620816365`: ids only, never names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} of tenant {} -> {} {}",
            self.entity, self.servicetitan_id, self.tenant, self.target_system, self.target_company
        )
    }
}

pub(crate) fn check_target(system: System) -> Result<(), LedgerError> {
    if system.is_accounting() {
        Ok(())
    } else {
        Err(LedgerError::invalid(
            "target system",
            format_args!("{system} is not an accounting system (expected quickbooks or xero)"),
        ))
    }
}
