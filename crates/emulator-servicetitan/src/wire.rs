//! Exact wire formats: money, JSON-number decimals and .NET-style timestamps.
//!
//! ServiceTitan's accounting API writes money as decimal *strings* (`"150.00"`), but reads
//! request amounts (payment splits, invoice subtotal/tax, item prices) and writes a few values
//! (customer `balance`, tax `taxRate`, item `soldHours`, business unit `defaultTaxRate`,
//! latitude/longitude) as JSON *numbers*. serde_json here has no `arbitrary_precision`, so a
//! number parsed into `serde_json::Value` would go through f64; [`WireNumber`] instead reads
//! and writes the raw number token ([`RawValue`]) and parses it with `Decimal::from_str`.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Rounds half away from zero to cents, the rule ServiceTitan applies at invoice level.
pub(crate) fn round_money(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Money as ServiceTitan writes it: a decimal string with at least two decimals
/// (`"0.00"`, `"189.00"`); unit prices keep extra precision when they have it (`"3.855"`).
pub(crate) fn money(value: Decimal) -> String {
    let mut v = value;
    if v.scale() < 2 {
        v.rescale(2);
    }
    v.to_string()
}

/// A decimal quantity as a string, without trailing zeros beyond what it carries (`"2.5"`).
pub(crate) fn quantity(value: Decimal) -> String {
    value.normalize().to_string()
}

/// Parses a decimal from text, accepting exponent notation (`1e2`) as JSON allows.
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    Decimal::from_str(t)
        .ok()
        .or_else(|| Decimal::from_scientific(t).ok())
}

/// A decimal carried as a JSON number on the wire, read and written exactly (never via f64).
/// Reading also accepts a quoted decimal string, which .NET's System.Text.Json accepts for
/// numbers when `AllowReadingFromString` is on and which some clients send for money.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireNumber(pub Decimal);

impl Serialize for WireNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.0.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for WireNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        let text = raw.get().trim();
        let inner = if let Some(quoted) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            quoted
        } else {
            text
        };
        parse_decimal(inner)
            .map(WireNumber)
            .ok_or_else(|| serde::de::Error::custom(format!("{text} is not a decimal number")))
    }
}

/// A timestamp as ServiceTitan (.NET) writes it: UTC with `Z`, whole seconds when there are
/// no fractions, otherwise 7 fractional digits (`2021-07-19T20:35:38.2876004Z`).
pub(crate) fn ts(value: DateTime<Utc>) -> String {
    let base = value.format("%Y-%m-%dT%H:%M:%S");
    let ticks = value.nanosecond() / 100;
    if ticks == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{ticks:07}Z")
    }
}

/// Parses a filter timestamp the way ASP.NET model binding is lenient about it: RFC 3339,
/// a naive date-time (taken as UTC) or a bare date (midnight UTC).
pub(crate) fn parse_ts(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(t, fmt) {
            return Some(naive.and_utc());
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn money_keeps_two_decimals_and_rounds_half_away_from_zero() {
        assert_eq!(money(dec!(189)), "189.00");
        assert_eq!(money(dec!(0.5)), "0.50");
        assert_eq!(money(dec!(3.855)), "3.855");
        assert_eq!(round_money(dec!(10.005)), dec!(10.01));
        assert_eq!(round_money(dec!(-10.005)), dec!(-10.01));
        assert_eq!(quantity(dec!(2.50)), "2.5");
    }

    #[test]
    fn wire_number_reads_numbers_and_strings_exactly() {
        let n: WireNumber = serde_json::from_str("0.1").unwrap();
        assert_eq!(n.0, dec!(0.1));
        let n: WireNumber = serde_json::from_str("\"1234567.89\"").unwrap();
        assert_eq!(n.0, dec!(1234567.89));
        let n: WireNumber = serde_json::from_str("1e2").unwrap();
        assert_eq!(n.0, dec!(100));
        assert!(serde_json::from_str::<WireNumber>("\"abc\"").is_err());
        assert_eq!(
            serde_json::to_string(&WireNumber(dec!(0.0950))).unwrap(),
            "0.0950"
        );
    }

    #[test]
    fn timestamps_look_like_dotnet() {
        let t = DateTime::parse_from_rfc3339("2021-07-19T20:35:38.2876004Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(ts(t), "2021-07-19T20:35:38.2876004Z");
        let t = DateTime::parse_from_rfc3339("2021-07-19T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(ts(t), "2021-07-19T00:00:00Z");
        assert_eq!(parse_ts("2021-07-19"), Some(t));
        assert_eq!(parse_ts("2021-07-19T00:00:00"), Some(t));
        assert!(parse_ts("yesterday").is_none());
    }
}
