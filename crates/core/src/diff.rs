//! Field-level diff of two versions of a record.
//!
//! The sync planner diffs each side against the stored base snapshot: no changes on a side means
//! "nothing to push from here" (often our own echo), changes are what the merge combines.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::fields::{Flat, ModelError, flatten};
use crate::model::Record;
use crate::path::FieldPath;

/// One field that differs: its path and the canonical JSON value before and after. A whole
/// collection item that was added or removed has `old` or `new` `null` and the item's object on
/// the other side.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Which field.
    pub path: FieldPath,
    /// The value in the first record.
    pub old: Value,
    /// The value in the second record.
    pub new: Value,
}

/// Every field that differs between `old` and `new`, in path order.
///
/// Items of keyed collections are matched by key, never by position: an item present on one
/// side only is a single change at `lines[st:ID]`; an item present on both sides yields one
/// change per differing field (`lines[st:ID].quantity`). Reordering items is not a change.
/// Fails only when a record has two items with the same key.
pub fn diff<R: Record>(old: &R, new: &R) -> Result<Vec<FieldChange>, ModelError> {
    let (old, new) = (flatten(old)?, flatten(new)?);
    Ok(diff_flat(&old, &new))
}

pub(crate) fn diff_flat(old: &Flat, new: &Flat) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let paths: BTreeSet<&FieldPath> = old.fields.keys().chain(new.fields.keys()).collect();
    for path in paths {
        let (a, b) = (old.fields.get(path), new.fields.get(path));
        if a != b {
            changes.push(change(path.clone(), a.cloned(), b.cloned()));
        }
    }
    let items: BTreeSet<&FieldPath> = old.items.keys().chain(new.items.keys()).collect();
    for path in items {
        match (old.items.get(path), new.items.get(path)) {
            (Some(a), Some(b)) => {
                let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
                for name in names {
                    let (x, y) = (a.get(name), b.get(name));
                    if x != y {
                        let field = path.child(name).expect("item field names are valid");
                        changes.push(change(field, x.cloned(), y.cloned()));
                    }
                }
            }
            (a, b) => changes.push(change(
                path.clone(),
                a.cloned().map(Value::Object),
                b.cloned().map(Value::Object),
            )),
        }
    }
    changes.sort_by(|x, y| x.path.cmp(&y.path));
    changes
}

fn change(path: FieldPath, old: Option<Value>, new: Option<Value>) -> FieldChange {
    FieldChange {
        path,
        old: old.unwrap_or(Value::Null),
        new: new.unwrap_or(Value::Null),
    }
}
