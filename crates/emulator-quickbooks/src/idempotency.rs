//! `requestid`: the same id within a realm returns the original response without running the
//! operation again, for 24 hours of sandbox time; after that the id runs as new.
//!
//! Choices (the "not confirmed" list leaves them open): a replay with a different body still
//! returns the original response (Intuit: "sends the same response as it did for the original
//! request"); only POSTs are remembered (writes, POST queries, batches: a GET is safe to
//! repeat anyway); faults the operation itself produced (5010, 6240, ...) are remembered like
//! successes, while 401/403/429 and injected faults never reach the store.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use crate::fault::Fault;

/// How long a requestid is remembered.
pub const WINDOW_HOURS: i64 = 24;
/// Longest requestid on a single request, and on a batch.
pub const MAX_LEN: usize = 50;
pub const MAX_LEN_BATCH: usize = 36;

/// A remembered response.
#[derive(Clone, Debug)]
pub struct Cached {
    pub at: DateTime<Utc>,
    pub status: u16,
    pub body: String,
}

/// Remembered responses by (realm, requestid).
#[derive(Debug, Default)]
pub struct IdemStore {
    entries: HashMap<(String, String), Cached>,
}

impl IdemStore {
    /// The length rule: 2050 when too long.
    pub fn validate(request_id: &str, batch: bool) -> Result<(), Fault> {
        let max = if batch { MAX_LEN_BATCH } else { MAX_LEN };
        let len = request_id.chars().count();
        if len > max {
            Err(Fault::length("requestid", max, len))
        } else {
            Ok(())
        }
    }

    /// The original response, if the id was used within the window.
    pub fn get(&self, realm: &str, request_id: &str, now: DateTime<Utc>) -> Option<&Cached> {
        self.entries
            .get(&(realm.to_owned(), request_id.to_owned()))
            .filter(|c| now - c.at < Duration::hours(WINDOW_HOURS))
    }

    pub fn put(&mut self, realm: &str, request_id: &str, cached: Cached) {
        let now = cached.at;
        if self.entries.len() > 10_000 {
            self.entries
                .retain(|_, c| now - c.at < Duration::hours(WINDOW_HOURS));
        }
        self.entries
            .insert((realm.to_owned(), request_id.to_owned()), cached);
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_for_the_window_only_and_per_realm() {
        let mut store = IdemStore::default();
        let t0 = Utc::now();
        store.put(
            "r1",
            "abc",
            Cached {
                at: t0,
                status: 200,
                body: "{}".into(),
            },
        );
        assert!(store.get("r1", "abc", t0 + Duration::hours(23)).is_some());
        assert!(store.get("r2", "abc", t0).is_none());
        assert!(store.get("r1", "abc", t0 + Duration::hours(24)).is_none());
        assert!(IdemStore::validate(&"x".repeat(50), false).is_ok());
        assert_eq!(
            IdemStore::validate(&"x".repeat(37), true)
                .unwrap_err()
                .code(),
            "2050"
        );
    }
}
