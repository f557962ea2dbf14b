//! Company time: QuickBooks writes times with the company's UTC offset and dates in the
//! company's calendar.
//!
//! The demo company is in Springfield, Illinois. There is no time-zone database in the
//! workspace, so the company keeps a fixed offset of -06:00 (US Central standard time) all
//! year. Stored times are whole seconds, as QuickBooks shows them; a filter such as
//! `MetaData.LastUpdatedTime > 'T'` compares at that precision, so records written in the same
//! second share a timestamp (clients must overlap their windows).

use chrono::{
    DateTime, FixedOffset, NaiveDate, NaiveDateTime, SecondsFormat, TimeZone, Timelike, Utc,
};

/// The company's fixed UTC offset in seconds (-06:00).
pub const COMPANY_OFFSET_SECS: i32 = -6 * 3600;

pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(COMPANY_OFFSET_SECS).expect("valid offset")
}

/// Truncates to whole seconds (QuickBooks' precision for `MetaData` times).
pub fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    t.with_nanosecond(0).unwrap_or(t)
}

/// `2015-08-10T11:33:46-06:00`.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&offset())
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The envelope's `time`: `2015-08-12T11:08:01.753-06:00`.
pub fn format_envelope_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&offset())
        .to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// The company's calendar date at `t`.
pub fn company_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&offset()).date_naive()
}

/// Midnight of `date` in company time.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    at(date, 0, 0)
}

/// `date` at `hour:minute` company time.
pub fn at(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let naive = date
        .and_hms_opt(hour, minute, 0)
        .expect("valid time of day");
    offset()
        .from_local_datetime(&naive)
        .single()
        .expect("fixed offsets are unambiguous")
        .with_timezone(&Utc)
}

/// Reads a date or date-time as clients send them: `2025-06-01`, `2025-06-01T09:00:00`,
/// `2025-06-01T09:00-07:00`, `2025-06-01T09:00:00.123Z`. Without an offset the company's is
/// assumed.
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return offset()
                .from_local_datetime(&naive)
                .single()
                .map(|t| t.with_timezone(&Utc));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(start_of_day)
}

/// Reads a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_client_format_is_read_and_offsets_are_honoured() {
        let expected = Utc
            .with_ymd_and_hms(2025, 6, 1, 15, 0, 0)
            .single()
            .expect("valid");
        for text in [
            "2025-06-01T09:00:00-06:00",
            "2025-06-01T08:00-07:00",
            "2025-06-01T15:00:00Z",
            "2025-06-01T09:00:00",
            "2025-06-01T15:00:00.000Z",
        ] {
            assert_eq!(parse_datetime(text), Some(expected), "{text}");
        }
        assert_eq!(
            parse_datetime("2025-06-01"),
            Some(expected - chrono::Duration::hours(9))
        );
        assert_eq!(parse_datetime("June 1st"), None);
    }

    #[test]
    fn times_are_written_with_the_company_offset() {
        let t = Utc
            .with_ymd_and_hms(2025, 6, 1, 15, 0, 7)
            .single()
            .expect("valid");
        assert_eq!(format_time(t), "2025-06-01T09:00:07-06:00");
        assert!(format_envelope_time(t).ends_with(".000-06:00"));
        assert_eq!(
            company_date(
                Utc.with_ymd_and_hms(2025, 6, 2, 3, 0, 0)
                    .single()
                    .expect("valid")
            )
            .to_string(),
            "2025-06-01"
        );
    }
}
