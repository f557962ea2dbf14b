//! ServiceTitan's JSON, as `shared/api/servicetitan.md` describes it. Internal to this crate
//! except where the public API returns it (reference data such as tax zones).
//!
//! Reading is lenient where the API facts are (fields marked optional, unknown members
//! ignored) and strict where the sync depends on it: ids, versions (`modifiedOn`) and
//! amounts. Amounts arrive as strings in accounting and as numbers in CRM; both go through
//! [`ledgerbridge_connector::wire`] so no amount passes through a float.

pub(crate) mod customer;
pub(crate) mod invoice;
pub(crate) mod payment;
pub mod reference;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// `PaginatedResponse_Of_…`, with records kept raw so each one is decoded on its own (a
/// malformed record is quarantined, not a failed page).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageWire {
    pub(crate) has_more: bool,
    pub(crate) data: Vec<Box<RawValue>>,
}

/// `ExportResponse_Of_…`: `{hasMore, continueFrom, data}`, records kept raw.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExportWire {
    pub(crate) has_more: bool,
    pub(crate) continue_from: String,
    pub(crate) data: Vec<Box<RawValue>>,
}

/// `NamedFieldResponse`: `{id, name?}`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Named {
    /// The referenced record's id.
    pub id: i64,
    /// Its display name.
    #[serde(default)]
    pub name: Option<String>,
}

/// `{street, unit, city, state, zip, country}`, every part optional.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub(crate) struct AddressWire {
    #[serde(default)]
    pub(crate) street: Option<String>,
    #[serde(default)]
    pub(crate) unit: Option<String>,
    #[serde(default)]
    pub(crate) city: Option<String>,
    #[serde(default)]
    pub(crate) state: Option<String>,
    #[serde(default)]
    pub(crate) zip: Option<String>,
    #[serde(default)]
    pub(crate) country: Option<String>,
}

impl AddressWire {
    pub(crate) fn to_core(&self) -> ledgerbridge_core::Address {
        ledgerbridge_core::Address {
            line1: non_blank(self.street.as_deref()),
            line2: non_blank(self.unit.as_deref()),
            city: non_blank(self.city.as_deref()),
            region: non_blank(self.state.as_deref()),
            postal_code: non_blank(self.zip.as_deref()),
            country: non_blank(self.country.as_deref()),
        }
    }
}

pub(crate) fn non_blank(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Parses a ServiceTitan timestamp: RFC 3339 with up to 7 fractional digits (`.NET` ticks),
/// or the same without an offset, which ServiceTitan means as UTC.
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
}

/// Serde for an optional ServiceTitan timestamp.
pub(crate) fn time_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(text) => parse_time(&text)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("{text:?} is not a timestamp"))),
    }
}

/// Serde for a required ServiceTitan timestamp.
pub(crate) fn time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    time_opt(d)?.ok_or_else(|| D::Error::custom("timestamp is null"))
}

/// ServiceTitan ids are int64 but some fields (payment `typeId`) arrive as strings.
pub(crate) fn id_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Int(i64),
        Text(String),
    }
    match Option::<Either>::deserialize(d)? {
        None => Ok(None),
        Some(Either::Int(i)) => Ok(Some(i)),
        Some(Either::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(Either::Text(t)) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| D::Error::custom(format!("{t:?} is not an id"))),
    }
}

/// Strips HTML tags and decodes the common entities: ServiceTitan descriptions and summaries
/// are HTML, the books want plain text.
///
/// A `<` starts a tag only when a tag can follow (a letter, `/`, `!` or `?`) and a `>` closes
/// it before the next `<`; any other `<` is text. Descriptions are typed by people ("pipe < 2
/// in", "a<b"), and reading such a `<` as an unclosed tag would drop the rest of the text.
pub(crate) fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match tag_len(after) {
            Some(len) => {
                out.push(' ');
                rest = &after[len + 1..];
            }
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The length of a tag's inside when `after` (the text after a `<`) starts a tag that closes
/// with `>` before any further `<`; `None` when that `<` is plain text.
fn tag_len(after: &str) -> Option<usize> {
    let first = after.chars().next()?;
    if !(first.is_ascii_alphabetic() || matches!(first, '/' | '!' | '?')) {
        return None;
    }
    let end = after.find(['<', '>'])?;
    after[end..].starts_with('>').then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotnet_timestamps_parse_with_seven_digits_and_without_offset() {
        let t = parse_time("2021-07-19T20:35:38.2876004Z").unwrap();
        assert_eq!(t.timestamp_subsec_nanos(), 287_600_400);
        assert_eq!(
            parse_time("2021-07-19T00:00:00"),
            parse_time("2021-07-19T00:00:00Z")
        );
        assert_eq!(parse_time("2021-07-19"), parse_time("2021-07-19T00:00:00Z"));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn html_becomes_plain_text() {
        assert_eq!(
            plain_text("<p>Replace&nbsp;<b>valve</b></p><br/>Tom &amp; Jerry&#39;s"),
            "Replace valve Tom & Jerry's"
        );
        assert_eq!(plain_text("no tags"), "no tags");
    }

    #[test]
    fn an_unmatched_less_than_keeps_the_rest_of_the_text() {
        assert_eq!(
            plain_text("Replace pipe < 2 in, then test"),
            "Replace pipe < 2 in, then test"
        );
        assert_eq!(plain_text("<p>a<b and more</p>"), "a<b and more");
        assert_eq!(plain_text("size <3/4 in> fitting"), "size <3/4 in> fitting");
        assert_eq!(plain_text("ends with <"), "ends with <");
        assert_eq!(plain_text("x <b never closed"), "x <b never closed");
        assert_eq!(plain_text("<b>bold</b> &lt;ok&gt;"), "bold <ok>");
        assert_eq!(plain_text("<!-- note --><br/>done"), "done");
    }

    #[test]
    fn ids_may_be_numbers_or_strings() {
        #[derive(Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "id_lenient")]
            id: Option<i64>,
        }
        assert_eq!(
            serde_json::from_str::<T>(r#"{"id":"3"}"#).unwrap().id,
            Some(3)
        );
        assert_eq!(
            serde_json::from_str::<T>(r#"{"id":3}"#).unwrap().id,
            Some(3)
        );
        assert_eq!(serde_json::from_str::<T>(r#"{}"#).unwrap().id, None);
        assert!(serde_json::from_str::<T>(r#"{"id":"x"}"#).is_err());
    }
}
