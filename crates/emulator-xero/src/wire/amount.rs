//! Money on the wire: exact decimals written as JSON numbers.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;

/// Rounds half away from zero to `dp` places and pads to exactly `dp` places
/// (`fixed(1.005, 2) == 1.01`, `fixed(40, 2)` prints `40.00`). Banker's rounding
/// (`Decimal::round_dp`) is banned in this workspace.
pub fn fixed(value: Decimal, dp: u32) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(dp);
    rounded
}

/// Rounds a money amount to cents, half away from zero.
pub fn round2(value: Decimal) -> Decimal {
    fixed(value, 2)
}

/// A decimal amount that is read from and written as a JSON number without ever passing
/// through `f64`: read from the raw number token (or a quoted number, which some clients send),
/// written as the decimal's exact text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WireAmount(pub Decimal);

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
            Some(quoted) => quoted,
            None => text,
        };
        Decimal::from_str(text)
            .or_else(|_| Decimal::from_scientific(text))
            .map(WireAmount)
            .map_err(|_| de::Error::custom(format!("not a decimal amount: {text}")))
    }
}

impl fmt::Display for WireAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::dec;

    fn round_trip(value: Decimal) -> Decimal {
        let text = serde_json::to_string(&WireAmount(value)).expect("serialises");
        let back: WireAmount = serde_json::from_str(&text).expect("parses");
        back.0
    }

    #[test]
    fn known_awkward_values_round_trip_exactly() {
        for value in [
            dec!(0.1),
            dec!(0.005),
            dec!(1234567.89),
            dec!(-0.01),
            dec!(2.0000),
            dec!(9999999999.99),
        ] {
            let back = round_trip(value);
            assert_eq!(back, value);
            assert_eq!(back.to_string(), value.to_string(), "scale is kept");
        }
        let quoted: WireAmount =
            serde_json::from_str("\"12.50\"").expect("quoted amounts accepted");
        assert_eq!(quoted.0.to_string(), "12.50");
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(fixed(dec!(1.005), 2).to_string(), "1.01");
        assert_eq!(fixed(dec!(-1.005), 2).to_string(), "-1.01");
        assert_eq!(fixed(dec!(2.5), 0).to_string(), "3");
        assert_eq!(fixed(dec!(40), 2).to_string(), "40.00");
        assert_eq!(fixed(dec!(3.47505), 4).to_string(), "3.4751");
    }

    proptest! {
        #[test]
        fn decimals_up_to_4dp_round_trip(mantissa in -10_000_000_000_000i64..10_000_000_000_000i64, scale in 0u32..=4) {
            let value = Decimal::new(mantissa, scale);
            let back = round_trip(value);
            prop_assert_eq!(back, value);
            prop_assert_eq!(back.to_string(), value.to_string());
            // Through the lossless tree too (request bodies and responses use it).
            let tree = crate::wire::Json::parse(&format!("{{\"Amount\":{value}}}")).expect("parses");
            prop_assert_eq!(tree.decimal_of("Amount").expect("number"), Some(value));
            prop_assert_eq!(tree.to_text(), format!("{{\"Amount\":{value}}}"));
        }
    }
}
