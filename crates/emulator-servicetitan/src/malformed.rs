//! Deliberately malformed records, for proving a connector's quarantine end to end.
//!
//! The model cannot hold a non-numeric total or a missing required field, so a malformation is
//! stored beside the record as a JSON merge patch (RFC 7386: members replace, `null` removes)
//! and applied to the record's wire shape every time it is served: in its list, its look-up by
//! id and its export feed. Only records with a malformation pay for the detour through
//! `serde_json::Value`; the rest serialize as they always do.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::state::TenantData;

/// The kinds of record that can be malformed, as the control route names them.
pub(crate) const KINDS: &[&str] = &["invoices", "payments", "customers", "contacts", "locations"];

/// Malformations by kind, then record id.
pub(crate) type Malformations = BTreeMap<String, BTreeMap<i64, Value>>;

/// A record as served: its wire shape, or that shape with its malformation applied.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Served<T> {
    Plain(T),
    Malformed(Value),
}

impl TenantData {
    /// `wire` (the record `id` of `kind`), malformed if a malformation is stored for it.
    pub(crate) fn serve<T: Serialize>(&self, kind: &str, id: i64, wire: T) -> Served<T> {
        let Some(patch) = self.malformed.get(kind).and_then(|m| m.get(&id)) else {
            return Served::Plain(wire);
        };
        match serde_json::to_value(&wire) {
            Ok(mut value) => {
                merge_patch(&mut value, patch);
                Served::Malformed(value)
            }
            Err(_) => Served::Plain(wire),
        }
    }
}

/// Applies an RFC 7386 merge patch.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(fields) = target {
        for (name, value) in members {
            if value.is_null() {
                fields.remove(name);
            } else {
                merge_patch(fields.entry(name.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_merge_patch_replaces_members_removes_nulls_and_recurses() {
        let mut doc = json!({"id": 1, "total": "10.00", "createdOn": "x", "customer": {"id": 2, "name": "A"}});
        merge_patch(
            &mut doc,
            &json!({"total": "ten", "createdOn": null, "customer": {"name": null}, "new": [1]}),
        );
        assert_eq!(
            doc,
            json!({"id": 1, "total": "ten", "customer": {"id": 2}, "new": [1]})
        );
    }
}
