//! [`SourceRef`]: how the canonical model names lines and referenced records.

use serde::{Deserialize, Serialize};

/// Identifies a line, a tax line, or a referenced record inside the canonical model: by its
/// ServiceTitan id when it has one (`st:4521`), otherwise by its id in the accounting system
/// (`acct:6f1c…`, e.g. a line an accountant added in QuickBooks that has no ServiceTitan
/// counterpart yet).
///
/// ServiceTitan ids are preferred because every ledger key is ServiceTitan-centred: a connector
/// reading the accounting side translates the target's line ids (QBO `Line.Id`, Xero
/// `LineItemID`) back through the ledger and only falls back to `acct:` for unknown ones.
/// Serialized as its display text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceRef {
    /// A ServiceTitan id (never negative).
    ServiceTitan(i64),
    /// An accounting-side id: 1 to 64 of `A-Z a-z 0-9 - _ .`.
    Accounting(String),
}

/// Why a [`SourceRef`] could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a reference (expected st:DIGITS or acct:ID)")]
pub struct SourceRefError(pub String);

impl SourceRef {
    /// A ServiceTitan reference; `None` for a negative id (ServiceTitan ids are positive, and a
    /// sign would not survive the path grammar).
    pub fn servicetitan(id: i64) -> Option<Self> {
        (id >= 0).then_some(Self::ServiceTitan(id))
    }

    /// An accounting-side reference, validated against the path grammar.
    pub fn accounting(id: impl Into<String>) -> Result<Self, SourceRefError> {
        let id = id.into();
        if is_accounting_ref(&id) {
            Ok(Self::Accounting(id))
        } else {
            Err(SourceRefError(id))
        }
    }

    /// The ServiceTitan id, if this is one.
    pub fn servicetitan_id(&self) -> Option<i64> {
        match self {
            Self::ServiceTitan(id) => Some(*id),
            Self::Accounting(_) => None,
        }
    }
}

fn is_accounting_ref(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Canonical decimal digits only (no sign, no leading zeros), so parse and display round-trip.
fn parse_st_id(digits: &str) -> Option<i64> {
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    if canonical { digits.parse().ok() } else { None }
}

impl std::fmt::Display for SourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ServiceTitan(id) => write!(f, "st:{id}"),
            Self::Accounting(id) => write!(f, "acct:{id}"),
        }
    }
}

impl std::str::FromStr for SourceRef {
    type Err = SourceRefError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parsed = if let Some(digits) = s.strip_prefix("st:") {
            parse_st_id(digits).map(Self::ServiceTitan)
        } else if let Some(id) = s.strip_prefix("acct:") {
            is_accounting_ref(id).then(|| Self::Accounting(id.to_owned()))
        } else {
            None
        };
        parsed.ok_or_else(|| SourceRefError(s.to_owned()))
    }
}

impl Serialize for SourceRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SourceRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_refs_parse_only_canonical_text() {
        assert_eq!("st:4521".parse(), Ok(SourceRef::ServiceTitan(4521)));
        assert_eq!(
            "acct:6f1c-9.a_b".parse(),
            Ok(SourceRef::Accounting("6f1c-9.a_b".into()))
        );
        for bad in [
            "st:",
            "st:007",
            "st:-1",
            "st:+1",
            "acct:",
            "acct:a]b",
            "acct:a b",
            "xero:1",
            "st:99999999999999999999",
        ] {
            assert!(bad.parse::<SourceRef>().is_err(), "{bad} should be refused");
        }
        assert_eq!(SourceRef::servicetitan(-3), None);
        assert_eq!(
            serde_json::to_string(&SourceRef::ServiceTitan(0)).unwrap(),
            "\"st:0\""
        );
    }
}
