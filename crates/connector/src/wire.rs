//! Exact decimals on the wire, for every connector's DTOs.
//!
//! Remotes send amounts as JSON strings (`"150.00"`, ServiceTitan accounting) or as JSON
//! numbers (`150.0`, ServiceTitan CRM, QuickBooks, Xero). A number must never pass through
//! `f64`: serde_json's default number path does, so these helpers capture the number's raw
//! text ([`serde_json::value::RawValue`]) and parse that text as a decimal. Writing does the
//! reverse: the decimal's text becomes the number token verbatim. Both only work with
//! serde_json (the only format the connectors speak), which is why they are kept here and not
//! in the core model.
//!
//! Use with `#[serde(deserialize_with = "wire::decimal")]`,
//! `#[serde(default, deserialize_with = "wire::decimal_opt")]` and
//! `#[serde(serialize_with = "wire::decimal_number")]`.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// Parses the raw JSON text of a string or number as an exact decimal; `Ok(None)` for `null`.
pub fn parse_raw(raw: &str) -> Result<Option<Decimal>, String> {
    let raw = raw.trim();
    if raw == "null" {
        return Ok(None);
    }
    let text = if raw.starts_with('"') {
        serde_json::from_str::<String>(raw).map_err(|e| e.to_string())?
    } else {
        raw.to_owned()
    };
    let text = text.trim();
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str_exact(text).or_else(|_| Decimal::from_str(text))
    };
    parsed
        .map(Some)
        .map_err(|_| format!("{text:?} is not a decimal number"))
}

/// Deserializes a required decimal from a JSON string or number, exactly.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let raw = Box::<RawValue>::deserialize(d)?;
    parse_raw(raw.get())
        .map_err(D::Error::custom)?
        .ok_or_else(|| D::Error::custom("decimal is null"))
}

/// Deserializes an optional decimal (`null` or absent with `#[serde(default)]` is `None`).
pub fn decimal_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let raw = Option::<Box<RawValue>>::deserialize(d)?;
    match raw {
        None => Ok(None),
        Some(raw) => parse_raw(raw.get()).map_err(D::Error::custom),
    }
}

/// Serializes a decimal as a JSON number token with exactly its digits (`150.00`).
pub fn decimal_number<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    let raw = RawValue::from_string(value.to_string()).map_err(serde::ser::Error::custom)?;
    raw.serialize(s)
}

/// Serializes an optional decimal as a JSON number token or `null`.
pub fn decimal_number_opt<S: Serializer>(value: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => decimal_number(v, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Amounts {
        #[serde(deserialize_with = "decimal", serialize_with = "decimal_number")]
        total: Decimal,
        #[serde(
            default,
            deserialize_with = "decimal_opt",
            serialize_with = "decimal_number_opt"
        )]
        tax: Option<Decimal>,
    }

    #[test]
    fn strings_and_numbers_parse_exactly() {
        let a: Amounts = serde_json::from_str(r#"{"total":"0.10","tax":0.005}"#).unwrap();
        assert_eq!(a.total.to_string(), "0.10");
        assert_eq!(a.tax, Some(dec!(0.005)));
        let b: Amounts = serde_json::from_str(r#"{"total":1234567.89,"tax":null}"#).unwrap();
        assert_eq!((b.total, b.tax), (dec!(1234567.89), None));
        let c: Amounts = serde_json::from_str(r#"{"total":1.5e2}"#).unwrap();
        assert_eq!((c.total, c.tax), (dec!(150), None));
        assert!(serde_json::from_str::<Amounts>(r#"{"total":"abc"}"#).is_err());
        assert!(serde_json::from_str::<Amounts>(r#"{"total":null}"#).is_err());
    }

    #[test]
    fn writing_keeps_every_digit_as_a_number_token() {
        let a = Amounts {
            total: dec!(150.00),
            tax: Some(dec!(0.1)),
        };
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            r#"{"total":150.00,"tax":0.1}"#
        );
    }

    proptest! {
        #[test]
        fn any_decimal_round_trips_through_string_and_number(mantissa in any::<i64>(), scale in 0u32..=12) {
            let value = Decimal::new(mantissa, scale);
            let as_number = serde_json::to_string(&Amounts { total: value, tax: Some(value) }).unwrap();
            let back: Amounts = serde_json::from_str(&as_number).unwrap();
            prop_assert_eq!(back.total, value);
            prop_assert_eq!(back.total.to_string(), value.to_string());
            let as_string = format!(r#"{{"total":"{value}","tax":"{value}"}}"#);
            let back: Amounts = serde_json::from_str(&as_string).unwrap();
            prop_assert_eq!(back.tax, Some(value));
        }
    }
}
