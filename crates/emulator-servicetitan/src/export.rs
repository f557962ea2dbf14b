//! Export feeds (`/export/...`): `{hasMore, continueFrom, data}` in change order.
//!
//! Every change to a record gives it the tenant's next sequence number (see
//! `TenantData::touch`); a feed returns records with a sequence number above the position in
//! `from`, oldest change first, so a record changed again reappears later and none is skipped
//! between pages. `from` is an opaque token from an earlier `continueFrom`, or a date
//! (`2020-01-01`: records modified on or after it), or absent/empty (from the beginning).
//!
//! Changes younger than 15 minutes on the sandbox clock are held back unless
//! `includeRecentChanges=true`. Because sequence numbers follow the clock, the feed simply
//! stops at the first held-back change: nothing behind it can be skipped. Active and inactive
//! records are both returned, without filters.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::model::Stamp;
use crate::query::Query;
use crate::wire::parse_ts;

/// Records per export response. Not documented (§10.6); 250 makes continuation visible with
/// the demo data (about 500 invoices per tenant).
pub(crate) const EXPORT_PAGE_SIZE: usize = 250;
/// "New/updated data becomes visible 15 minutes after change."
pub(crate) const EXPORT_LAG_MINUTES: i64 = 15;

/// `ExportResponse_Of_…`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExportPage<T> {
    pub has_more: bool,
    pub continue_from: String,
    pub data: Vec<T>,
}

fn encode(feed: &str, version: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("st-export/v1/{feed}/{version}"))
}

fn decode(feed: &str, token: &str) -> Option<u64> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token.trim()).ok()?).ok()?;
    let rest = text.strip_prefix("st-export/v1/")?;
    let (name, version) = rest.rsplit_once('/')?;
    (name == feed).then(|| version.parse().ok()).flatten()
}

/// One page of the feed `feed` over `records` (each with its stamp), for the request `q`.
pub(crate) fn page<'a, T>(
    feed: &str,
    q: &Query,
    mut records: Vec<(&'a T, Stamp)>,
    now: DateTime<Utc>,
) -> ApiResult<ExportPage<&'a T>> {
    records.sort_by_key(|(_, s)| s.version);
    let include_recent = q.bool("includeRecentChanges")?.unwrap_or(false);
    let after = match q.get("from") {
        None => 0,
        Some(from) => match decode(feed, from) {
            Some(v) => v,
            None => {
                let date = parse_ts(from).ok_or_else(|| {
                    ApiError::validation(
                        "from",
                        "The value is neither a continuation token of this export nor a date.",
                    )
                })?;
                // The position just before the first change on or after `date`.
                records
                    .iter()
                    .take_while(|(_, s)| s.modified_on < date)
                    .map(|(_, s)| s.version)
                    .last()
                    .unwrap_or(0)
            }
        },
    };
    let cutoff = now - Duration::minutes(EXPORT_LAG_MINUTES);
    let visible = |s: &Stamp| include_recent || s.modified_on <= cutoff;
    let mut pending = records
        .into_iter()
        .filter(|(_, s)| s.version > after)
        .peekable();
    let mut data = Vec::new();
    let mut last = after;
    while data.len() < EXPORT_PAGE_SIZE {
        match pending.peek() {
            Some((_, s)) if visible(s) => {
                let (record, stamp) = pending.next().expect("peeked");
                last = stamp.version;
                data.push(record);
            }
            _ => break,
        }
    }
    let has_more = pending.peek().is_some_and(|(_, s)| visible(s));
    Ok(ExportPage {
        has_more,
        continue_from: encode(feed, last),
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(version: u64, minutes_ago: i64, now: DateTime<Utc>) -> Stamp {
        let at = now - Duration::minutes(minutes_ago);
        Stamp {
            created_on: at,
            modified_on: at,
            version,
        }
    }

    #[test]
    fn tokens_are_bound_to_their_feed() {
        let t = encode("invoices", 42);
        assert_eq!(decode("invoices", &t), Some(42));
        assert_eq!(decode("payments", &t), None);
        assert_eq!(decode("invoices", "2020-01-01"), None);
    }

    #[test]
    fn recent_changes_wait_and_nothing_behind_them_is_skipped() {
        let now = Utc::now();
        let recs = [1, 2, 3];
        let records = vec![
            (&recs[0], stamp(1, 60, now)),
            (&recs[1], stamp(2, 5, now)),
            (&recs[2], stamp(3, 1, now)),
        ];
        let first = page("x", &Query::default(), records.clone(), now).unwrap();
        assert_eq!(first.data, vec![&1]);
        assert!(!first.has_more);
        let q = Query::parse(Some(&format!("from={}", first.continue_from)));
        assert!(page("x", &q, records.clone(), now).unwrap().data.is_empty());
        let later = page("x", &q, records.clone(), now + Duration::minutes(20)).unwrap();
        assert_eq!(later.data, vec![&2, &3]);
        let q = Query::parse(Some(&format!(
            "from={}&includeRecentChanges=true",
            first.continue_from
        )));
        assert_eq!(page("x", &q, records, now).unwrap().data, vec![&2, &3]);
    }

    #[test]
    fn a_date_starts_at_the_first_change_on_or_after_it() {
        let now = Utc::now();
        let recs = [1, 2];
        let records = vec![
            (&recs[0], stamp(1, 3000, now)),
            (&recs[1], stamp(2, 60, now)),
        ];
        let from = (now - Duration::days(1)).format("%Y-%m-%d").to_string();
        let q = Query::parse(Some(&format!("from={from}")));
        assert_eq!(page("x", &q, records.clone(), now).unwrap().data, vec![&2]);
        assert!(page("x", &Query::parse(Some("from=garbage")), records, now).is_err());
    }
}
