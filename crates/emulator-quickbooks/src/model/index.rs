//! Indexes over the live records, kept by [`super::Company`] on every write, so the derived
//! fields a write recomputes (a customer's balance, a target's applied payments) and the checks
//! it makes (DocNumber uniqueness, the next DocNumber, name uniqueness) cost what the write
//! touches, not a scan of the whole company: a 10k backfill otherwise spends its time here.
//!
//! Only live (not deleted) records are indexed, as the scans they replace read `live()`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::names::name_field;
use super::payment::line_targets;
use super::{IdKey, Kind, Record};

/// The indexes (see the module doc).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Indexes {
    /// Transactions by (kind, `CustomerRef`).
    by_customer: HashMap<(Kind, String), BTreeSet<IdKey>>,
    /// Payments by the (kind, id) one of their lines links to.
    payments_by_target: HashMap<(Kind, String), BTreeSet<IdKey>>,
    /// Sales forms by `DocNumber`.
    by_doc_number: HashMap<String, BTreeSet<(Kind, IdKey)>>,
    /// How many sales forms carry each numeric `DocNumber` (its maximum is the sequence).
    numeric_doc_numbers: BTreeMap<u64, usize>,
    /// Records by (kind, trimmed lower-case name), for the kinds that have a name.
    by_name: HashMap<(Kind, String), BTreeSet<IdKey>>,
}

/// The index keys one record contributes.
struct Keys {
    customer: Option<(Kind, String)>,
    targets: Vec<(Kind, String)>,
    doc_number: Option<String>,
    name: Option<(Kind, String)>,
}

/// The normalised form names are compared in (QuickBooks: case-insensitive, trimmed).
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

fn keys(kind: Kind, record: &Record) -> Keys {
    let body = &record.body;
    let customer = kind
        .is_txn()
        .then(|| body.ref_value("CustomerRef"))
        .flatten()
        .map(|c| (kind, c.to_owned()));
    let targets = if kind == Kind::Payment {
        line_targets(body).into_iter().map(|(t, _)| t).collect()
    } else {
        Vec::new()
    };
    let doc_number = kind
        .is_sales_form()
        .then(|| body.str("DocNumber"))
        .flatten()
        .map(str::to_owned);
    let name = (!kind.is_txn())
        .then(|| body.str(name_field(kind)))
        .flatten()
        .map(|n| (kind, name_key(n)));
    Keys {
        customer,
        targets,
        doc_number,
        name,
    }
}

fn add<K: std::hash::Hash + Eq, V: Ord>(map: &mut HashMap<K, BTreeSet<V>>, key: K, value: V) {
    map.entry(key).or_default().insert(value);
}

fn remove<K: std::hash::Hash + Eq, V: Ord>(map: &mut HashMap<K, BTreeSet<V>>, key: K, value: &V) {
    if let Some(set) = map.get_mut(&key) {
        set.remove(value);
        if set.is_empty() {
            map.remove(&key);
        }
    }
}

impl Indexes {
    /// Adds a record (no-op for a tombstone).
    pub fn insert(&mut self, kind: Kind, record: &Record) {
        if record.deleted {
            return;
        }
        let id = IdKey(record.id.clone());
        let keys = keys(kind, record);
        if let Some(key) = keys.customer {
            add(&mut self.by_customer, key, id.clone());
        }
        for target in keys.targets {
            add(&mut self.payments_by_target, target, id.clone());
        }
        if let Some(number) = keys.doc_number {
            if let Ok(n) = number.parse::<u64>() {
                *self.numeric_doc_numbers.entry(n).or_default() += 1;
            }
            add(&mut self.by_doc_number, number, (kind, id.clone()));
        }
        if let Some(key) = keys.name {
            add(&mut self.by_name, key, id);
        }
    }

    /// Removes a record as it was indexed (no-op for a tombstone).
    pub fn remove(&mut self, kind: Kind, record: &Record) {
        if record.deleted {
            return;
        }
        let id = IdKey(record.id.clone());
        let keys = keys(kind, record);
        if let Some(key) = keys.customer {
            remove(&mut self.by_customer, key, &id);
        }
        for target in keys.targets {
            remove(&mut self.payments_by_target, target, &id);
        }
        if let Some(number) = keys.doc_number {
            if let Ok(n) = number.parse::<u64>()
                && let Some(count) = self.numeric_doc_numbers.get_mut(&n)
            {
                *count -= 1;
                if *count == 0 {
                    self.numeric_doc_numbers.remove(&n);
                }
            }
            remove(&mut self.by_doc_number, number, &(kind, id.clone()));
        }
        if let Some(key) = keys.name {
            remove(&mut self.by_name, key, &id);
        }
    }

    /// Ids of live transactions of `kind` for a customer, in id order.
    pub fn of_customer(&self, kind: Kind, customer: &str) -> impl Iterator<Item = &IdKey> {
        self.by_customer
            .get(&(kind, customer.to_owned()))
            .into_iter()
            .flatten()
    }

    /// Ids of live payments with a line linked to (kind, id), in id order.
    pub fn payments_to(&self, kind: Kind, id: &str) -> impl Iterator<Item = &IdKey> {
        self.payments_by_target
            .get(&(kind, id.to_owned()))
            .into_iter()
            .flatten()
    }

    /// Live sales forms of `kind` with this DocNumber, in id order.
    pub fn with_doc_number(&self, kind: Kind, number: &str) -> impl Iterator<Item = &IdKey> {
        self.by_doc_number
            .get(number)
            .into_iter()
            .flatten()
            .filter(move |(k, _)| *k == kind)
            .map(|(_, id)| id)
    }

    /// The highest numeric DocNumber of a live sales form.
    pub fn max_doc_number(&self) -> Option<u64> {
        self.numeric_doc_numbers.keys().next_back().copied()
    }

    /// Live records of `kind` with this name (compared by [`name_key`]), in id order.
    pub fn named(&self, kind: Kind, name: &str) -> impl Iterator<Item = &IdKey> {
        self.by_name
            .get(&(kind, name_key(name)))
            .into_iter()
            .flatten()
    }
}
