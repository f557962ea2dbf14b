//! The period a report covers: an inclusive range of invoice dates as ServiceTitan records
//! them.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// An inclusive range of document dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

impl Period {
    /// The calendar month that contains `day`.
    pub fn month_of(day: NaiveDate) -> Self {
        let from = day.with_day(1).unwrap_or(day);
        let next = if from.month() == 12 {
            NaiveDate::from_ymd_opt(from.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(from.year(), from.month() + 1, 1)
        };
        let to = next.and_then(|n| n.pred_opt()).unwrap_or(from);
        Self { from, to }
    }

    /// Parses `YYYY-MM`: four digits of year, two of month. chrono alone would read `26-11`
    /// as November of the year 26, which is never what was meant.
    pub fn parse_month(text: &str) -> Result<Self, String> {
        let refuse = || format!("{text:?} is not a month: expected YYYY-MM, e.g. 2026-11");
        let trimmed = text.trim();
        let (year, month) = trimmed.split_once('-').ok_or_else(refuse)?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(refuse());
        }
        NaiveDate::parse_from_str(&format!("{trimmed}-01"), "%Y-%m-%d")
            .map(Self::month_of)
            .map_err(|_| refuse())
    }

    /// `from..=to`; refuses an empty range.
    pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Self, String> {
        if from > to {
            return Err(format!("the period starts ({from}) after it ends ({to})"));
        }
        Ok(Self { from, to })
    }

    /// Whether this is exactly one calendar month.
    pub fn is_month(&self) -> bool {
        *self == Self::month_of(self.from)
    }

    /// `2026-11` for a whole month, `2026-11-03 to 2026-11-20` otherwise.
    pub fn label(&self) -> String {
        if self.is_month() {
            self.from.format("%Y-%m").to_string()
        } else {
            format!("{} to {}", self.from, self.to)
        }
    }

    /// Whether `day` falls in the period.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn months_cover_their_days() {
        let p = Period::parse_month("2026-02").unwrap();
        assert_eq!((p.from, p.to), (day("2026-02-01"), day("2026-02-28")));
        let dec = Period::month_of(day("2026-12-15"));
        assert_eq!((dec.from, dec.to), (day("2026-12-01"), day("2026-12-31")));
        assert_eq!(dec.label(), "2026-12");
        assert!(dec.contains(day("2026-12-31")) && !dec.contains(day("2027-01-01")));
        assert!(Period::parse_month("2026-13").is_err());
        assert!(Period::parse_month("soon").is_err());
        for short in [
            "26-11",
            "026-11",
            "2026-1",
            "20266-11",
            "+2026-11",
            "2026-11-01",
        ] {
            let err = Period::parse_month(short).unwrap_err();
            assert!(err.contains("expected YYYY-MM"), "{short}: {err}");
        }
        assert_eq!(Period::parse_month(" 2026-11 ").unwrap().label(), "2026-11");
    }

    #[test]
    fn ranges_must_not_be_empty() {
        assert!(Period::range(day("2026-03-02"), day("2026-03-01")).is_err());
        let r = Period::range(day("2026-03-02"), day("2026-03-09")).unwrap();
        assert_eq!(r.label(), "2026-03-02 to 2026-03-09");
        assert!(!r.is_month());
    }
}
