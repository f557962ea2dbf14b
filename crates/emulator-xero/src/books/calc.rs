//! Line and tax arithmetic, exactly as Xero documents it:
//! `LineAmount = Quantity x UnitAmount x (100 - DiscountRate) / 100`, rounded to cents; the tax
//! of a line comes from its TaxType's rate (Exclusive: on top of the line amount; Inclusive:
//! contained in it; NoTax: none) unless the line carries its own `TaxAmount`. Tax is rounded per
//! line (Xero's default "round tax per line item" organisation setting), half away from zero.

use rust_decimal::Decimal;

use super::model::{Line, LineAmountTypes};
use crate::wire::round2;

/// The line amount before tax treatment.
pub(crate) fn line_amount(
    quantity: Decimal,
    unit_amount: Decimal,
    discount_rate: Option<Decimal>,
) -> Decimal {
    let gross = quantity * unit_amount;
    match discount_rate {
        Some(rate) if !rate.is_zero() => {
            round2(gross * (Decimal::ONE_HUNDRED - rate) / Decimal::ONE_HUNDRED)
        }
        _ => round2(gross),
    }
}

/// The tax of one line at `rate` percent.
pub(crate) fn line_tax(amount: Decimal, rate: Decimal, types: LineAmountTypes) -> Decimal {
    match types {
        LineAmountTypes::NoTax => Decimal::ZERO,
        LineAmountTypes::Exclusive => round2(amount * rate / Decimal::ONE_HUNDRED),
        LineAmountTypes::Inclusive => {
            if rate.is_zero() {
                Decimal::ZERO
            } else {
                round2(amount * rate / (Decimal::ONE_HUNDRED + rate))
            }
        }
    }
}

/// Fills in `line_amount` and `tax_amount` (an explicit tax amount wins, except under NoTax).
pub(crate) fn finish_line(
    line: &mut Line,
    types: LineAmountTypes,
    rate: Decimal,
    tax_override: Option<Decimal>,
) {
    line.line_amount = line_amount(line.quantity, line.unit_amount, line.discount_rate);
    line.tax_amount = match (types, tax_override) {
        (LineAmountTypes::NoTax, _) => Decimal::ZERO,
        (_, Some(tax)) => round2(tax),
        (_, None) => line_tax(line.line_amount, rate, types),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    #[test]
    fn exclusive_inclusive_and_no_tax() {
        assert_eq!(line_amount(dec!(1.5), dec!(125.00), None), dec!(187.50));
        assert_eq!(line_amount(dec!(3), dec!(3.3333), None), dec!(10.00));
        assert_eq!(
            line_amount(dec!(2), dec!(100), Some(dec!(12.5))),
            dec!(175.00)
        );
        assert_eq!(
            line_tax(dec!(1189.00), dec!(8.7), LineAmountTypes::Exclusive),
            dec!(103.44)
        );
        // 115.00 inclusive of 15% holds 15.00 of tax.
        assert_eq!(
            line_tax(dec!(115.00), dec!(15), LineAmountTypes::Inclusive),
            dec!(15.00)
        );
        assert_eq!(
            line_tax(dec!(99.99), dec!(8.7), LineAmountTypes::NoTax),
            dec!(0)
        );
        // Half away from zero: 0.05 x 10% = 0.005 -> 0.01.
        assert_eq!(
            line_tax(dec!(0.05), dec!(10), LineAmountTypes::Exclusive),
            dec!(0.01)
        );
    }
}
