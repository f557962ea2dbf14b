//! Paged lists and export feeds as async streams, with per-record decoding (a malformed
//! record is quarantined with its reason, the page goes on) and dedupe by id + `modifiedOn`.
//!
//! Export feeds are read from a stored `continueFrom`; each batch carries the cursor after it,
//! which the caller persists once the batch is durable. With `includeRecentChanges=true` a
//! record may come back in a later call with the same version: [`Seen`] drops it (and any
//! older version of a record already delivered). Paged lists are walked with `sort=+Id` so
//! records changing underneath cannot reorder pages, and are deduplicated the same way; both
//! report how many records they dropped ([`ChangeBatch::duplicates`], [`Page::duplicates`]),
//! so a server that repeats records is seen, not silently absorbed.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use futures::{Stream, TryStreamExt, stream};
use ledgerbridge_connector::{ChangeBatch, ConnectorError, FeedCursor, Quarantined, SourceRecord};
use ledgerbridge_core::EntityKind;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::client::ServiceTitan;
use crate::wire::{ExportWire, PageWire};

/// What the feeds need to know about one kind of record.
pub(crate) trait Entity: Send + Sync + 'static {
    /// The wire shape of one record.
    type Wire: DeserializeOwned + Send;
    /// The canonical record.
    type Record: Send;
    /// Data the mapping needs, loaded once per batch (tax zones, contacts).
    type Context: Send + Sync;
    const KIND: EntityKind;
    const MODULE: &'static str;
    const LIST: &'static str;
    const EXPORT: &'static str;
    const LIST_OP: &'static str;
    const EXPORT_OP: &'static str;

    /// The record's id and version.
    fn key(wire: &Self::Wire) -> (i64, DateTime<Utc>);

    /// Loads the context for a batch of records.
    fn prepare<'a>(
        st: &'a ServiceTitan,
        wires: &'a [Self::Wire],
    ) -> impl Future<Output = Result<Self::Context, ConnectorError>> + Send + 'a;

    /// Maps one record; `Err(reason)` quarantines it.
    fn map(
        st: &ServiceTitan,
        ctx: &Self::Context,
        wire: Self::Wire,
    ) -> Result<SourceRecord<Self::Record>, String>;
}

/// Versions already delivered in one stream.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    versions: HashMap<i64, DateTime<Utc>>,
}

impl Seen {
    /// Whether (`id`, `version`) is new: not delivered, and newer than what was.
    pub(crate) fn admit(&mut self, id: i64, version: DateTime<Utc>) -> bool {
        match self.versions.get(&id) {
            Some(seen) if *seen >= version => false,
            _ => {
                self.versions.insert(id, version);
                true
            }
        }
    }
}

/// One page of a paged list, decoded.
#[derive(Clone, Debug)]
pub struct Page<T> {
    /// Which page (from 1).
    pub page: u32,
    /// The records, deduplicated by id within the walk.
    pub records: Vec<SourceRecord<T>>,
    /// Records that could not be read.
    pub quarantined: Vec<Quarantined>,
    /// Records dropped because the same id and version (or an older version) was already
    /// delivered earlier in the walk.
    pub duplicates: usize,
}

/// The versions a walk has delivered, shared by the passes of one walk (the active and the
/// voided pass of the payment list).
pub(crate) type SharedSeen = Arc<Mutex<Seen>>;

/// Decodes raw records, quarantining what does not parse, dropping what was seen.
#[allow(clippy::type_complexity)]
fn decode<E: Entity>(
    raw: Vec<Box<RawValue>>,
    seen: &mut Seen,
) -> (Vec<(E::Wire, Box<RawValue>)>, Vec<Quarantined>, usize) {
    #[derive(Deserialize)]
    struct IdOnly {
        id: i64,
    }
    let (mut wires, mut quarantined, mut duplicates) = (Vec::new(), Vec::new(), 0);
    for record in raw {
        match serde_json::from_str::<E::Wire>(record.get()) {
            Ok(wire) => {
                let (id, version) = E::key(&wire);
                if seen.admit(id, version) {
                    wires.push((wire, record));
                } else {
                    duplicates += 1;
                }
            }
            Err(e) => {
                let id = serde_json::from_str::<IdOnly>(record.get())
                    .ok()
                    .map(|r| r.id);
                // The parse error may quote the offending value (a name, an email): it goes to
                // the quarantine record, not to the log.
                tracing::warn!(entity = %E::KIND, id, line = e.line(), column = e.column(), "record quarantined");
                quarantined.push(Quarantined::new(E::KIND, id, e.to_string(), record.get()));
            }
        }
    }
    (wires, quarantined, duplicates)
}

/// Prepares and maps decoded records.
async fn convert<E: Entity>(
    st: &ServiceTitan,
    decoded: Vec<(E::Wire, Box<RawValue>)>,
    quarantined: &mut Vec<Quarantined>,
) -> Result<Vec<SourceRecord<E::Record>>, ConnectorError> {
    let (wires, raws): (Vec<E::Wire>, Vec<Box<RawValue>>) = decoded.into_iter().unzip();
    let ctx = E::prepare(st, &wires).await?;
    let mut records = Vec::with_capacity(wires.len());
    for (wire, raw) in wires.into_iter().zip(raws) {
        let (id, _) = E::key(&wire);
        match E::map(st, &ctx, wire) {
            Ok(record) => records.push(record),
            Err(reason) => {
                tracing::warn!(entity = %E::KIND, id, "record quarantined by mapping");
                quarantined.push(Quarantined::new(E::KIND, Some(id), reason, raw.get()));
            }
        }
    }
    Ok(records)
}

struct ExportState {
    from: Option<FeedCursor>,
    done: bool,
    seen: Seen,
}

impl ServiceTitan {
    /// The export feed of `E` from `from` (`None`: from the beginning), one batch per call,
    /// ending with the batch that says the feed is caught up.
    pub(crate) fn export_changes<E: Entity>(
        &self,
        from: Option<FeedCursor>,
    ) -> impl Stream<Item = Result<ChangeBatch<E::Record>, ConnectorError>> + Send + '_ {
        let state = ExportState {
            from,
            done: false,
            seen: Seen::default(),
        };
        stream::try_unfold(state, move |mut state| async move {
            if state.done {
                return Ok(None);
            }
            let mut url = self.url(E::MODULE, E::EXPORT);
            {
                let mut query = url.query_pairs_mut();
                if let Some(from) = &state.from {
                    query.append_pair("from", from.as_str());
                }
                query.append_pair(
                    "includeRecentChanges",
                    if self.config.include_recent_changes {
                        "true"
                    } else {
                        "false"
                    },
                );
            }
            let page: ExportWire = self.get_json(E::EXPORT_OP, url).await?;
            let empty = page.data.is_empty();
            let (wires, mut quarantined, duplicates) = decode::<E>(page.data, &mut state.seen);
            let records = convert::<E>(self, wires, &mut quarantined).await?;
            let cursor = FeedCursor(page.continue_from);
            // A feed that claims more but returns nothing and does not move would loop forever.
            let stuck = empty && state.from.as_ref() == Some(&cursor);
            state.done = !page.has_more || stuck;
            state.from = Some(cursor.clone());
            let batch = ChangeBatch {
                records,
                quarantined,
                cursor,
                caught_up: !page.has_more,
                duplicates,
            };
            Ok(Some((batch, state)))
        })
    }

    /// Every page of `E`'s paged list with `filters`, sorted by id, at the configured page size.
    pub(crate) fn list_pages<E: Entity>(
        &self,
        filters: Vec<(&'static str, String)>,
    ) -> impl Stream<Item = Result<Page<E::Record>, ConnectorError>> + Send + '_ {
        self.list_pages_sharing::<E>(filters, SharedSeen::default())
    }

    /// [`Self::list_pages`], deduplicating against (and recording into) `seen`.
    pub(crate) fn list_pages_sharing<E: Entity>(
        &self,
        filters: Vec<(&'static str, String)>,
        seen: SharedSeen,
    ) -> impl Stream<Item = Result<Page<E::Record>, ConnectorError>> + Send + '_ {
        stream::try_unfold((Some(1u32), seen), move |(page, seen)| {
            let filters = filters.clone();
            async move {
                let Some(page) = page else { return Ok(None) };
                let mut url = self.url(E::MODULE, E::LIST);
                {
                    let mut query = url.query_pairs_mut();
                    for (k, v) in &filters {
                        query.append_pair(k, v);
                    }
                    query.append_pair("sort", "+Id");
                    query.append_pair("page", &page.to_string());
                    query.append_pair("pageSize", &self.config.page_size.to_string());
                }
                let wire: PageWire = self.get_json(E::LIST_OP, url).await?;
                let next = (wire.has_more && !wire.data.is_empty()).then_some(page + 1);
                let (wires, mut quarantined, duplicates) = {
                    let mut seen = seen.lock().expect("seen versions poisoned");
                    decode::<E>(wire.data, &mut seen)
                };
                let records = convert::<E>(self, wires, &mut quarantined).await?;
                Ok(Some((
                    Page {
                        page,
                        records,
                        quarantined,
                        duplicates,
                    },
                    (next, seen),
                )))
            }
        })
    }

    /// Reads records by id, 50 ids per request (the documented maximum): `pages` walks the
    /// list for the `ids` filter it is given.
    pub(crate) async fn by_ids<T, S>(
        &self,
        ids: &[i64],
        pages: impl Fn(Vec<(&'static str, String)>) -> S,
    ) -> Result<Vec<SourceRecord<T>>, ConnectorError>
    where
        S: Stream<Item = Result<Page<T>, ConnectorError>>,
    {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(50) {
            let joined = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let read: Vec<Page<T>> = pages(vec![("ids", joined)]).try_collect().await?;
            out.extend(read.into_iter().flat_map(|p| p.records));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seen_drops_repeats_and_older_versions_but_admits_newer_ones() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let mut seen = Seen::default();
        assert!(seen.admit(1, t("2025-01-01T00:00:00Z")));
        assert!(!seen.admit(1, t("2025-01-01T00:00:00Z")));
        assert!(!seen.admit(1, t("2024-12-31T00:00:00Z")));
        assert!(seen.admit(1, t("2025-01-01T00:00:00.0000001Z")));
        assert!(seen.admit(2, t("2024-01-01T00:00:00Z")));
    }
}
