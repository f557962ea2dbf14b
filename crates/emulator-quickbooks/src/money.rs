//! Money on the wire and in arithmetic: exact decimals, half-away-from-zero rounding.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::json::Json;

/// Rounds to cents, half away from zero (QuickBooks' and the project's rule; banker's
/// rounding is banned by clippy).
pub fn round2(value: Decimal) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(2);
    rounded
}

/// A JSON-number amount read and written exactly: read from the raw number token (or from a
/// quoted string, which some clients send), written as a raw number token. Never an `f64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct WireAmount(pub Decimal);

impl WireAmount {
    /// The amount as an exact [`Json`] number.
    pub fn to_json(self) -> Json {
        Json::num(self.0)
    }
}

impl fmt::Display for WireAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for WireAmount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.0.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl<'de> Deserialize<'de> for WireAmount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(d)?;
        let text = raw.get().trim();
        let text = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            Some(quoted) => quoted.trim(),
            None => text,
        };
        crate::json::parse_decimal(text)
            .or_else(|| Decimal::from_str(text).ok())
            .map(WireAmount)
            .ok_or_else(|| serde::de::Error::custom(format!("not an amount: {text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round2(Decimal::new(10005, 3)).to_string(), "10.01");
        assert_eq!(round2(Decimal::new(-10005, 3)).to_string(), "-10.01");
        assert_eq!(round2(Decimal::new(10004, 3)).to_string(), "10.00");
        assert_eq!(round2(Decimal::new(7, 0)).to_string(), "7.00");
    }

    #[test]
    fn known_awkward_values_round_trip_exactly() {
        for text in ["0.1", "0.005", "1234567.89", "-0.01", "100055.55", "0"] {
            let amount: WireAmount = serde_json::from_str(text).expect("number");
            assert_eq!(serde_json::to_string(&amount).expect("serializes"), text);
            let quoted: WireAmount = serde_json::from_str(&format!("\"{text}\"")).expect("string");
            assert_eq!(quoted, amount);
        }
        assert!(serde_json::from_str::<WireAmount>("\"abc\"").is_err());
    }

    proptest! {
        #[test]
        fn decimals_with_up_to_four_places_round_trip(mantissa in -10_000_000_000_000i64..10_000_000_000_000i64, scale in 0u32..=4) {
            let value = Decimal::new(mantissa, scale);
            let text = serde_json::to_string(&WireAmount(value)).expect("serializes");
            let back: WireAmount = serde_json::from_str(&text).expect("parses");
            prop_assert_eq!(back.0, value);
            prop_assert_eq!(back.0.to_string(), value.to_string());
            // Through the exact JSON tree too, as entity bodies travel.
            let doc = format!("{{\"Amount\":{text}}}");
            let tree = Json::parse(doc.as_bytes()).expect("valid");
            prop_assert_eq!(tree.path_ci("Amount").and_then(Json::decimal), Some(value));
            prop_assert_eq!(tree.to_text(), doc);
        }
    }
}
