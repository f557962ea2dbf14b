//! Reading: change pulls (CDC, falling back to query paging), look-ups, reads by id.
//!
//! **Query paging** walks `MetaData.LastUpdatedTime` upwards in pages of 1000. Plain
//! `STARTPOSITION` offsets skip a record when an earlier one is edited mid-walk (it moves to
//! the end and everything behind it shifts down), so the walk is keyed: each page asks for
//! `LastUpdatedTime >= T` where `T` is the last time seen, starting at the position of the
//! last record seen among those sharing `T` (QuickBooks has no `Id >` filter to break ties).
//! That record is re-read as the first of the page; if it is not there, the group shifted
//! and the walk re-reads from `T`'s start (duplicates are dropped by id + SyncToken).
//!
//! **CDC** answers everything changed since a time in one call, but only 30 days back and at
//! most 1000 objects per entity, with no paging. A pull therefore uses CDC only for a recent
//! cursor, and when an entity's answer holds 1000 objects (possibly truncated) it discards it
//! and walks the same window with query paging instead. Both start `overlap` before the
//! cursor, so equal or skewed timestamps at the edge are read again, not missed. The invoice
//! pull's CDC call also answers the payment pull that follows it when nothing was written in
//! between (`cdc_share.rs`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use futures::Stream;
use ledgerbridge_connector::{ConnectorError, Quarantined, TokenProvider};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::client::{Entity, QuickBooks, fault_error};
use crate::wire::{CdcAnswer, Envelope};

mod cdc_share;
mod lookup;
mod walk;

pub(crate) use cdc_share::CdcShare;
use cdc_share::{CDC_TOGETHER, Shared};

use walk::Walk;

/// A QuickBooks record with its identity and version.
#[derive(Clone, Debug)]
pub struct Remote<T> {
    /// The QuickBooks id.
    pub id: String,
    /// Its version (sent back with every update).
    pub sync_token: String,
    /// When it last changed.
    pub last_updated: Option<DateTime<Utc>>,
    /// The stub of a deleted object (CDC): `record` is then mostly empty.
    pub deleted: bool,
    /// The record.
    pub record: T,
}

/// How a page was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullSource {
    /// Change data capture.
    Cdc,
    /// Query paging by `MetaData.LastUpdatedTime`.
    Query,
}

/// One page of a pull.
#[derive(Clone, Debug)]
pub struct ChangePage<T> {
    /// Records read, without repeats of an id + SyncToken already delivered in this pull.
    pub records: Vec<Remote<T>>,
    /// Records that could not be read (kept with their raw JSON for the ledger).
    pub quarantined: Vec<Quarantined>,
    /// The latest `LastUpdatedTime` delivered so far in this pull (or the starting cursor):
    /// persist it once the records are durable, and pass it to the next pull.
    pub cursor: Option<DateTime<Utc>>,
    /// CDC or query.
    pub source: PullSource,
}

/// Parses one raw record; `Err` quarantines it.
pub(crate) fn parse_record<T: DeserializeOwned>(
    entity: Entity,
    raw: &RawValue,
) -> Result<Remote<T>, Quarantined> {
    let quarantine = |id: Option<&str>, reason: String| {
        Quarantined::new(
            entity.kind(),
            id.and_then(|i| i.parse().ok()),
            format!("QuickBooks {entity} {}: {reason}", id.unwrap_or("?")),
            raw.get(),
        )
    };
    let envelope: Envelope = serde_json::from_str(raw.get())
        .map_err(|e| quarantine(None, format!("unreadable: {e}")))?;
    let id = envelope
        .id
        .clone()
        .ok_or_else(|| quarantine(None, "no Id".to_owned()))?;
    let deleted = envelope.is_deleted();
    let record = if deleted {
        serde_json::from_str(raw.get()).unwrap_or_else(|_| {
            serde_json::from_str("{}").expect("every wire entity reads from an empty object")
        })
    } else {
        serde_json::from_str(raw.get()).map_err(|e| quarantine(Some(&id), e.to_string()))?
    };
    Ok(Remote {
        sync_token: envelope.sync_token.clone().unwrap_or_default(),
        last_updated: envelope.meta.as_ref().and_then(|m| m.last_updated()),
        deleted,
        record,
        id,
    })
}

/// Escapes a string literal for a query: `\` and `'` get a backslash (API facts §4).
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A time as a query or CDC bound (whole seconds, UTC offset).
pub(crate) fn time_bound(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

struct PullState {
    seen: HashSet<(String, String)>,
    cursor: Option<DateTime<Utc>>,
    walk: Option<Walk>,
    /// CDC still to try (only at the start of a recent pull).
    cdc_from: Option<DateTime<Utc>>,
}

impl<A: TokenProvider> QuickBooks<A> {
    /// Changes of `entity` since `cursor` (`None`: everything), as pages. Uses CDC for a
    /// recent cursor and query paging otherwise or when CDC may have truncated (see the
    /// module docs). Each page's `cursor` is what to persist after storing it.
    pub fn pull<T: DeserializeOwned + Send + 'static>(
        &self,
        entity: Entity,
        cursor: Option<DateTime<Utc>>,
    ) -> impl Stream<Item = Result<ChangePage<T>, ConnectorError>> + Send + '_ {
        let overlap = chrono::Duration::from_std(self.config.overlap).unwrap_or_default();
        let max_age = chrono::Duration::from_std(self.config.cdc_max_age).unwrap_or_default();
        let from = cursor.map(|c| c - overlap);
        let recent = from.is_some_and(|f| f > self.config.clock.now() - max_age);
        let state = PullState {
            seen: HashSet::new(),
            cursor,
            walk: (!recent).then(|| Walk::new(entity, from)),
            cdc_from: if recent { from } else { None },
        };
        futures::stream::try_unfold(state, move |mut state| async move {
            if let Some(since) = state.cdc_from.take() {
                match self.cdc_page(entity, since).await {
                    Ok(Some(raw)) => {
                        let page = self.deliver(&mut state, entity, &raw, PullSource::Cdc);
                        return Ok(Some((page, state)));
                    }
                    Ok(None) => {
                        tracing::info!(realm_id = %self.config.realm_id, %entity,
                            "CDC answer may be truncated (1000 objects) or reach past 30 days by QuickBooks' clock; paging with query instead");
                        state.walk = Some(Walk::new(entity, Some(since)));
                    }
                    // A refusal of the window (a 4001, if QuickBooks ever sends one) is paged
                    // with query too; the fallback does not wait for it (see `cdc_page`).
                    Err(ConnectorError::Validation { .. }) => {
                        tracing::warn!(realm_id = %self.config.realm_id, %entity,
                            "CDC refused the window; paging with query instead");
                        state.walk = Some(Walk::new(entity, Some(since)));
                    }
                    Err(e) => return Err(e),
                }
            }
            let Some(walk) = state.walk.as_mut().filter(|w| !w.done) else {
                return Ok(None);
            };
            let raw = self.walk_page(walk).await?;
            let page = self.deliver(&mut state, entity, &raw, PullSource::Query);
            Ok(Some((page, state)))
        })
    }

    /// One CDC call for `entity`; `None` when the answer cannot be trusted to be complete: it
    /// holds the 1000-object maximum, or the window reaches further back than `cdc_max_age` by
    /// QuickBooks' own clock (the envelope's `time`). The 30 days are guidance: QuickBooks has
    /// been recorded answering 200 to an older `changedSince`, so an answer is judged by the
    /// remote's clock rather than by waiting for a refusal that may never come.
    async fn cdc_page(
        &self,
        entity: Entity,
        since: DateTime<Utc>,
    ) -> Result<Option<Vec<Box<RawValue>>>, ConnectorError> {
        let now = self.config.clock.now();
        match self.cdc_share.take(entity, since, now) {
            Shared::Records(records) => return Ok(Some(records)),
            Shared::Untrusted => return Ok(None),
            Shared::Miss => {}
        }
        // Only the first entity's pull (the run pulls books invoices before books payments)
        // asks for all of them, so a section is never kept across runs.
        let entities: Vec<Entity> = if entity == CDC_TOGETHER[0] {
            self.cdc_share.forget();
            CDC_TOGETHER.to_vec()
        } else {
            vec![entity]
        };
        let names: Vec<&str> = entities.iter().map(|e| e.name()).collect();
        let path = self.path(
            "cdc",
            &[
                ("entities", &names.join(",")),
                ("changedSince", &time_bound(since)),
            ],
        );
        let answer: CdcAnswer = self.get_json("cdc", &path).await?;
        if let Some(fault) = answer.fault {
            return Err(fault_error(&fault, 200, None));
        }
        let max_age = chrono::Duration::from_std(self.config.cdc_max_age).unwrap_or_default();
        let remote_now = answer
            .time
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc));
        let too_old = remote_now.is_some_and(|now| since <= now - max_age);
        let mut sections: HashMap<Entity, Vec<Box<RawValue>>> = HashMap::new();
        for mut page in answer.responses.into_iter().flat_map(|r| r.pages) {
            for e in &entities {
                sections.entry(*e).or_default().extend(page.take(e.name()));
            }
        }
        let trusted =
            |records: Vec<Box<RawValue>>| (!too_old && records.len() < 1000).then_some(records);
        for other in entities.iter().filter(|e| **e != entity) {
            let records = sections.remove(other).unwrap_or_default();
            self.cdc_share.keep(*other, since, now, trusted(records));
        }
        Ok(trusted(sections.remove(&entity).unwrap_or_default()))
    }

    /// Parses, de-duplicates and counts a page of raw records.
    fn deliver<T: DeserializeOwned>(
        &self,
        state: &mut PullState,
        entity: Entity,
        raw: &[Box<RawValue>],
        source: PullSource,
    ) -> ChangePage<T> {
        let mut records = Vec::with_capacity(raw.len());
        let mut quarantined = Vec::new();
        for r in raw {
            match parse_record::<T>(entity, r) {
                Ok(rec) => {
                    if !state.seen.insert((rec.id.clone(), rec.sync_token.clone())) {
                        continue;
                    }
                    if let Some(at) = rec.last_updated {
                        state.cursor = Some(state.cursor.map_or(at, |c| c.max(at)));
                    }
                    records.push(rec);
                }
                Err(q) => quarantined.push(q),
            }
        }
        ChangePage {
            records,
            quarantined,
            cursor: state.cursor,
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(quote("O'Brien"), r"'O\'Brien'");
        assert_eq!(quote(r"A\B"), r"'A\\B'");
        assert_eq!(quote("Zoë & Sons 🔧"), "'Zoë & Sons 🔧'");
    }

    #[test]
    fn time_bounds_are_whole_seconds_with_an_offset() {
        let at = DateTime::parse_from_rfc3339("2026-11-01T10:20:30.999Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(time_bound(at), "2026-11-01T10:20:30+00:00");
    }

    #[test]
    fn deleted_stubs_parse_with_an_empty_record_and_bad_records_are_quarantined() {
        let raw = RawValue::from_string(
            r#"{"domain":"QBO","status":"Deleted","Id":"39","MetaData":{"LastUpdatedTime":"2014-12-08T19:36:24-08:00"}}"#.into(),
        )
        .unwrap();
        let stub: Remote<crate::wire::Invoice> = parse_record(Entity::Invoice, &raw).unwrap();
        assert!(stub.deleted && stub.id == "39");
        assert_eq!(
            stub.last_updated.unwrap().to_rfc3339(),
            "2014-12-09T03:36:24+00:00"
        );
        let bad = RawValue::from_string(r#"{"Id":"7","TotalAmt":"lots"}"#.into()).unwrap();
        let q = parse_record::<crate::wire::Invoice>(Entity::Invoice, &bad).unwrap_err();
        assert_eq!(q.id, Some(7));
        assert!(q.reason.contains("Invoice 7"), "{}", q.reason);
    }
}
