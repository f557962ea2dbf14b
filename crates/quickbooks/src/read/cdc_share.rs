//! One CDC call for every entity the target pulls (issue 25's idle-run budget: one CDC call
//! per run, not one per entity). The pull of the first of [`CDC_TOGETHER`] (invoices, which a
//! run pulls before payments) asks for all of them; the other sections are kept here and
//! answer those entities' own pulls when their window starts no earlier than the kept one,
//! filtered to that window. What such a pull delivers is what its own CDC call would have
//! answered then. Any request but a GET (a write, a batch, a query) forgets every kept
//! section, so a run that wrote anything pulls payments with their own call, exactly as
//! before, and the first pull of the next run starts afresh: sharing changes nothing but the
//! count of an idle run.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use serde_json::value::RawValue;

use crate::client::Entity;
use crate::wire::Envelope;

/// The entities the target pulls through CDC, asked for together.
pub(crate) const CDC_TOGETHER: [Entity; 2] = [Entity::Invoice, Entity::Payment];

/// How long a kept section may answer a pull (by the connector's clock): a run's pulls follow
/// each other within seconds; an older section is left for a fresh call.
const KEPT_FOR: Duration = Duration::minutes(10);

/// A CDC section kept for its entity's pull.
#[derive(Debug)]
struct Kept {
    /// The `changedSince` it was asked with.
    since: DateTime<Utc>,
    /// When (connector clock) it was answered.
    fetched: DateTime<Utc>,
    /// Its records; `None` when the answer could not be trusted to be complete.
    records: Option<Vec<Box<RawValue>>>,
}

/// CDC sections kept for the pulls of the other entities of [`CDC_TOGETHER`].
#[derive(Debug, Default)]
pub(crate) struct CdcShare(Mutex<HashMap<Entity, Kept>>);

/// What a kept section answers for a pull.
pub(crate) enum Shared {
    /// Nothing usable kept: make the call.
    Miss,
    /// The section is complete: these records (those changed since the pull's window start).
    Records(Vec<Box<RawValue>>),
    /// The section may be truncated: page with query instead.
    Untrusted,
}

impl CdcShare {
    /// Keeps a section answered at `fetched` for `entity`'s next pull.
    pub(crate) fn keep(
        &self,
        entity: Entity,
        since: DateTime<Utc>,
        fetched: DateTime<Utc>,
        records: Option<Vec<Box<RawValue>>>,
    ) {
        let kept = Kept {
            since,
            fetched,
            records,
        };
        self.0.lock().expect("cdc share").insert(entity, kept);
    }

    /// Forgets every kept section (see the module docs).
    pub(crate) fn forget(&self) {
        self.0.lock().expect("cdc share").clear();
    }

    /// Takes `entity`'s kept section (it answers one pull only) for a window from `since`.
    pub(crate) fn take(&self, entity: Entity, since: DateTime<Utc>, now: DateTime<Utc>) -> Shared {
        let Some(kept) = self.0.lock().expect("cdc share").remove(&entity) else {
            return Shared::Miss;
        };
        if kept.since > since || now - kept.fetched > KEPT_FOR || kept.fetched > now {
            return Shared::Miss;
        }
        match kept.records {
            None => Shared::Untrusted,
            Some(records) => Shared::Records(
                records
                    .into_iter()
                    .filter(|r| changed_since(r, since))
                    .collect(),
            ),
        }
    }
}

/// Whether a CDC record changed at or after `since` (QuickBooks' CDC bound); a record whose
/// time cannot be read is kept (the parse quarantines it as its own call would have).
fn changed_since(raw: &RawValue, since: DateTime<Utc>) -> bool {
    serde_json::from_str::<Envelope>(raw.get())
        .ok()
        .and_then(|e| e.meta.and_then(|m| m.last_updated()))
        .is_none_or(|at| at >= since)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(id: &str, at: &str) -> Box<RawValue> {
        let text =
            format!(r#"{{"Id":"{id}","SyncToken":"0","MetaData":{{"LastUpdatedTime":"{at}"}}}}"#);
        RawValue::from_string(text).expect("json")
    }

    fn t(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn ids(shared: Shared) -> Option<Vec<String>> {
        match shared {
            Shared::Records(records) => Some(
                records
                    .iter()
                    .map(|r| {
                        serde_json::from_str::<Envelope>(r.get())
                            .expect("env")
                            .id
                            .expect("id")
                    })
                    .collect(),
            ),
            Shared::Miss | Shared::Untrusted => None,
        }
    }

    #[test]
    fn a_kept_section_answers_one_later_window_only_filtered_to_it() {
        let share = CdcShare::default();
        let now = t("2026-03-10T12:00:00Z");
        let records = vec![
            raw("1", "2026-03-10T10:00:00Z"),
            raw("2", "2026-03-10T11:00:00Z"),
        ];
        share.keep(
            Entity::Payment,
            t("2026-03-10T09:00:00Z"),
            now,
            Some(records),
        );
        let got = ids(share.take(Entity::Payment, t("2026-03-10T10:30:00Z"), now));
        assert_eq!(got, Some(vec!["2".to_owned()]));
        // Taken: the next pull calls again.
        assert!(matches!(
            share.take(Entity::Payment, t("2026-03-10T10:30:00Z"), now),
            Shared::Miss
        ));
    }

    #[test]
    fn an_earlier_window_a_stale_section_or_another_entity_call_again() {
        let share = CdcShare::default();
        let now = t("2026-03-10T12:00:00Z");
        share.keep(
            Entity::Payment,
            t("2026-03-10T09:00:00Z"),
            now,
            Some(vec![]),
        );
        assert!(matches!(
            share.take(Entity::Invoice, t("2026-03-10T09:00:00Z"), now),
            Shared::Miss
        ));
        assert!(matches!(
            share.take(Entity::Payment, t("2026-03-10T08:00:00Z"), now),
            Shared::Miss
        ));
        share.keep(
            Entity::Payment,
            t("2026-03-10T09:00:00Z"),
            now,
            Some(vec![]),
        );
        let later = now + Duration::minutes(11);
        assert!(matches!(
            share.take(Entity::Payment, t("2026-03-10T09:00:00Z"), later),
            Shared::Miss
        ));
        share.keep(Entity::Payment, t("2026-03-10T09:00:00Z"), now, None);
        assert!(matches!(
            share.take(Entity::Payment, t("2026-03-10T09:30:00Z"), now),
            Shared::Untrusted
        ));
    }
}
