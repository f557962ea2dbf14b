//! Which records changed since the last look: a snapshot of every notified record's version
//! (SyncToken, deleted, voided), compared with the company on each worker tick.
//!
//! Why a snapshot and not hooks in the write paths: every write (REST, batch, the derived
//! balance updates a payment makes to its invoices) goes through the company's tables, and a
//! new SyncToken there is exactly what CDC reports too, so webhooks and CDC can never disagree.
//! Several writes to one record within a tick become one notification (the latest operation).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::model::{Company, Kind, Record};

/// The operations QuickBooks notifies (legacy names; Merge and Emailed are never produced:
/// the emulator has no merge and sends no e-mail).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
    Void,
}

impl Operation {
    /// The legacy `operation` value.
    pub fn legacy(self) -> &'static str {
        match self {
            Operation::Create => "Create",
            Operation::Update => "Update",
            Operation::Delete => "Delete",
            Operation::Void => "Void",
        }
    }

    /// The verb of a CloudEvents `type` (`qbo.invoice.created.v1`).
    pub fn cloud_event_verb(self) -> &'static str {
        match self {
            Operation::Create => "created",
            Operation::Update => "updated",
            Operation::Delete => "deleted",
            Operation::Void => "voided",
        }
    }
}

/// One data change event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: Kind,
    pub id: String,
    pub operation: Operation,
    /// The record's `MetaData.LastUpdatedTime`.
    pub at: DateTime<Utc>,
}

/// Whether QuickBooks sends webhooks for an entity (fact sheet §10.1: not TaxCode/TaxRate;
/// CompanyInfo is not in the supported list either).
pub(super) fn notified(kind: Kind) -> bool {
    !matches!(kind, Kind::TaxCode | Kind::TaxRate | Kind::CompanyInfo)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Version {
    sync: u64,
    deleted: bool,
    voided: bool,
}

impl Version {
    fn of(record: &Record) -> Self {
        Self {
            sync: record.sync,
            deleted: record.deleted,
            voided: record.voided,
        }
    }
}

/// The versions last seen, per entity and id.
#[derive(Clone, Debug, Default)]
pub(super) struct Seen {
    versions: HashMap<Kind, HashMap<String, Version>>,
}

impl Seen {
    /// Everything in `company` as already seen (no events for it).
    pub(super) fn baseline(company: &Company) -> Self {
        let mut seen = Self::default();
        seen.changes(company);
        seen
    }

    /// What changed since the last call, oldest first.
    pub(super) fn changes(&mut self, company: &Company) -> Vec<Change> {
        let mut out = Vec::new();
        for kind in Kind::ALL.into_iter().filter(|k| notified(*k)) {
            let table = self.versions.entry(kind).or_default();
            for record in company.all(kind) {
                let now = Version::of(record);
                let operation = match table.get(record.id.as_str()) {
                    Some(before) if *before == now => continue,
                    // Created and deleted between two looks: nothing to tell.
                    None if now.deleted => None,
                    None => Some(Operation::Create),
                    Some(before) if now.deleted && !before.deleted => Some(Operation::Delete),
                    Some(before) if now.voided && !before.voided => Some(Operation::Void),
                    Some(_) => Some(Operation::Update),
                };
                table.insert(record.id.clone(), now);
                if let Some(operation) = operation {
                    out.push(Change {
                        kind,
                        id: record.id.clone(),
                        operation,
                        at: record.updated,
                    });
                }
            }
        }
        out.sort_by_key(|c| c.at);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obj;

    #[test]
    fn creates_updates_voids_and_deletes_are_told_once() {
        let t = DateTime::from_timestamp(1_800_000_000, 0).expect("valid");
        let mut co = Company::new("1");
        co.put(Kind::TaxCode, "TAX", obj! {}, t);
        let mut seen = Seen::baseline(&co);
        let id = co.insert_new(Kind::Invoice, obj! {}, t);
        co.insert_new(Kind::TaxRate, obj! {}, t);
        let ops = |seen: &mut Seen, co: &Company| {
            seen.changes(co)
                .into_iter()
                .map(|c| (c.kind, c.id, c.operation))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ops(&mut seen, &co),
            [(Kind::Invoice, id.clone(), Operation::Create)]
        );
        assert!(ops(&mut seen, &co).is_empty());
        co.update(Kind::Invoice, &id, obj! {}, t);
        assert_eq!(
            ops(&mut seen, &co),
            [(Kind::Invoice, id.clone(), Operation::Update)]
        );
        co.update(Kind::Invoice, &id, obj! {}, t);
        assert!(co.modify(Kind::Invoice, &id, |r| r.voided = true));
        assert_eq!(
            ops(&mut seen, &co),
            [(Kind::Invoice, id.clone(), Operation::Void)]
        );
        assert!(co.modify(Kind::Invoice, &id, |r| {
            r.deleted = true;
            r.sync += 1;
        }));
        assert_eq!(
            ops(&mut seen, &co),
            [(Kind::Invoice, id, Operation::Delete)]
        );
    }
}
