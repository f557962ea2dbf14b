//! A lossless JSON tree.
//!
//! `serde_json` is built without `arbitrary_precision` in this workspace, so a number parsed into
//! `serde_json::Value` goes through `f64`. Request bodies and responses carry money, so the
//! emulator never uses `Value` for them: [`Json`] keeps every number as the exact text it was
//! written with. Parsing goes through `RawValue` (each nested value is re-read from its raw
//! slice), writing emits numbers with `RawValue::from_string`, so `145.00` stays `145.00` both
//! ways. Object keys keep their order (Xero's responses list fields in a stable order) and are
//! looked up case-insensitively, as Xero's own JSON binder does.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{MapAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use super::amount::fixed;

/// A JSON value whose numbers are kept as their exact text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number's text exactly as written (`"145.00"`, `"2.0000"`, `"1e3"`).
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

/// The entries of one JSON object, each value still raw.
struct RawEntries(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for RawEntries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntries;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntries, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    out.push((key, map.next_value::<Box<RawValue>>()?));
                }
                Ok(RawEntries(out))
            }
        }
        d.deserialize_map(V)
    }
}

impl Json {
    /// Parses JSON text without ever converting a number to a float.
    pub fn parse(text: &str) -> Result<Json, String> {
        let raw: Box<RawValue> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        Self::from_raw(&raw).map_err(|e| e.to_string())
    }

    fn from_raw(raw: &RawValue) -> Result<Json, serde_json::Error> {
        let text = raw.get().trim();
        Ok(match text.as_bytes().first() {
            Some(b'{') => {
                let RawEntries(entries) = serde_json::from_str(text)?;
                let mut out = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    out.push((key, Self::from_raw(&value)?));
                }
                Json::Obj(out)
            }
            Some(b'[') => {
                let items: Vec<Box<RawValue>> = serde_json::from_str(text)?;
                Json::Arr(
                    items
                        .iter()
                        .map(|v| Self::from_raw(v))
                        .collect::<Result<_, _>>()?,
                )
            }
            Some(b'"') => Json::Str(serde_json::from_str(text)?),
            Some(b't') | Some(b'f') => Json::Bool(serde_json::from_str(text)?),
            Some(b'n') => Json::Null,
            _ => Json::Num(text.to_owned()),
        })
    }

    /// The value of `key` in an object (exact match first, then ASCII case-insensitive).
    pub fn get(&self, key: &str) -> Option<&Json> {
        let Json::Obj(entries) = self else {
            return None;
        };
        entries
            .iter()
            .find(|(k, _)| k == key)
            .or_else(|| entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v)
            .filter(|v| !matches!(v, Json::Null))
    }

    /// Whether an object has `key` with a non-null value.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A string field, trimmed of nothing (Xero keeps what it is sent).
    pub fn str_of(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Json::as_str)
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Arr(items) => Some(items),
            _ => None,
        }
    }

    pub fn bool_of(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Json::Bool(b) => Some(*b),
            Json::Str(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// An exact decimal from a JSON number or a quoted number (some clients quote amounts).
    /// `Ok(None)` when absent, `Err` when present but not a number.
    pub fn decimal_of(&self, key: &str) -> Result<Option<Decimal>, String> {
        match self.get(key) {
            None => Ok(None),
            Some(Json::Num(text)) | Some(Json::Str(text)) => parse_decimal(text)
                .map(Some)
                .ok_or_else(|| format!("{key} must be a number")),
            Some(_) => Err(format!("{key} must be a number")),
        }
    }

    /// The entries of an object (empty for anything else).
    pub fn entries(&self) -> &[(String, Json)] {
        match self {
            Json::Obj(entries) => entries,
            _ => &[],
        }
    }

    /// Sets `key` in an object, replacing an existing entry (case-insensitively).
    pub fn set(&mut self, key: &str, value: Json) {
        if let Json::Obj(entries) = self {
            if let Some(slot) = entries
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
            {
                slot.1 = value;
            } else {
                entries.push((key.to_owned(), value));
            }
        }
    }

    /// A money amount written with exactly `dp` decimal places (`145.00`).
    pub fn amount(value: Decimal, dp: u32) -> Json {
        Json::Num(fixed(value, dp).to_string())
    }

    pub fn str(value: impl Into<String>) -> Json {
        Json::Str(value.into())
    }

    /// Renders compact JSON text.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "null".into())
    }
}

/// Parses decimal text exactly (`"145.00"`, `"-3.5"`, `"1e2"`).
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let text = text.trim();
    Decimal::from_str(text)
        .ok()
        .or_else(|| Decimal::from_scientific(text).ok())
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Str(text) => s.serialize_str(text),
            Json::Num(text) => {
                let raw = RawValue::from_string(text.clone()).map_err(serde::ser::Error::custom)?;
                raw.serialize(s)
            }
            Json::Arr(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Obj(entries) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// Builds a JSON object field by field, skipping absent optional values.
#[derive(Default)]
pub struct Obj(Vec<(String, Json)>);

impl Obj {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn j(mut self, key: &str, value: Json) -> Self {
        self.0.push((key.to_owned(), value));
        self
    }
    pub fn s(self, key: &str, value: impl Into<String>) -> Self {
        self.j(key, Json::Str(value.into()))
    }
    pub fn opt_s(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.s(key, v),
            None => self,
        }
    }
    pub fn b(self, key: &str, value: bool) -> Self {
        self.j(key, Json::Bool(value))
    }
    /// An amount with exactly `dp` decimal places.
    pub fn n(self, key: &str, value: Decimal, dp: u32) -> Self {
        self.j(key, Json::amount(value, dp))
    }
    pub fn int(self, key: &str, value: i64) -> Self {
        self.j(key, Json::Num(value.to_string()))
    }
    pub fn arr(self, key: &str, items: Vec<Json>) -> Self {
        self.j(key, Json::Arr(items))
    }
    pub fn build(self) -> Json {
        Json::Obj(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_text_both_ways() {
        let text = r#"{"A":145.00,"B":[0.1,2.0000,-3],"C":"x","D":null,"E":true,"F":{"g":1e2}}"#;
        let json = Json::parse(text).expect("valid");
        assert_eq!(json.get("a"), Some(&Json::Num("145.00".into())));
        assert_eq!(json.to_text(), text);
        assert_eq!(
            json.get("F").and_then(|f| f.decimal_of("G").ok().flatten()),
            Some(Decimal::from(100))
        );
        assert!(!json.has("D"));
    }

    #[test]
    fn malformed_text_is_refused() {
        assert!(Json::parse("{\"a\":").is_err());
        assert!(Json::parse("{\"a\":1} trailing").is_err());
    }
}
