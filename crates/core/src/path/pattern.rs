//! [`PathPattern`]: field paths with `*` keys, for policy overrides.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{Bracketed, FieldPath, PathError, error, split_segments, write_segment};
use crate::ids::SourceRef;

/// The key part of a pattern segment.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum KeyPattern {
    None,
    Any,
    Exact(SourceRef),
}

/// A path pattern for policy overrides: a path whose keys may be `*` (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathPattern {
    segments: Vec<(String, KeyPattern)>,
}

impl PathPattern {
    /// Parses a pattern such as `invoice.memo`, `lines[*].description` or `customer`.
    pub fn parse(text: &str) -> Result<Self, PathError> {
        let segments = split_segments(text)?
            .into_iter()
            .map(|(name, key)| {
                let key = match key {
                    None => KeyPattern::None,
                    Some("*") => KeyPattern::Any,
                    Some(k) => KeyPattern::Exact(k.parse().map_err(|_| error(text, "bad key"))?),
                };
                Ok((name.to_owned(), key))
            })
            .collect::<Result<_, PathError>>()?;
        Ok(Self { segments })
    }

    /// Whether the pattern names `path` or a struct or item that contains it.
    pub fn matches(&self, path: &FieldPath) -> bool {
        self.segments.len() <= path.segments.len()
            && self
                .segments
                .iter()
                .zip(&path.segments)
                .all(|((name, key), seg)| {
                    *name == seg.name
                        && match (key, &seg.key) {
                            (KeyPattern::None, None) | (KeyPattern::Any, Some(_)) => true,
                            (KeyPattern::Exact(k), Some(s)) => k == s,
                            _ => false,
                        }
                })
    }

    /// How specific the pattern is: more segments first, then more exact keys.
    pub fn specificity(&self) -> (usize, usize) {
        let exact = self
            .segments
            .iter()
            .filter(|(_, k)| matches!(k, KeyPattern::Exact(_)));
        (self.segments.len(), exact.count())
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, key)) in self.segments.iter().enumerate() {
            match key {
                KeyPattern::None => write_segment(f, i, name, &Bracketed::<SourceRef>(None))?,
                KeyPattern::Any => write_segment(f, i, name, &"[*]")?,
                KeyPattern::Exact(k) => write_segment(f, i, name, &Bracketed(Some(k)))?,
            }
        }
        Ok(())
    }
}

impl FromStr for PathPattern {
    type Err = PathError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PathPattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PathPattern {
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
    fn patterns_match_prefixes_and_wildcards() {
        let p = PathPattern::parse("lines[*].description").unwrap();
        assert!(p.matches(&path("lines[st:1].description")));
        assert!(p.matches(&path("lines[acct:x].description")));
        assert!(!p.matches(&path("lines[st:1].quantity")));
        assert!(!p.matches(&path("lines[st:1]")));
        let whole = PathPattern::parse("customer.billing_address").unwrap();
        assert!(whole.matches(&path("customer.billing_address.city")));
        assert!(!whole.matches(&path("customer.email")));
        let exact = PathPattern::parse("lines[st:1]").unwrap();
        assert!(exact.matches(&path("lines[st:1].quantity")));
        assert!(!exact.matches(&path("lines[st:2].quantity")));
        assert!(exact.specificity() > PathPattern::parse("lines[*]").unwrap().specificity());
        assert_eq!(p.to_string(), "lines[*].description");
        assert!(
            !PathPattern::parse("lines")
                .unwrap()
                .matches(&path("lines[st:1]"))
        );
    }
}
