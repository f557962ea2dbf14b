//! Money: an exact decimal amount in one currency.
//!
//! Amounts are `rust_decimal::Decimal` at the currency's scale (2 for USD). Arithmetic across
//! currencies is refused, rounding is half away from zero (what invoices and the three remote
//! systems do; `Decimal::round_dp` is banker's and banned by clippy.toml), and the ledger stores
//! amounts as integer minor units so SQL sums stay exact.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// Rounds half away from zero to `dp` decimal places: 10.005 -> 10.01, -10.005 -> -10.01.
pub fn round_half_away(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// Why a money operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("cannot combine {0} and {1} amounts")]
    CurrencyMismatch(Currency, Currency),
    #[error("{0:?} is not a three-letter ISO 4217 currency code")]
    InvalidCurrency(String),
    #[error("amount {amount} has more than the {scale} decimal places {currency} allows")]
    TooPrecise {
        amount: Decimal,
        currency: Currency,
        scale: u32,
    },
    #[error("amount {0} is out of range")]
    OutOfRange(Decimal),
    #[error("{0:?} is not a decimal amount")]
    Unparsable(String),
}

/// An ISO 4217 currency code, upper case.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Self = Self(*b"USD");

    pub fn new(code: &str) -> Result<Self, MoneyError> {
        let bytes = code.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_alphabetic) {
            let mut out = [0u8; 3];
            for (o, b) in out.iter_mut().zip(bytes) {
                *o = b.to_ascii_uppercase();
            }
            Ok(Self(out))
        } else {
            Err(MoneyError::InvalidCurrency(code.to_owned()))
        }
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("currency codes are ASCII")
    }

    /// Decimal places of the currency's minor unit (ISO 4217): 0 for JPY/KRW/…, 3 for
    /// BHD/KWD/…, 2 otherwise.
    pub fn scale(&self) -> u32 {
        match self.code() {
            "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF"
            | "UGX" | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(&s).map_err(serde::de::Error::custom)
    }
}

/// An exact amount at its currency's scale. Serialized as `{"amount": "12.30", "currency":
/// "USD"}` (the amount as a string, so no JSON reader turns it into a float).
///
/// Deserialization goes through [`Money::parse`], so JSON can never build a `Money` that the
/// constructors would refuse (too many decimals, out of range, a JSON number).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawMoney")]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    amount: Decimal,
    currency: Currency,
}

/// The wire shape of [`Money`] before validation. The amount must be a JSON string: a JSON number
/// would already have passed through a float in most readers.
#[derive(Deserialize)]
struct RawMoney {
    amount: String,
    currency: Currency,
}

impl TryFrom<RawMoney> for Money {
    type Error = MoneyError;
    fn try_from(raw: RawMoney) -> Result<Self, Self::Error> {
        Money::parse(&raw.amount, raw.currency)
    }
}

impl Money {
    /// An amount that already fits the currency's scale (more decimals are refused, never
    /// silently rounded; use [`Money::rounded`] when rounding is what the source system does).
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let scale = currency.scale();
        let normalized = amount.normalize();
        if normalized.scale() > scale {
            return Err(MoneyError::TooPrecise {
                amount,
                currency,
                scale,
            });
        }
        let mut amount = normalized;
        amount.rescale(scale);
        Self::check_range(amount)?;
        Ok(Self { amount, currency })
    }

    /// Rounds half away from zero to the currency's scale.
    pub fn rounded(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        Self::new(round_half_away(amount, currency.scale()), currency)
    }

    /// Parses decimal text such as `"12.3"` or `"-0.10"` exactly.
    pub fn parse(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let amount = Decimal::from_str_exact(text.trim())
            .map_err(|_| MoneyError::Unparsable(text.to_owned()))?;
        Self::new(amount, currency)
    }

    pub fn zero(currency: Currency) -> Self {
        Self::from_minor(0, currency)
    }

    /// From integer minor units (cents for USD), as the ledger stores amounts.
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self {
            amount: Decimal::new(minor, currency.scale()),
            currency,
        }
    }

    /// Integer minor units (cents for USD).
    pub fn to_minor(&self) -> i64 {
        i64::try_from(self.amount.mantissa()).expect("range checked on construction")
    }

    fn check_range(amount: Decimal) -> Result<(), MoneyError> {
        i64::try_from(amount.mantissa())
            .map(|_| ())
            .map_err(|_| MoneyError::OutOfRange(amount))
    }

    pub fn amount(&self) -> Decimal {
        self.amount
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    fn same_currency(&self, other: &Self) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    pub fn checked_add(&self, other: &Self) -> Result<Self, MoneyError> {
        self.same_currency(other)?;
        let minor = self.to_minor().checked_add(other.to_minor());
        minor
            .map(|m| Self::from_minor(m, self.currency))
            .ok_or(MoneyError::OutOfRange(self.amount))
    }

    pub fn checked_sub(&self, other: &Self) -> Result<Self, MoneyError> {
        self.checked_add(&other.negate())
    }

    pub fn negate(&self) -> Self {
        Self {
            amount: -self.amount,
            currency: self.currency,
        }
    }

    /// Sums amounts of one currency; an empty list sums to zero in `currency`.
    pub fn sum<'a>(
        currency: Currency,
        items: impl IntoIterator<Item = &'a Money>,
    ) -> Result<Self, MoneyError> {
        items
            .into_iter()
            .try_fold(Self::zero(currency), |acc, m| acc.checked_add(m))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({} {})", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn rounding_is_half_away_from_zero_not_bankers() {
        assert_eq!(round_half_away(dec!(10.005), 2), dec!(10.01));
        assert_eq!(round_half_away(dec!(10.015), 2), dec!(10.02));
        assert_eq!(round_half_away(dec!(-10.005), 2), dec!(-10.01));
        assert_eq!(round_half_away(dec!(10.0049), 2), dec!(10.00));
    }

    #[test]
    fn construction_refuses_extra_precision_and_keeps_scale() {
        let usd = Currency::USD;
        assert_eq!(
            Money::new(dec!(12.3), usd).unwrap().amount().to_string(),
            "12.30"
        );
        assert!(matches!(
            Money::new(dec!(1.005), usd),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert_eq!(Money::rounded(dec!(1.005), usd).unwrap().to_minor(), 101);
        assert_eq!(
            Money::new(dec!(5), Currency::new("jpy").unwrap())
                .unwrap()
                .to_minor(),
            5
        );
        assert!(Money::parse("1e3", usd).is_err());
    }

    #[test]
    fn mixed_currencies_are_refused() {
        let a = Money::parse("1.00", Currency::USD).unwrap();
        let b = Money::parse("1.00", Currency::new("EUR").unwrap()).unwrap();
        assert!(matches!(
            a.checked_add(&b),
            Err(MoneyError::CurrencyMismatch(..))
        ));
    }

    #[test]
    fn deserialization_validates_like_the_constructors() {
        let too_precise = r#"{"amount":"1.005","currency":"USD"}"#;
        assert!(serde_json::from_str::<Money>(too_precise).is_err());
        let number = r#"{"amount":1.05,"currency":"USD"}"#;
        assert!(serde_json::from_str::<Money>(number).is_err());
        let huge = r#"{"amount":"99999999999999999999","currency":"USD"}"#;
        assert!(serde_json::from_str::<Money>(huge).is_err());
        let short = r#"{"amount":"12.3","currency":"usd"}"#;
        let m: Money = serde_json::from_str(short).unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"amount":"12.30","currency":"USD"}"#
        );
    }

    #[test]
    fn json_carries_the_amount_as_exact_text() {
        let m = Money::parse("0.10", Currency::USD).unwrap();
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"0.10","currency":"USD"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
    }
}
