//! Xero's date formats: MS JSON dates out (`/Date(1552262400000+0000)/`) with ISO companions
//! (`DateString`, `UpdatedDateUTCString`), and every form the SDKs send accepted on input.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};

/// `/Date(<ms>+0000)/` for an entity date (midnight UTC).
pub fn ms_date(date: NaiveDate) -> String {
    ms_datetime(date_start(date))
}

/// `/Date(<ms>+0000)/` for an entity timestamp (`UpdatedDateUTC`).
pub fn ms_datetime(at: DateTime<Utc>) -> String {
    format!("/Date({}+0000)/", at.timestamp_millis())
}

/// `/Date(<ms>)/`, the envelope's `DateTimeUTC` form (no offset).
pub fn ms_plain(at: DateTime<Utc>) -> String {
    format!("/Date({})/", at.timestamp_millis())
}

/// `2018-10-20T00:00:00`, the `DateString` / `DueDateString` companion.
pub fn date_string(date: NaiveDate) -> String {
    format!("{}T00:00:00", date.format("%Y-%m-%d"))
}

/// `2018-11-02T16:31:30Z`, the `UpdatedDateUTCString` companion.
pub fn utc_string(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Midnight UTC of `date`.
pub fn date_start(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

/// Splits `/Date(<ms>[±HHMM])/` into milliseconds and the offset in minutes.
fn parse_ms(text: &str) -> Option<(i64, i64)> {
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
    let ms: i64 = ms.parse().ok()?;
    let offset_minutes = match offset {
        None => 0,
        Some(o) => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let digits = &o[1..];
            if !digits.chars().all(|c| c.is_ascii_digit()) || digits.is_empty() || digits.len() > 4
            {
                return None;
            }
            let value: i64 = digits.parse().ok()?;
            let (h, m) = if digits.len() > 2 {
                (value / 100, value % 100)
            } else {
                (value, 0)
            };
            sign * (h * 60 + m)
        }
    };
    Some((ms, offset_minutes))
}

/// Reads a date in any form Xero accepts: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[.fff][Z|±hh:mm]`,
/// `/Date(ms)/` or `/Date(ms±HHMM)/` (the local date at that offset).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if let Some((ms, offset)) = parse_ms(text) {
        let at = DateTime::<Utc>::from_timestamp_millis(ms)? + Duration::minutes(offset);
        return Some(at.date_naive());
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(date);
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.date_naive());
    }
    let bare = text.trim_end_matches('Z');
    NaiveDateTime::parse_from_str(bare, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|dt| dt.date())
}

/// Reads an `If-Modified-Since` header: ISO 8601 with or without an offset (no offset means
/// UTC, as Xero documents), an HTTP date, or an MS date. Xero is "accurate to the second", so
/// the result is truncated to whole seconds.
pub fn parse_since(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    let at = if let Some((ms, _)) = parse_ms(text) {
        DateTime::<Utc>::from_timestamp_millis(ms)?
    } else if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        at.with_timezone(&Utc)
    } else if let Ok(at) = DateTime::parse_from_rfc2822(text) {
        at.with_timezone(&Utc)
    } else if let Ok(dt) =
        NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f")
    {
        Utc.from_utc_datetime(&dt)
    } else if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        date_start(date)
    } else {
        return None;
    };
    at.with_nanosecond(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn every_input_form_gives_the_same_date() {
        let want = d(2019, 3, 11);
        for text in [
            "2019-03-11",
            "2019-03-11T00:00:00",
            "2019-03-11T10:20:30.123Z",
            "2019-03-11T00:00:00+13:00",
            "/Date(1552262400000)/",
            "/Date(1552262400000+0000)/",
            "/Date(1552219200000+1200)/",
        ] {
            assert_eq!(parse_date(text), Some(want), "{text}");
        }
        assert_eq!(parse_date("11/03/2019"), None);
        assert_eq!(parse_date("/Date(abc)/"), None);
    }

    #[test]
    fn output_forms_match_xeros_examples() {
        assert_eq!(ms_date(d(2019, 3, 11)), "/Date(1552262400000+0000)/");
        assert_eq!(date_string(d(2018, 10, 20)), "2018-10-20T00:00:00");
        let at = DateTime::<Utc>::from_timestamp_millis(1_552_327_126_117).expect("valid");
        assert_eq!(utc_string(at), "2019-03-11T17:58:46Z");
        assert_eq!(ms_plain(at), "/Date(1552327126117)/");
    }

    #[test]
    fn if_modified_since_accepts_sdk_forms_and_truncates() {
        let want = DateTime::<Utc>::from_timestamp(1_581_020_263, 0).expect("valid");
        for text in [
            "2020-02-06T20:17:43",
            "2020-02-06T20:17:43.202Z",
            "2020-02-06T12:17:43.202-08:00",
            "Thu, 06 Feb 2020 20:17:43 GMT",
        ] {
            assert_eq!(parse_since(text), Some(want), "{text}");
        }
        assert_eq!(parse_since("yesterday"), None);
    }
}
