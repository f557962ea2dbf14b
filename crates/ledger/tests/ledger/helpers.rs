//! Shared fixtures.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Utc};
use ledgerbridge_core::WallClock;
use ledgerbridge_core::{EntityKind, System};
use ledgerbridge_ledger::{Ledger, RecordKey};
use sqlx::SqlitePool;

/// A ledger over the pool `#[sqlx::test]` hands out, on the system clock.
pub(crate) fn ledger(pool: SqlitePool) -> Ledger {
    Ledger::from_pool(pool, WallClock::system())
}

/// An invoice key of tenant `t1` against QuickBooks company `realm-1`.
pub(crate) fn invoice(st_id: &str) -> RecordKey {
    RecordKey::new(
        "t1",
        EntityKind::Invoice,
        st_id,
        System::QuickBooks,
        "realm-1",
    )
}

/// A clock tests move by hand.
#[derive(Clone)]
pub(crate) struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub(crate) fn at(start: &str) -> Self {
        let start: DateTime<Utc> = start.parse().expect("RFC 3339 start");
        Self(Arc::new(AtomicI64::new(start.timestamp_micros())))
    }

    pub(crate) fn advance(&self, by: std::time::Duration) {
        let micros = i64::try_from(by.as_micros()).expect("small duration");
        self.0.fetch_add(micros, Ordering::SeqCst);
    }

    pub(crate) fn clock(&self) -> WallClock {
        let now = Arc::clone(&self.0);
        WallClock::new(move || {
            DateTime::from_timestamp_micros(now.load(Ordering::SeqCst)).expect("in range")
        })
    }
}
