//! The three-way merge: base snapshot, ServiceTitan's version, the accounting system's version.
//!
//! Per field, with `b`, `s`, `a` the three values:
//!
//! - `s == a`: take it (both unchanged, or the same change made on both sides: no conflict);
//! - `s == b`: only the accounting side changed it, take `a`;
//! - `a == b`: only ServiceTitan changed it, take `s`;
//! - otherwise both changed it differently: a [`FieldConflict`], and the merged record keeps
//!   `b` there until a policy or a person decides.
//!
//! Collection items follow the same rule as a whole first (so an item removed on one side and
//! untouched on the other is removed). Only when an item exists in all three versions and both
//! sides edited it are its fields merged one by one, so two people editing different fields of
//! one line do not conflict. Structural disagreements (one side removed an item the other
//! edited; both added the same key differently) are one conflict at the item path
//! (`lines[st:ID]`), whose values are whole items or `null`.
//!
//! The rule is symmetric, so the same fields conflict whichever side is called "ours"; only the
//! merged item order has a preference: ServiceTitan's order if it reordered, else the
//! accounting side's.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::fields::{Flat, Item, ModelError, flatten, unflatten};
use crate::model::Record;
use crate::path::FieldPath;

/// A field both sides changed differently, with the three values in canonical JSON (`null`
/// where the field or item is absent). This is the `fields[]` entry of `conflicts list --format
/// json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldConflict {
    /// Which field.
    pub path: FieldPath,
    /// The value at the last sync.
    pub base: Value,
    /// ServiceTitan's value now.
    pub servicetitan: Value,
    /// The accounting system's value now.
    pub accounting: Value,
}

/// What [`merge`] produced: the merged record (with the base value wherever there is a
/// conflict) and the conflicts, in path order.
#[derive(Clone, Debug, PartialEq)]
pub struct MergeOutcome<R> {
    /// Every non-conflicting change of both sides applied to the base.
    pub merged: R,
    /// The fields both sides changed differently.
    pub conflicts: Vec<FieldConflict>,
}

impl<R> MergeOutcome<R> {
    /// Whether the merge settled every field by itself.
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty()
    }
}

/// Merges the two sides' changes since `base` field by field (see the module docs). Fails only
/// when a record has two items with the same key.
pub fn merge<R: Record>(
    base: &R,
    servicetitan: &R,
    accounting: &R,
) -> Result<MergeOutcome<R>, ModelError> {
    let (b, s, a) = (flatten(base)?, flatten(servicetitan)?, flatten(accounting)?);
    let mut merged = Flat::default();
    let mut conflicts = Vec::new();

    let paths: BTreeSet<&FieldPath> = b
        .fields
        .keys()
        .chain(s.fields.keys())
        .chain(a.fields.keys())
        .collect();
    for path in paths {
        let pick = merge_value(
            path,
            b.fields.get(path),
            s.fields.get(path),
            a.fields.get(path),
            &mut conflicts,
        );
        if let Some(value) = pick {
            merged.fields.insert(path.clone(), value.clone());
        }
    }

    let items: BTreeSet<&FieldPath> = b
        .items
        .keys()
        .chain(s.items.keys())
        .chain(a.items.keys())
        .collect();
    for path in items {
        let (bi, si, ai) = (b.items.get(path), s.items.get(path), a.items.get(path));
        let pick = match (bi, si, ai) {
            _ if si == ai => si.cloned(),
            _ if si == bi => ai.cloned(),
            _ if ai == bi => si.cloned(),
            (Some(bi), Some(si), Some(ai)) => Some(merge_item(path, bi, si, ai, &mut conflicts)),
            _ => {
                conflicts.push(FieldConflict {
                    path: path.clone(),
                    base: as_value(bi),
                    servicetitan: as_value(si),
                    accounting: as_value(ai),
                });
                bi.cloned()
            }
        };
        if let Some(item) = pick {
            merged.items.insert(path.clone(), item);
        }
    }

    merged.order = merged_order(&b, &s, &a, &merged);
    conflicts.sort_by(|x, y| x.path.cmp(&y.path));
    Ok(MergeOutcome {
        merged: unflatten(&merged)?,
        conflicts,
    })
}

/// The three-way rule for one value; records a conflict and keeps the base when both changed.
fn merge_value<'v>(
    path: &FieldPath,
    b: Option<&'v Value>,
    s: Option<&'v Value>,
    a: Option<&'v Value>,
    conflicts: &mut Vec<FieldConflict>,
) -> Option<&'v Value> {
    if s == a {
        s
    } else if s == b {
        a
    } else if a == b {
        s
    } else {
        let value = |v: Option<&Value>| v.cloned().unwrap_or(Value::Null);
        conflicts.push(FieldConflict {
            path: path.clone(),
            base: value(b),
            servicetitan: value(s),
            accounting: value(a),
        });
        b
    }
}

fn merge_item(
    path: &FieldPath,
    b: &Item,
    s: &Item,
    a: &Item,
    conflicts: &mut Vec<FieldConflict>,
) -> Item {
    let names: BTreeSet<&String> = b.keys().chain(s.keys()).chain(a.keys()).collect();
    let mut item = Map::new();
    for name in names {
        let field = path.child(name).expect("item field names are valid");
        if let Some(value) = merge_value(&field, b.get(name), s.get(name), a.get(name), conflicts) {
            item.insert(name.clone(), value.clone());
        }
    }
    item
}

fn as_value(item: Option<&Item>) -> Value {
    item.cloned().map_or(Value::Null, Value::Object)
}

/// Item order of the merged record: ServiceTitan's order if it differs from the base, else the
/// accounting side's; then any merged item that order lacks, in the order the other versions
/// list it. Deterministic, and `merged == other side` whenever one side is unchanged.
fn merged_order(
    b: &Flat,
    s: &Flat,
    a: &Flat,
    merged: &Flat,
) -> std::collections::BTreeMap<&'static str, Vec<FieldPath>> {
    let collections: BTreeSet<&'static str> = b
        .order
        .keys()
        .chain(s.order.keys())
        .chain(a.order.keys())
        .copied()
        .collect();
    collections
        .into_iter()
        .map(|collection| {
            let list = |flat: &Flat| flat.order.get(collection).cloned().unwrap_or_default();
            let (lb, ls, la) = (list(b), list(s), list(a));
            let preferred = if ls != lb {
                [&ls, &la, &lb]
            } else {
                [&la, &ls, &lb]
            };
            let mut seen = BTreeSet::new();
            let order = preferred
                .into_iter()
                .flatten()
                .filter(|p| merged.items.contains_key(*p) && seen.insert((*p).clone()))
                .cloned()
                .collect();
            (collection, order)
        })
        .collect()
}
