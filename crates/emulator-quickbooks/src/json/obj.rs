//! [`Obj`]: a JSON object that keeps its keys in insertion order.

use rust_decimal::Decimal;

use super::Json;

/// A JSON object that keeps its keys in insertion order (QuickBooks documents read better in
/// their natural order: `Id`, `SyncToken`, `MetaData`, ...).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Obj(pub(super) Vec<(String, Json)>);

impl Obj {
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// The value under exactly `key`.
    pub fn get(&self, key: &str) -> Option<&Json> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Json> {
        self.0.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value whose key equals `key` ignoring ASCII case (query paths such as
    /// `Metadata.LastUpdatedTime` are case-insensitive).
    pub fn get_ci(&self, key: &str) -> Option<&Json> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// Sets `key`, replacing an existing value in place (keeps the key's position).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Json>) {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Json> {
        let pos = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(pos).1)
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Json)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A string field, if present and a string.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Json::as_str)
    }

    /// The `value` of a reference field (`{"value": "12", "name": ".."}`).
    pub fn ref_value(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(Json::as_obj)
            .and_then(|r| r.str("value"))
    }

    /// A child object, if present and an object.
    pub fn obj(&self, key: &str) -> Option<&Obj> {
        self.get(key).and_then(Json::as_obj)
    }

    /// A child object, created empty when missing or not an object.
    pub fn obj_mut(&mut self, key: &str) -> &mut Obj {
        if !matches!(self.get(key), Some(Json::Obj(_))) {
            self.insert(key, Json::Obj(Obj::new()));
        }
        match self.get_mut(key) {
            Some(Json::Obj(o)) => o,
            _ => unreachable!("inserted an object above"),
        }
    }

    /// An array field (empty when missing).
    pub fn arr(&self, key: &str) -> &[Json] {
        self.get(key).and_then(Json::as_arr).unwrap_or(&[])
    }

    /// A boolean field.
    pub fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Json::as_bool)
    }

    /// A decimal field: `Ok(None)` when absent or null, an error when present but not a number
    /// (or a numeric string, which some clients send for amounts).
    pub fn decimal(&self, key: &str) -> Result<Option<Decimal>, String> {
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(v) => v
                .decimal()
                .map(Some)
                .ok_or_else(|| format!("{key} is not a number")),
        }
    }
}

impl FromIterator<(String, Json)> for Obj {
    fn from_iter<T: IntoIterator<Item = (String, Json)>>(iter: T) -> Self {
        let mut obj = Obj::new();
        for (k, v) in iter {
            obj.insert(k, v);
        }
        obj
    }
}
