//! Field paths: how diffs, conflicts, resolutions and policies name a field of a record.
//!
//! # Grammar
//!
//! ```text
//! path     = segment *( "." segment )
//! segment  = name [ "[" key "]" ]
//! name     = lower *( lower / digit / "_" )          ; lower = a-z
//! key      = "st:" id-number / "acct:" id-text
//! id-number = "0" / nonzero-digit *digit             ; a ServiceTitan id, fits i64
//! id-text   = 1*64( ALPHA / digit / "-" / "_" / "." ) ; an accounting-side id
//! ```
//!
//! A record's own fields start with the record's name; nested struct fields add a segment;
//! items of a keyed collection start with the collection's name and the item's key, never with
//! a position:
//!
//! | path | meaning |
//! | --- | --- |
//! | `invoice.due_date` | a field of the invoice |
//! | `customer.billing_address.city` | a field of a nested struct |
//! | `lines[st:4521]` | the whole line with ServiceTitan item id 4521 (added or removed) |
//! | `lines[st:4521].quantity` | one field of that line |
//! | `lines[acct:7]` | a line that only exists on the accounting side (its id there is 7) |
//! | `tax_lines[st:11].amount` | one component of the sales tax |
//! | `allocations[st:1679].amount` | the part of a payment applied to invoice 1679 |
//!
//! Text is parsed strictly (no spaces, no leading zeros, lower-case names), so every path has
//! exactly one spelling and `path.to_string().parse() == Ok(path)`.
//!
//! # Patterns
//!
//! Policy overrides name fields with a [`PathPattern`]: the same grammar, plus `*` as a key
//! (`lines[*].description`). A pattern matches a path when its segments match the path's first
//! segments, so `customer.billing_address` covers every address field and `lines[*]` every
//! line field. When several patterns match, the one with more segments wins, then the one with
//! more exact keys.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::SourceRef;

mod pattern;

pub use pattern::PathPattern;

/// Why a path or pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid field path {text:?}: {reason}")]
pub struct PathError {
    /// The text that was parsed.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// One step of a path: a field name, and for a collection item, its key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Segment {
    name: String,
    key: Option<SourceRef>,
}

impl Segment {
    /// A field segment (`due_date`).
    pub fn field(name: &str) -> Result<Self, PathError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key: None,
        })
    }

    /// A collection item segment (`lines[st:4521]`).
    pub fn item(name: &str, key: SourceRef) -> Result<Self, PathError> {
        check_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            key: Some(key),
        })
    }

    /// The field or collection name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The item key, for a collection item.
    pub fn key(&self) -> Option<&SourceRef> {
        self.key.as_ref()
    }
}

/// A path to one field (or one whole collection item) of a canonical record.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

impl FieldPath {
    /// A path from its segments; `None` when there are none.
    pub fn new(segments: Vec<Segment>) -> Option<Self> {
        (!segments.is_empty()).then_some(Self { segments })
    }

    /// Parses the text form (see the module docs for the grammar).
    pub fn parse(text: &str) -> Result<Self, PathError> {
        let segments = split_segments(text)?
            .into_iter()
            .map(|(name, key)| {
                let key = key.map(|k| k.parse::<SourceRef>().map_err(|_| error(text, "bad key")));
                Ok(Segment {
                    name: name.to_owned(),
                    key: key.transpose()?,
                })
            })
            .collect::<Result<_, PathError>>()?;
        Ok(Self { segments })
    }

    /// The segments, first to last.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// This path with one more field segment (`lines[st:1]` -> `lines[st:1].quantity`).
    pub fn child(&self, name: &str) -> Result<Self, PathError> {
        let mut segments = self.segments.clone();
        segments.push(Segment::field(name)?);
        Ok(Self { segments })
    }

    /// Whether `self` is `other` or a field inside it (`lines[st:1].quantity` is within
    /// `lines[st:1]`).
    pub fn starts_with(&self, other: &FieldPath) -> bool {
        self.segments.starts_with(&other.segments)
    }
}

fn error(text: &str, reason: &'static str) -> PathError {
    PathError {
        text: text.to_owned(),
        reason,
    }
}

fn check_name(name: &str) -> Result<(), PathError> {
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_lowercase());
    if first_ok && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
        Ok(())
    } else {
        Err(error(name, "a name is a-z followed by a-z, 0-9 or _"))
    }
}

/// Splits `a.b[k].c` into `[("a", None), ("b", Some("k")), ("c", None)]`, checking names and
/// brackets but not keys. Dots inside brackets belong to the key (`acct:` ids may contain dots).
fn split_segments(text: &str) -> Result<Vec<(&str, Option<&str>)>, PathError> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..end];
        check_name(name).map_err(|_| error(text, "a name is a-z followed by a-z, 0-9 or _"))?;
        rest = &rest[end..];
        let key = match rest.strip_prefix('[') {
            Some(after) => {
                let close = after.find(']').ok_or_else(|| error(text, "unclosed ["))?;
                rest = &after[close + 1..];
                Some(&after[..close])
            }
            None => None,
        };
        out.push((name, key));
        if rest.is_empty() {
            return Ok(out);
        }
        rest = rest
            .strip_prefix('.')
            .ok_or_else(|| error(text, "expected . between segments"))?;
    }
}

fn write_segment(
    f: &mut fmt::Formatter<'_>,
    i: usize,
    name: &str,
    key: &dyn fmt::Display,
) -> fmt::Result {
    if i > 0 {
        f.write_str(".")?;
    }
    write!(f, "{name}{key}")
}

struct Bracketed<'a, T>(Option<&'a T>);

impl<T: fmt::Display> fmt::Display for Bracketed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(key) => write!(f, "[{key}]"),
            None => Ok(()),
        }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.segments.iter().enumerate() {
            write_segment(f, i, &s.name, &Bracketed(s.key.as_ref()))?;
        }
        Ok(())
    }
}

impl FromStr for FieldPath {
    type Err = PathError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for FieldPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FieldPath {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> FieldPath {
        FieldPath::parse(text).unwrap()
    }

    #[test]
    fn parses_the_contract_examples() {
        for text in [
            "invoice.due_date",
            "invoice.memo",
            "lines[st:4521].description",
            "lines[st:4521].quantity",
            "customer.display_name",
            "customer.email",
            "lines[acct:6f1c.9-a_b]",
            "customer.billing_address.city",
        ] {
            assert_eq!(path(text).to_string(), text);
        }
        let p = path("lines[st:4521].quantity");
        assert_eq!(p.segments()[0].key(), Some(&SourceRef::ServiceTitan(4521)));
        assert_eq!(p.segments()[1].name(), "quantity");
    }

    #[test]
    fn refuses_ambiguous_or_malformed_text() {
        for bad in [
            "",
            ".",
            "invoice.",
            ".memo",
            "Invoice.memo",
            "invoice..memo",
            "invoice memo",
            "lines[st:01]",
            "lines[st:4521",
            "lines[]",
            "lines[4521]",
            "lines[st:1]x",
            "lines[st:1][st:2]",
            "lines[*].quantity",
            "1lines",
            "invoice.due-date",
        ] {
            assert!(FieldPath::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn serializes_as_text() {
        let p = path("allocations[st:1679].amount");
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            "\"allocations[st:1679].amount\""
        );
        assert_eq!(
            serde_json::from_str::<FieldPath>("\"allocations[st:1679].amount\"").unwrap(),
            p
        );
        assert!(serde_json::from_str::<FieldPath>("\"a b\"").is_err());
    }
}
