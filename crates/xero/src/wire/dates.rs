//! Xero's dates: Microsoft JSON dates out (`/Date(1552262400000+0000)/`), `YYYY-MM-DD` in.
//!
//! Reading accepts every form the API facts list (§2): `/Date(ms)/`, `/Date(ms±hhmm)/`,
//! `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[.fff][Z|±hh:mm]`. The milliseconds of an MS date are
//! the instant in UTC; the offset, when present, is the organisation's, so a *date* is read
//! in that offset (Xero writes dates as midnight `+0000`, where both agree). Writing sends
//! plain `YYYY-MM-DD`, which the docs give as the input format.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serializer};

/// An MS date's instant and offset (`+0000` when absent).
fn parse_ms(text: &str) -> Option<(DateTime<Utc>, FixedOffset)> {
    let inner = text.trim().strip_prefix("/Date(")?.strip_suffix(")/")?;
    let sign_at = inner
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '+' || *c == '-')
        .map(|(i, _)| i);
    let (ms, offset) = match sign_at {
        Some(i) => (&inner[..i], Some(&inner[i..])),
        None => (inner, None),
    };
    let instant = DateTime::from_timestamp_millis(ms.parse().ok()?)?;
    let offset = match offset {
        None => FixedOffset::east_opt(0)?,
        Some(o) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let digits = &o[1..];
            let (h, m) = match digits.len() {
                2 => (digits.parse::<i32>().ok()?, 0),
                4 => (digits[..2].parse::<i32>().ok()?, digits[2..].parse().ok()?),
                _ => return None,
            };
            FixedOffset::east_opt(sign * (h * 3600 + m * 60))?
        }
    };
    Some((instant, offset))
}

/// Reads an instant in any accepted form; a time without an offset is UTC.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Some((instant, _)) = parse_ms(text) {
        return Some(instant);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Reads a calendar date in any accepted form.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Some((instant, offset)) = parse_ms(text) {
        return Some(instant.with_timezone(&offset).date_naive());
    }
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(d);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.date_naive());
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.date())
}

/// Serde for an optional calendar date: any accepted form in, `YYYY-MM-DD` out.
pub mod date_opt {
    use super::*;

    /// Writes `YYYY-MM-DD` (use with `skip_serializing_if = "Option::is_none"`).
    pub fn serialize<S: Serializer>(value: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(d) => s.collect_str(&d.format("%Y-%m-%d")),
            None => s.serialize_none(),
        }
    }

    /// Reads any accepted form; `null` is `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        text.map(|t| {
            parse_date(&t)
                .ok_or_else(|| serde::de::Error::custom(format!("{t:?} is not a Xero date")))
        })
        .transpose()
    }
}

/// Serde for an optional instant (read-only fields such as `UpdatedDateUTC`).
pub mod datetime_opt {
    use super::*;

    /// Reads any accepted form; `null` is `None`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        let text = Option::<String>::deserialize(d)?;
        text.map(|t| {
            parse_datetime(&t)
                .ok_or_else(|| serde::de::Error::custom(format!("{t:?} is not a Xero date-time")))
        })
        .transpose()
    }
}

/// `If-Modified-Since` as the docs give it: UTC `yyyy-mm-ddThh:mm:ss` (second precision).
pub fn if_modified_since(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn ms_dates_read_with_and_without_offsets() {
        assert_eq!(
            parse_datetime("/Date(1552327126117+0000)/"),
            Some(utc("2019-03-11T17:58:46.117Z"))
        );
        assert_eq!(
            parse_datetime("/Date(1439434356790)/"),
            Some(utc("2015-08-13T02:52:36.790Z"))
        );
        assert_eq!(
            parse_date("/Date(1552262400000+0000)/"),
            NaiveDate::from_ymd_opt(2019, 3, 11)
        );
        // 2019-03-10T23:00Z is already the 11th in New Zealand (+1300 in March).
        assert_eq!(
            parse_date("/Date(1552258800000+1300)/"),
            NaiveDate::from_ymd_opt(2019, 3, 11)
        );
        assert_eq!(
            parse_datetime("/Date(-86400000)/"),
            Some(utc("1969-12-31T00:00:00Z"))
        );
        assert_eq!(parse_datetime("/Date(abc)/"), None);
    }

    #[test]
    fn iso_forms_read_and_dates_write_plainly() {
        assert_eq!(
            parse_date("2018-10-20T00:00:00"),
            NaiveDate::from_ymd_opt(2018, 10, 20)
        );
        assert_eq!(
            parse_datetime("2018-11-02T16:31:30Z"),
            Some(utc("2018-11-02T16:31:30Z"))
        );
        assert_eq!(
            parse_datetime("2019-12-07T18:46:19.5165400"),
            Some(utc("2019-12-07T18:46:19.5165400Z"))
        );
        assert_eq!(
            if_modified_since(utc("2020-02-06T12:17:43.202Z")),
            "2020-02-06T12:17:43"
        );
    }
}
