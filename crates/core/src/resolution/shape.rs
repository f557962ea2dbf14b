//! Typed values: how the text a person typed for a conflicting field becomes the canonical
//! JSON value of that field, and the check that the value fits the record.
//!
//! The shape of a field decides how its text is read: money in the field's currency, exact
//! decimal text for quantities, prices and rates, `YYYY-MM-DD` dates, yes/no, a JSON object
//! for a whole line, plain text otherwise. The final word is the model's: [`check_value`] puts
//! the value into the record's last agreed snapshot with [`with_values`], which refuses a path
//! the record does not have and a value that does not fit it.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use super::ResolutionError;
use crate::fields::with_values;
use crate::ids::EntityKind;
use crate::merge::FieldConflict;
use crate::model::{Customer, Invoice, Payment, Record};
use crate::money::{Currency, Money};
use crate::path::FieldPath;

/// How a typed value is read. Dates and decimals are known by the field's name in the
/// canonical model (a numeric-looking invoice number is still text); the others by the values
/// the field has on either side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// An amount in this currency.
    Money(Currency),
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A quantity, unit price or rate: exact decimal text, normalized (`1.50` is `1.5`).
    Decimal,
    /// Yes or no.
    Bool,
    /// A whole collection item (a line), as a JSON object.
    Object,
    /// Text.
    Text,
}

/// Field names holding exact decimal text in the canonical model.
const DECIMAL_FIELDS: [&str; 3] = ["quantity", "unit_price", "rate"];

/// Whether `value` is a canonical money object, `{"amount": "12.30", "currency": "USD"}`.
fn is_money(value: &Value) -> bool {
    value.as_object().is_some_and(|m| {
        m.len() == 2
            && m.get("amount").is_some_and(Value::is_string)
            && m.get("currency").is_some_and(Value::is_string)
    })
}

impl Shape {
    /// The shape of a conflicting field, from its path's last name and its three values.
    pub fn of(field: &FieldConflict) -> Self {
        let last = field.path.segments().last();
        let name = last.map(|s| s.name()).unwrap_or_default();
        let samples = [&field.servicetitan, &field.accounting, &field.base];
        let sample = samples.into_iter().find(|v| !v.is_null());
        match sample {
            Some(v) if is_money(v) => v
                .get("currency")
                .and_then(Value::as_str)
                .and_then(|c| Currency::new(c).ok())
                .map_or(Self::Object, Self::Money),
            Some(Value::Bool(_)) => Self::Bool,
            Some(Value::Object(_) | Value::Array(_)) => Self::Object,
            _ if last.is_some_and(|s| s.key().is_some()) => Self::Object,
            _ if DECIMAL_FIELDS.contains(&name) => Self::Decimal,
            _ if name == "date" || name.ends_with("_date") => Self::Date,
            _ => Self::Text,
        }
    }

    /// What to type, for a form or a command's help.
    pub fn hint(self) -> String {
        match self {
            Self::Money(c) => format!("An amount in {c}, e.g. 1250.00"),
            Self::Date => "A date, YYYY-MM-DD; empty clears it".to_owned(),
            Self::Decimal => "A number, e.g. 1.5".to_owned(),
            Self::Bool => "yes or no".to_owned(),
            Self::Object => "The whole item as JSON, or empty to remove it".to_owned(),
            Self::Text => "Text; empty clears the field".to_owned(),
        }
    }

    /// The canonical JSON of `text` in this shape; the error says what was expected.
    pub fn read(self, text: &str) -> Result<Value, String> {
        let trimmed = text.trim();
        match self {
            Self::Money(currency) => Money::parse(trimmed, currency)
                .map_err(|e| format!("not an amount in {currency}: {e}"))
                .and_then(|m| serde_json::to_value(m).map_err(|e| e.to_string())),
            Self::Date if trimmed.is_empty() => Ok(Value::Null),
            Self::Date => NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
                .map(|d| Value::String(d.to_string()))
                .map_err(|_| format!("{trimmed:?} is not a date (YYYY-MM-DD)")),
            Self::Decimal => Decimal::from_str_exact(trimmed)
                .map(|d| Value::String(d.normalize().to_string()))
                .map_err(|_| format!("{trimmed:?} is not a number")),
            Self::Bool => match trimmed.to_ascii_lowercase().as_str() {
                "yes" | "true" => Ok(Value::Bool(true)),
                "no" | "false" => Ok(Value::Bool(false)),
                _ => Err("answer yes or no".to_owned()),
            },
            Self::Object if trimmed.is_empty() => Ok(Value::Null),
            Self::Object => serde_json::from_str(trimmed).map_err(|e| format!("not JSON: {e}")),
            Self::Text if trimmed.is_empty() => Ok(Value::Null),
            Self::Text => Ok(Value::String(trimmed.to_owned())),
        }
    }
}

/// Reads a record of kind `R` from its canonical JSON (a base snapshot).
pub(super) fn read_record<R: Record>(json: &Value) -> Result<R, ResolutionError> {
    serde_json::from_value(json.clone()).map_err(|e| ResolutionError::UnreadableRecord {
        reason: e.to_string(),
    })
}

/// Checks that `value` fits `path` of the record whose last agreed form is `base` (an unknown
/// path, a value of the wrong type, an amount with too many decimals are refused).
pub fn check_value(
    entity: EntityKind,
    base: &Value,
    path: &FieldPath,
    value: Value,
) -> Result<(), ResolutionError> {
    fn fits<R: Record>(
        base: &Value,
        path: &FieldPath,
        value: Value,
    ) -> Result<(), ResolutionError> {
        let record: R = read_record(base)?;
        with_values(&record, [(path.clone(), value)])
            .map(drop)
            .map_err(|reason| ResolutionError::DoesNotFit {
                path: path.clone(),
                reason,
            })
    }
    match entity {
        EntityKind::Customer => fits::<Customer>(base, path, value),
        EntityKind::Invoice => fits::<Invoice>(base, path, value),
        EntityKind::Payment => fits::<Payment>(base, path, value),
        EntityKind::CreditNote => Err(ResolutionError::Unsupported { entity }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(st: Value, acct: Value) -> FieldConflict {
        at("invoice.total", st, acct)
    }

    fn at(path: &str, st: Value, acct: Value) -> FieldConflict {
        FieldConflict {
            path: path.parse().unwrap(),
            base: Value::Null,
            servicetitan: st,
            accounting: acct,
        }
    }

    #[test]
    fn shapes_follow_the_values() {
        let usd = json!({"amount": "1.00", "currency": "USD"});
        assert_eq!(
            Shape::of(&field(usd.clone(), usd)),
            Shape::Money(Currency::new("USD").unwrap())
        );
        assert_eq!(Shape::of(&field(json!(null), json!(true))), Shape::Bool);
        assert_eq!(
            Shape::of(&field(json!({"key": "st:1"}), json!(null))),
            Shape::Object
        );
        assert_eq!(Shape::of(&field(json!("a"), json!("b"))), Shape::Text);
        let quantity = at("lines[st:1].quantity", json!("1"), json!("2"));
        assert_eq!(Shape::of(&quantity), Shape::Decimal);
        let due = at("invoice.due_date", json!(null), json!("2026-01-02"));
        assert_eq!(Shape::of(&due), Shape::Date);
        // A numeric-looking invoice number stays text: "04521" must not become "4521".
        assert_eq!(
            Shape::of(&at("invoice.number", json!("4521"), json!("4522"))),
            Shape::Text
        );
        // A whole line removed on both sides' terms is still a line.
        assert_eq!(
            Shape::of(&at("lines[st:1]", json!(null), json!(null))),
            Shape::Object
        );
    }

    #[test]
    fn typed_text_is_read_by_shape() {
        let usd = Shape::Money(Currency::new("USD").unwrap());
        assert_eq!(
            usd.read(" 12.5 ").unwrap(),
            json!({"amount": "12.50", "currency": "USD"})
        );
        assert!(usd.read("12.345").is_err());
        assert!(usd.read("twelve").is_err());
        assert_eq!(Shape::Bool.read("Yes").unwrap(), json!(true));
        assert!(Shape::Bool.read("maybe").is_err());
        assert_eq!(Shape::Text.read("  ").unwrap(), Value::Null);
        assert_eq!(Shape::Text.read("04521").unwrap(), json!("04521"));
        assert_eq!(Shape::Decimal.read("1.50").unwrap(), json!("1.5"));
        assert!(Shape::Decimal.read("1,5").is_err());
        assert_eq!(Shape::Date.read("2026-02-28").unwrap(), json!("2026-02-28"));
        assert!(Shape::Date.read("2026-02-30").is_err());
        assert_eq!(Shape::Date.read("").unwrap(), Value::Null);
        assert_eq!(Shape::Object.read("").unwrap(), Value::Null);
        assert!(Shape::Object.read("{nope").is_err());
    }
}
