//! An exact JSON tree: numbers keep their source text, so an amount never passes through `f64`.
//!
//! QuickBooks entities are open-ended documents (dozens of optional fields per entity, and
//! clients echo back whatever they read), so the emulator stores them as JSON rather than as
//! fixed structs. `serde_json::Value` cannot be used for that: without `arbitrary_precision`
//! every number in it is an `f64`. [`Json`] is the same tree with [`Json::Num`] holding the
//! number's text. Parsing goes through `serde_json::value::RawValue` one level at a time (an
//! object is read as `key -> RawValue`, an array as `[RawValue]`, a scalar by its first byte),
//! and writing emits each number as a `RawValue`, byte for byte.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

mod obj;
pub use obj::Obj;

/// A JSON document whose numbers are kept as text.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Json {
    #[default]
    Null,
    Bool(bool),
    /// The number exactly as written (valid JSON number syntax).
    Num(String),
    Str(String),
    Arr(Vec<Json>),
    Obj(Obj),
}

impl Json {
    /// Parses a JSON document exactly (numbers stay text).
    pub fn parse(text: &[u8]) -> Result<Json, String> {
        let raw: Box<RawValue> = serde_json::from_slice(text).map_err(|e| e.to_string())?;
        Self::from_raw(&raw)
    }

    /// Converts one raw JSON value (and, recursively, its children).
    pub fn from_raw(raw: &RawValue) -> Result<Json, String> {
        let text = raw.get().trim_start();
        let parsed = match text.as_bytes().first() {
            Some(b'{') => {
                let entries: RawEntries = serde_json::from_str(text).map_err(|e| e.to_string())?;
                let mut obj = Obj::new();
                for (key, value) in entries.0 {
                    obj.insert(key, Self::from_raw(&value)?);
                }
                Json::Obj(obj)
            }
            Some(b'[') => {
                let items: Vec<Box<RawValue>> =
                    serde_json::from_str(text).map_err(|e| e.to_string())?;
                Json::Arr(
                    items
                        .iter()
                        .map(|i| Self::from_raw(i))
                        .collect::<Result<_, _>>()?,
                )
            }
            Some(b'"') => Json::Str(serde_json::from_str(text).map_err(|e| e.to_string())?),
            Some(b't') => Json::Bool(true),
            Some(b'f') => Json::Bool(false),
            Some(b'n') => Json::Null,
            Some(_) => Json::Num(text.trim_end().to_owned()),
            None => return Err("empty JSON value".into()),
        };
        Ok(parsed)
    }

    /// An exact number from a decimal (its `Display` text is valid JSON number syntax).
    pub fn num(value: Decimal) -> Json {
        Json::Num(value.to_string())
    }

    pub fn int(value: i64) -> Json {
        Json::Num(value.to_string())
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_obj(&self) -> Option<&Obj> {
        match self {
            Json::Obj(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_obj_mut(&mut self) -> Option<&mut Obj> {
        match self {
            Json::Obj(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_arr(&self) -> Option<&[Json]> {
        match self {
            Json::Arr(a) => Some(a),
            _ => None,
        }
    }

    /// A boolean, also from the strings `"true"`/`"false"` some clients send.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            Json::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Json::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// The exact decimal value of a number, or of a string holding a number.
    pub fn decimal(&self) -> Option<Decimal> {
        match self {
            Json::Num(text) => parse_decimal(text),
            Json::Str(text) => parse_decimal(text.trim()),
            _ => None,
        }
    }

    /// Follows a dotted path, matching keys case-insensitively.
    pub fn path_ci(&self, path: &str) -> Option<&Json> {
        path.split('.')
            .try_fold(self, |node, key| node.as_obj()?.get_ci(key))
    }

    /// Compact JSON text.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("a Json tree always serializes")
    }
}

/// Parses decimal text, including exponent notation (`1e2`) that `Decimal::from_str` refuses.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    Decimal::from_str(text).ok().or_else(|| {
        if text.contains(['e', 'E']) {
            Decimal::from_scientific(text).ok()
        } else {
            None
        }
    })
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Json::Str(s.to_owned())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Self {
        Json::Str(s)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Self {
        Json::Bool(b)
    }
}

impl From<Obj> for Json {
    fn from(o: Obj) -> Self {
        Json::Obj(o)
    }
}

impl From<Vec<Json>> for Json {
    fn from(a: Vec<Json>) -> Self {
        Json::Arr(a)
    }
}

impl From<Decimal> for Json {
    fn from(d: Decimal) -> Self {
        Json::num(d)
    }
}

/// Builds an [`Obj`] from `key => value` pairs.
#[macro_export]
#[doc(hidden)]
macro_rules! obj {
    ($($key:expr => $value:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut o = $crate::json::Obj::new();
        $( o.insert($key, $value); )*
        o
    }};
}

/// A reference (`{"value": id, "name": name}`).
pub fn reference(value: &str, name: Option<&str>) -> Json {
    let mut o = Obj::new();
    o.insert("value", value);
    if let Some(name) = name {
        o.insert("name", name);
    }
    Json::Obj(o)
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Num(text) => {
                let raw = RawValue::from_string(text.clone()).map_err(serde::ser::Error::custom)?;
                raw.serialize(s)
            }
            Json::Str(text) => s.serialize_str(text),
            Json::Arr(items) => items.serialize(s),
            Json::Obj(obj) => obj.serialize(s),
        }
    }
}

impl Serialize for Obj {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        Json::from_raw(&raw).map_err(serde::de::Error::custom)
    }
}

/// An object's entries in document order, values still raw.
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
                let mut entries = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
                    entries.push((k, v));
                }
                Ok(RawEntries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_exact_text_through_a_round_trip() {
        let text =
            r#"{"a":0.1,"b":[1234567.89,0.005,-3],"c":{"d":"x","e":null,"f":true},"g":100055.550}"#;
        let json = Json::parse(text.as_bytes()).expect("valid");
        assert_eq!(json.to_text(), text);
        assert_eq!(
            json.path_ci("G").and_then(Json::decimal),
            Some(Decimal::new(10005555, 2))
        );
        assert_eq!(json.path_ci("c.D").and_then(Json::as_str), Some("x"));
    }

    #[test]
    fn amounts_sent_as_strings_or_exponents_are_read_exactly() {
        let json = Json::parse(br#"{"a":"150.00","b":1.5e2,"c":"abc"}"#).expect("valid");
        let obj = json.as_obj().expect("object");
        assert_eq!(obj.decimal("a"), Ok(Some(Decimal::new(15000, 2))));
        assert_eq!(obj.decimal("b"), Ok(Some(Decimal::new(150, 0))));
        assert!(obj.decimal("c").is_err());
        assert_eq!(obj.decimal("missing"), Ok(None));
    }

    #[test]
    fn invalid_documents_are_refused() {
        assert!(Json::parse(b"{\"a\":").is_err());
        assert!(Json::parse(b"").is_err());
    }
}
