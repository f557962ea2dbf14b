//! Splitting an amount over weights by largest remainder, so the parts always sum exactly.
//!
//! The Xero connector uses this to spread ServiceTitan's invoice-level tax over the taxable lines
//! (Xero only takes tax per line): the line taxes must add up to ServiceTitan's tax to the cent,
//! which independent per-line rounding cannot promise.
//!
//! The arithmetic is exact integer arithmetic on minor units and on the weights' mantissas: the
//! exact share of part `i` is `total * w_i / sum(w)`, a rational number. Each part first gets
//! the floor of its share; the minor units left over (always fewer than the parts with a
//! fractional share) go one each to the largest fractional remainders, ties to the lower index.
//! So every part is within one minor unit of its exact share, parts with a zero weight get
//! exactly zero, and `allocate(-t, w)` is `-allocate(t, w)` (the sign is handled outside the
//! rounding, so a refund is split the mirror way of the sale).

use rust_decimal::Decimal;

use crate::money::{Money, MoneyError};

/// Why an amount could not be split.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocationError {
    /// A non-zero amount cannot be split over no parts.
    #[error("cannot allocate a non-zero amount over no weights")]
    NoWeights,
    /// The weights sum to zero (all zero, or positives cancelling negatives), so there is no
    /// proportion to follow for a non-zero amount.
    #[error("cannot allocate a non-zero amount over weights that sum to zero")]
    ZeroWeightSum,
    /// The weights or a part do not fit the exact integer arithmetic (around 10^37), or a part
    /// does not fit `Money`.
    #[error("allocation overflows: {0}")]
    Overflow(&'static str),
    /// A part was refused by `Money` (out of range for the currency).
    #[error(transparent)]
    Money(#[from] MoneyError),
}

/// Splits `total` over `weights` in proportion, by largest remainder: the parts sum exactly to
/// `total`, each differs from its exact share by less than one minor unit, zero weights get
/// zero, and ties go to the lower index (so the result is deterministic).
///
/// Weights may be negative (a discount line); the proportion is `w_i / sum(w)`. A zero `total`
/// always yields zeros, even over no weights or weights summing to zero.
pub fn allocate(total: Money, weights: &[Decimal]) -> Result<Vec<Money>, AllocationError> {
    let currency = total.currency();
    if total.is_zero() {
        return Ok(vec![Money::zero(currency); weights.len()]);
    }
    if weights.is_empty() {
        return Err(AllocationError::NoWeights);
    }
    let mut numerators = integer_weights(weights)?;
    let mut denominator: i128 = numerators
        .iter()
        .try_fold(0i128, |acc, w| acc.checked_add(*w))
        .ok_or(AllocationError::Overflow("sum of weights"))?;
    if denominator == 0 {
        return Err(AllocationError::ZeroWeightSum);
    }
    // Normalise signs so the denominator and the total are positive; the shares are unchanged
    // by the first flip and simply negated by the second.
    if denominator < 0 {
        denominator = -denominator;
        numerators.iter_mut().for_each(|w| *w = -*w);
    }
    let negative_total = total.is_negative();
    let total_minor = total.to_minor().unsigned_abs();
    let denominator = denominator.unsigned_abs();

    let mut floors = Vec::with_capacity(numerators.len());
    let mut remainders = Vec::with_capacity(numerators.len());
    for w in &numerators {
        let (quotient, remainder) = mul_div(total_minor, w.unsigned_abs(), denominator)?;
        let quotient = i128::try_from(quotient).map_err(|_| AllocationError::Overflow("part"))?;
        if *w >= 0 || remainder == 0 {
            floors.push(if *w >= 0 { quotient } else { -quotient });
            remainders.push(remainder);
        } else {
            // floor(-q - r/d) = -q - 1, leaving a fractional part of (d - r)/d.
            floors.push(-quotient - 1);
            remainders.push(denominator - remainder);
        }
    }
    let floor_sum: i128 = floors.iter().sum();
    let leftover = usize::try_from(i128::from(total_minor) - floor_sum)
        .map_err(|_| AllocationError::Overflow("leftover"))?;

    let mut order: Vec<usize> = (0..numerators.len()).collect();
    order.sort_by(|&a, &b| remainders[b].cmp(&remainders[a]).then(a.cmp(&b)));
    for &i in order.iter().take(leftover) {
        floors[i] += 1;
    }
    floors
        .into_iter()
        .map(|minor| {
            let minor = if negative_total { -minor } else { minor };
            let minor = i64::try_from(minor).map_err(|_| AllocationError::Overflow("part"))?;
            Ok(Money::from_minor(minor, currency))
        })
        .collect()
}

/// Brings every weight to the largest scale among them and returns the mantissas, so the
/// proportions become exact integer ratios.
fn integer_weights(weights: &[Decimal]) -> Result<Vec<i128>, AllocationError> {
    let normalized: Vec<Decimal> = weights.iter().map(|w| w.normalize()).collect();
    let scale = normalized.iter().map(Decimal::scale).max().unwrap_or(0);
    normalized
        .iter()
        .map(|w| {
            let factor = 10i128
                .checked_pow(scale - w.scale())
                .ok_or(AllocationError::Overflow("weight scale"))?;
            w.mantissa()
                .checked_mul(factor)
                .ok_or(AllocationError::Overflow("weight"))
        })
        .collect()
}

/// `(a * b) / d` and `(a * b) % d` exactly, for `a < 2^64`, `b, d < 2^127`, `d > 0`, without a
/// big-integer dependency: the 191-bit product is split as `high * 2^64 + low`, `high` is divided
/// directly, and the last 64 bits by schoolbook long division (the running remainder stays
/// below `d < 2^127`, so shifting it left never overflows).
fn mul_div(a: u64, b: u128, d: u128) -> Result<(u128, u128), AllocationError> {
    const HALF: u32 = 64;
    if b >> 127 != 0 || d >> 127 != 0 || d == 0 {
        return Err(AllocationError::Overflow("weight"));
    }
    let a = u128::from(a);
    let b_low = b & u128::from(u64::MAX);
    let b_high = b >> HALF;
    let p_low = a * b_low;
    let high = a * b_high + (p_low >> HALF);
    let low = p_low & u128::from(u64::MAX);

    let high_quotient = high / d;
    let mut remainder = high % d;
    if high_quotient >> HALF != 0 {
        return Err(AllocationError::Overflow("part"));
    }
    let mut low_quotient: u128 = 0;
    for bit in (0..HALF).rev() {
        remainder = (remainder << 1) | ((low >> bit) & 1);
        low_quotient <<= 1;
        if remainder >= d {
            remainder -= d;
            low_quotient |= 1;
        }
    }
    Ok(((high_quotient << HALF) | low_quotient, remainder))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use rust_decimal::dec;

    fn usd(text: &str) -> Money {
        Money::parse(text, Currency::USD).unwrap()
    }

    fn minors(parts: &[Money]) -> Vec<i64> {
        parts.iter().map(Money::to_minor).collect()
    }

    #[test]
    fn splits_a_cent_by_largest_remainder_with_ties_to_the_first() {
        let parts = allocate(usd("0.10"), &[dec!(1), dec!(1), dec!(1)]).unwrap();
        assert_eq!(minors(&parts), [4, 3, 3]);
        let parts = allocate(usd("-0.10"), &[dec!(1), dec!(1), dec!(1)]).unwrap();
        assert_eq!(minors(&parts), [-4, -3, -3]);
    }

    #[test]
    fn distributes_tax_over_lines_to_the_cent() {
        // 9.5% of 33.33 + 66.67 + 0 = 9.50 exactly; per-line rounding would give 3.17 + 6.33.
        let parts = allocate(usd("9.50"), &[dec!(33.33), dec!(66.67), dec!(0)]).unwrap();
        assert_eq!(minors(&parts), [317, 633, 0]);
        assert_eq!(Money::sum(Currency::USD, &parts).unwrap(), usd("9.50"));
    }

    #[test]
    fn handles_discount_lines_and_negative_sums() {
        let parts = allocate(usd("1.00"), &[dec!(150), dec!(-50)]).unwrap();
        assert_eq!(minors(&parts), [150, -50]);
        let flipped = allocate(usd("1.00"), &[dec!(-150), dec!(50)]).unwrap();
        assert_eq!(minors(&flipped), [150, -50]);
    }

    #[test]
    fn refuses_what_cannot_sum() {
        assert_eq!(allocate(usd("1.00"), &[]), Err(AllocationError::NoWeights));
        assert_eq!(
            allocate(usd("1.00"), &[dec!(0), dec!(0)]),
            Err(AllocationError::ZeroWeightSum)
        );
        assert_eq!(
            allocate(usd("1.00"), &[dec!(2), dec!(-2)]),
            Err(AllocationError::ZeroWeightSum)
        );
        assert_eq!(minors(&allocate(usd("0"), &[]).unwrap()), Vec::<i64>::new());
        assert_eq!(minors(&allocate(usd("0"), &[dec!(0)]).unwrap()), [0]);
    }

    #[test]
    fn exact_for_extreme_weights_and_totals() {
        let max = Money::from_minor(i64::MAX, Currency::USD);
        let weights = [Decimal::MAX, Decimal::MAX / dec!(3)];
        let parts = allocate(max, &weights).unwrap();
        let sum: i128 = parts.iter().map(|m| i128::from(m.to_minor())).sum();
        assert_eq!(sum, i128::from(i64::MAX));
        // a * (d + 4) / d = a remainder 4a, for 4a < d: checks the 190-bit product path.
        let (a, d) = (u64::MAX, (1u128 << 126) + 1);
        assert_eq!(
            mul_div(a, d + 4, d).unwrap(),
            (u128::from(a), 4 * u128::from(a))
        );
        assert!(
            mul_div(u64::MAX, 1 << 126, 7).is_err(),
            "a quotient beyond 128 bits is refused"
        );
    }
}
