//! The records a field-service connector (ServiceTitan) delivers: canonical records with their
//! source identity ([`SourceRecord`]), change-feed batches and export marks. The trait the
//! engine reads them through is `ledgerbridge_protocol::Source`.
//!
//! Design decisions:
//!
//! * **Change feeds are streams of batches, each with the cursor after it.** The engine
//!   persists a batch's records and only then its [`FeedCursor`], so a crash re-reads at most
//!   one batch and never skips one ("cursors advance only after everything read from a page is
//!   durable").
//! * **Identity and version travel beside the record.** Canonical records carry no ids or
//!   timestamps (see `ledgerbridge_core::model`); [`SourceRecord`] adds the source id, its
//!   `modified_on` (the version used for echo detection and dedupe) and the export marker.
//! * **A bad record is quarantined, not fatal.** One malformed invoice must not stop a tenant's
//!   sync: it comes back as [`Quarantined`] with its reason and raw JSON (for the ledger, never
//!   for logs), and the rest of the batch proceeds.

use std::fmt;

use chrono::{DateTime, Utc};
use ledgerbridge_core::EntityKind;

/// A canonical record with its source identity and version.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceRecord<T> {
    /// The record's id in the source system.
    pub id: i64,
    /// When the source last modified it: the version compared for dedupe and echo detection.
    pub modified_on: DateTime<Utc>,
    /// The external id the source holds for it (ServiceTitan `exportId`), if any.
    pub export_id: Option<String>,
    /// The source's own status word (ServiceTitan `syncStatus`: Pending, Posted, Exported).
    pub remote_status: Option<String>,
    /// The canonical record.
    pub record: T,
}

/// A record that could not be read, kept with its reason instead of failing its batch.
#[derive(Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// What it was.
    pub entity: EntityKind,
    /// Its id, when even that could be read.
    pub id: Option<i64>,
    /// Why it was refused: the field and the parse error, which may quote the offending
    /// value, so it belongs in the ledger's quarantine table, not in a log line.
    pub reason: String,
    raw: String,
}

impl Quarantined {
    /// A quarantined record with its raw JSON text.
    pub fn new(
        entity: EntityKind,
        id: Option<i64>,
        reason: impl Into<String>,
        raw: impl Into<String>,
    ) -> Self {
        Self {
            entity,
            id,
            reason: reason.into(),
            raw: raw.into(),
        }
    }

    /// The raw JSON as received, for the ledger's quarantine table. May contain PII: never log.
    pub fn raw(&self) -> &str {
        &self.raw
    }
}

impl fmt::Debug for Quarantined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Quarantined")
            .field("entity", &self.entity)
            .field("id", &self.id)
            .field("reason", &self.reason)
            .field("raw", &format_args!("[{} bytes]", self.raw.len()))
            .finish()
    }
}

/// An opaque position in a change feed (ServiceTitan `continueFrom`), stored by the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FeedCursor(pub String);

impl FeedCursor {
    /// The cursor text as the remote gave it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a change feed.
#[derive(Clone, Debug)]
pub struct ChangeBatch<T> {
    /// The records read, deduplicated by id + version.
    pub records: Vec<SourceRecord<T>>,
    /// Records that could not be read.
    pub quarantined: Vec<Quarantined>,
    /// Where to continue after this batch; persist it once the records are durable.
    pub cursor: FeedCursor,
    /// Whether the feed has nothing more right now (poll again later).
    pub caught_up: bool,
    /// Records dropped because the same id and version (or an older version) was already
    /// delivered in this stream.
    pub duplicates: usize,
}

/// "Exported to the books as `external_id`" for one invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportMark {
    /// The source invoice id.
    pub invoice_id: i64,
    /// The accounting-side id or number.
    pub external_id: String,
    /// A short note shown in the source ("Exported to QuickBooks Online").
    pub message: Option<String>,
}

/// The source's answer for one [`ExportMark`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportMarkResult {
    /// The source invoice id.
    pub invoice_id: i64,
    /// `Err(message)` when the source refused this one invoice.
    pub outcome: Result<(), String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarantine_debug_hides_the_raw_record() {
        let q = Quarantined::new(
            EntityKind::Invoice,
            Some(7),
            "total: not a decimal",
            r#"{"name":"Jane Roe"}"#,
        );
        let shown = format!("{q:?}");
        assert!(
            !shown.contains("Jane") && shown.contains("not a decimal"),
            "{shown}"
        );
        assert_eq!(q.raw(), r#"{"name":"Jane Roe"}"#);
    }
}
