//! A record taken apart into paths and canonical JSON values, and put back together.
//!
//! Diff, merge and policy settlement all work on this form, so they are written once for every
//! [`Record`]. The values are the record's own serde JSON (money as exact strings), which is
//! also what conflicts show and what the ledger stores.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::ids::SourceRef;
use crate::model::Record;
use crate::path::{FieldPath, Segment};

/// Why a record could not be taken apart, or a change could not be put into it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// Two items of one collection share a key, so items cannot be matched by key. The record
    /// is malformed: block it with this reason.
    #[error("two items share the path {path}")]
    DuplicateKey {
        /// The shared item path, e.g. `lines[st:4521]`.
        path: FieldPath,
    },
    /// The path names no field of this kind of record (e.g. a resolution from a stale form).
    #[error("{path} is not a field of a {entity} record")]
    UnknownPath {
        /// The path given.
        path: FieldPath,
        /// The record kind it was applied to.
        entity: &'static str,
    },
    /// A value does not fit the field it was put into (wrong type, invalid money).
    #[error("the values do not form a valid {entity} record: {reason}")]
    InvalidValue {
        /// The record kind.
        entity: &'static str,
        /// serde's explanation.
        reason: String,
    },
}

/// One collection item: its fields (including the key field) in canonical JSON.
pub(crate) type Item = Map<String, Value>;

/// A record as paths and values.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Flat {
    /// The record's own fields and its nested structs' fields.
    pub(crate) fields: BTreeMap<FieldPath, Value>,
    /// Collection items by item path (`lines[st:4521]`).
    pub(crate) items: BTreeMap<FieldPath, Item>,
    /// Each collection's item paths in the record's order, to rebuild it in that order.
    pub(crate) order: BTreeMap<&'static str, Vec<FieldPath>>,
}

fn path_of(segments: Vec<Segment>) -> FieldPath {
    FieldPath::new(segments).expect("at least one segment")
}

fn field_segment(name: &str) -> Segment {
    // Names come from serde field names of our own structs, which are snake_case.
    Segment::field(name).expect("record field names are valid path names")
}

fn invalid<R: Record>(reason: impl ToString) -> ModelError {
    ModelError::InvalidValue {
        entity: R::ROOT,
        reason: reason.to_string(),
    }
}

fn collection<R: Record>(name: &str) -> Option<(&'static str, &'static str)> {
    R::COLLECTIONS.iter().copied().find(|(c, _)| *c == name)
}

/// Takes `record` apart.
pub(crate) fn flatten<R: Record>(record: &R) -> Result<Flat, ModelError> {
    let Value::Object(object) = serde_json::to_value(record).map_err(invalid::<R>)? else {
        return Err(invalid::<R>("a record serializes to a JSON object"));
    };
    let root = field_segment(R::ROOT);
    let mut flat = Flat::default();
    for (name, value) in object {
        if let Some((collection, key_field)) = collection::<R>(&name) {
            let order = flat.order.entry(collection).or_default();
            for item in value.as_array().into_iter().flatten() {
                let item = item.as_object().cloned().unwrap_or_default();
                let key: SourceRef = item
                    .get(key_field)
                    .and_then(Value::as_str)
                    .and_then(|text| text.parse().ok())
                    .ok_or_else(|| invalid::<R>(format!("an item of {name} has no valid key")))?;
                let segment = Segment::item(collection, key).expect("collection names are valid");
                let path = path_of(vec![segment]);
                if flat.items.insert(path.clone(), item).is_some() {
                    return Err(ModelError::DuplicateKey { path });
                }
                order.push(path);
            }
        } else if let (true, Value::Object(inner)) = (R::NESTED.contains(&name.as_str()), &value) {
            for (sub, v) in inner {
                let path = path_of(vec![root.clone(), field_segment(&name), field_segment(sub)]);
                flat.fields.insert(path, v.clone());
            }
        } else {
            flat.fields
                .insert(path_of(vec![root.clone(), field_segment(&name)]), value);
        }
    }
    Ok(flat)
}

/// Puts a record back together; fails only when values do not fit their fields.
pub(crate) fn unflatten<R: Record>(flat: &Flat) -> Result<R, ModelError> {
    let mut object = Map::new();
    for (path, value) in &flat.fields {
        match path.segments() {
            [_, field] => {
                object.insert(field.name().to_owned(), value.clone());
            }
            [_, outer, inner] => {
                let slot = object
                    .entry(outer.name().to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = slot {
                    map.insert(inner.name().to_owned(), value.clone());
                }
            }
            _ => return Err(invalid::<R>(format!("{path} is not a record field"))),
        }
    }
    for (collection, _) in R::COLLECTIONS {
        let items = flat.order.get(collection).into_iter().flatten();
        let items = items
            .filter_map(|path| flat.items.get(path))
            .cloned()
            .map(Value::Object);
        object.insert((*collection).to_owned(), Value::Array(items.collect()));
    }
    serde_json::from_value(Value::Object(object)).map_err(invalid::<R>)
}

/// Reads the value at `path`: a field, a whole item (`null` when absent), or an item's field.
pub(crate) fn get<R: Record>(flat: &Flat, path: &FieldPath) -> Result<Value, ModelError> {
    let unknown = || ModelError::UnknownPath {
        path: path.clone(),
        entity: R::ROOT,
    };
    if let Some(value) = flat.fields.get(path) {
        return Ok(value.clone());
    }
    match path.segments() {
        [item] if item.key().is_some() && collection::<R>(item.name()).is_some() => Ok(flat
            .items
            .get(path)
            .cloned()
            .map_or(Value::Null, Value::Object)),
        [item, field] => {
            let item_path = path_of(vec![item.clone()]);
            let found = flat.items.get(&item_path).and_then(|i| i.get(field.name()));
            found.cloned().ok_or_else(unknown)
        }
        _ => Err(unknown()),
    }
}

/// Writes `value` at `path`. A whole item set to `null` is removed; a new item is appended to
/// its collection. Refuses paths this record kind does not have.
pub(crate) fn set<R: Record>(
    flat: &mut Flat,
    path: &FieldPath,
    value: Value,
) -> Result<(), ModelError> {
    let unknown = || ModelError::UnknownPath {
        path: path.clone(),
        entity: R::ROOT,
    };
    if let Some(slot) = flat.fields.get_mut(path) {
        *slot = value;
        return Ok(());
    }
    match path.segments() {
        [item] => {
            let (collection, key_field) = item
                .key()
                .and_then(|_| collection::<R>(item.name()))
                .ok_or_else(unknown)?;
            let order = flat.order.entry(collection).or_default();
            match value {
                Value::Null => {
                    flat.items.remove(path);
                    order.retain(|p| p != path);
                }
                Value::Object(mut object) => {
                    let key = item.key().map(ToString::to_string).unwrap_or_default();
                    object.insert(key_field.to_owned(), Value::String(key));
                    if flat.items.insert(path.clone(), object).is_none() {
                        order.push(path.clone());
                    }
                }
                other => {
                    return Err(invalid::<R>(format!(
                        "{path} must be an object or null, not {other}"
                    )));
                }
            }
            Ok(())
        }
        [item, field] => {
            // The key field is the item's identity, not an editable value.
            let is_key = collection::<R>(item.name()).is_some_and(|(_, k)| k == field.name());
            if is_key {
                return Err(unknown());
            }
            let item_path = path_of(vec![item.clone()]);
            let slot = flat
                .items
                .get_mut(&item_path)
                .and_then(|i| i.get_mut(field.name()));
            *slot.ok_or_else(unknown)? = value;
            Ok(())
        }
        _ => Err(unknown()),
    }
}

/// The canonical JSON value of one field of `record` (`null` for an absent item).
pub fn field_value<R: Record>(record: &R, path: &FieldPath) -> Result<Value, ModelError> {
    get::<R>(&flatten(record)?, path)
}

/// `record` with the given fields replaced, e.g. the values a person picked when resolving a
/// conflict. A whole item (`lines[st:1]`) set to `null` is removed, set to an object is added
/// or replaced. Fails on a path the record does not have or a value that does not fit.
pub fn with_values<R: Record>(
    record: &R,
    values: impl IntoIterator<Item = (FieldPath, Value)>,
) -> Result<R, ModelError> {
    let mut flat = flatten(record)?;
    for (path, value) in values {
        set::<R>(&mut flat, &path, value)?;
    }
    unflatten(&flat)
}
