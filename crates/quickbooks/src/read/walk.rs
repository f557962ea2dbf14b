//! The keyed query walk (see the [module docs](super)).

use chrono::{DateTime, Utc};
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use serde_json::value::RawValue;

use super::{quote, time_bound};
use crate::client::{Entity, QuickBooks};
use crate::wire::{Envelope, parse_time};

/// Where a keyed query walk stands.
pub(super) struct Walk {
    pub(super) entity: Entity,
    /// `LastUpdatedTime >=` this (QuickBooks' own text of the last time seen, or the start).
    lower: Option<String>,
    lower_at: Option<DateTime<Utc>>,
    /// Records at `lower_at` already delivered (the anchor is the last of them).
    at_lower: u64,
    anchor: Option<String>,
    restarts: u32,
    pub(super) done: bool,
}

impl Walk {
    pub(super) fn new(entity: Entity, from: Option<DateTime<Utc>>) -> Self {
        Self {
            entity,
            lower: from.map(time_bound),
            lower_at: from,
            at_lower: 0,
            anchor: None,
            restarts: 0,
            done: false,
        }
    }

    /// Moves the lower bound to the last record of `rows` and counts the records sharing it.
    fn advance(&mut self, rows: &[Box<RawValue>], last_page: bool) {
        self.done = last_page;
        let envelopes: Vec<Envelope> = rows
            .iter()
            .filter_map(|r| serde_json::from_str(r.get()).ok())
            .collect();
        let Some(last) = envelopes.last() else {
            self.done = true;
            return;
        };
        let Some(text) = last.meta.as_ref().and_then(|m| m.last_updated_time.clone()) else {
            self.done = true;
            return;
        };
        let at = parse_time(&text);
        let same = envelopes
            .iter()
            .filter(|e| e.meta.as_ref().and_then(|m| m.last_updated()) == at)
            .count() as u64;
        if at.is_some() && at == self.lower_at {
            self.at_lower += same;
        } else {
            self.lower = Some(text);
            self.lower_at = at;
            self.at_lower = same;
        }
        self.anchor = last.id.clone();
    }
}

impl<A: TokenProvider> QuickBooks<A> {
    /// The next page of a keyed walk (see the module docs).
    pub(super) async fn walk_page(
        &self,
        walk: &mut Walk,
    ) -> Result<Vec<Box<RawValue>>, ConnectorError> {
        let page_size = u64::from(self.config.page_size);
        loop {
            let start = if walk.anchor.is_some() {
                walk.at_lower.max(1)
            } else {
                1
            };
            let filter = walk
                .lower
                .as_deref()
                .map(|t| format!(" WHERE MetaData.LastUpdatedTime >= {}", quote(t)))
                .unwrap_or_default();
            let statement = format!(
                "SELECT * FROM {}{filter} ORDERBY MetaData.LastUpdatedTime STARTPOSITION {start} MAXRESULTS {page_size}",
                walk.entity.name()
            );
            let mut rows = self.query(&statement).await?.take(walk.entity.name());
            let fetched = rows.len() as u64;
            if let Some(anchor) = walk.anchor.as_deref() {
                let first = rows
                    .first()
                    .and_then(|r| serde_json::from_str::<Envelope>(r.get()).ok())
                    .and_then(|e| e.id);
                if first.as_deref() != Some(anchor) {
                    // The records sharing the anchor's time shifted (one was edited): read the
                    // group again from its start; what was delivered is dropped as a repeat.
                    walk.restarts += 1;
                    if walk.restarts > 5 {
                        return Err(ConnectorError::Transient {
                            reason: format!("{} changed too fast to page through", walk.entity),
                            problem: None,
                            source: None,
                        });
                    }
                    walk.anchor = None;
                    walk.at_lower = 0;
                    continue;
                }
                rows.remove(0);
            }
            walk.advance(&rows, fetched < page_size);
            return Ok(rows);
        }
    }
}
