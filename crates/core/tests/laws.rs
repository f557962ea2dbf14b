//! The laws of the merge, the paths, money, rounding and allocation, checked with proptest.

mod support;

use ledgerbridge_core::money::round_half_away;
use ledgerbridge_core::{
    Currency, FieldConflict, FieldPath, Money, Policy, PolicySet, Record, SideTimes, SourceRef,
    allocate, diff, field_value, merge, with_values,
};
use proptest::prelude::*;
use rust_decimal::Decimal;
use support::{arb_customer, arb_invoice};

fn swapped(conflicts: &[FieldConflict]) -> Vec<FieldConflict> {
    conflicts
        .iter()
        .map(|c| FieldConflict {
            path: c.path.clone(),
            base: c.base.clone(),
            servicetitan: c.accounting.clone(),
            accounting: c.servicetitan.clone(),
        })
        .collect()
}

/// The merge laws, for any record type.
fn merge_laws<R: Record>(base: &R, x: &R, y: &R) -> Result<(), TestCaseError> {
    // One side unchanged: the other side wins, whichever side that is, with no conflict.
    let only_accounting = merge(base, base, x).unwrap();
    prop_assert!(only_accounting.is_clean());
    prop_assert_eq!(&only_accounting.merged, x);
    let only_servicetitan = merge(base, x, base).unwrap();
    prop_assert!(only_servicetitan.is_clean());
    prop_assert_eq!(&only_servicetitan.merged, x);

    // Both sides made the same change: no conflict, and that is the result.
    let same = merge(base, x, x).unwrap();
    prop_assert!(same.is_clean());
    prop_assert_eq!(&same.merged, x);

    // The conflicting fields do not depend on which side is called "ours".
    let xy = merge(base, x, y).unwrap();
    let yx = merge(base, y, x).unwrap();
    prop_assert_eq!(&xy.conflicts, &swapped(&yx.conflicts));

    // Every conflict is a real disagreement on a field both sides changed.
    for c in &xy.conflicts {
        prop_assert!(
            c.servicetitan != c.accounting && c.base != c.servicetitan && c.base != c.accounting
        );
    }

    // Settled by "X wins" everywhere, every change X made lands in the result.
    for (policy, winner) in [(Policy::ServiceTitanWins, x), (Policy::AccountingWins, y)] {
        let settled = PolicySet::new(policy)
            .settle(xy.clone(), &SideTimes::default())
            .unwrap();
        prop_assert!(settled.manual.is_empty());
        for change in diff(base, winner).unwrap() {
            prop_assert_eq!(
                field_value(&settled.merged, &change.path).unwrap(),
                change.new,
                "{}",
                change.path
            );
        }
    }
    Ok(())
}

/// Applying a diff's new values to the old record reproduces the new one (item order aside).
fn diff_law<R: Record>(a: &R, b: &R) -> Result<(), TestCaseError> {
    let changes = diff(a, b).unwrap();
    prop_assert_eq!(changes.is_empty(), diff(b, a).unwrap().is_empty());
    let patched = with_values(a, changes.into_iter().map(|c| (c.path, c.new))).unwrap();
    prop_assert_eq!(diff(&patched, b).unwrap(), vec![]);
    prop_assert_eq!(diff(a, a).unwrap(), vec![]);
    Ok(())
}

proptest! {
    #[test]
    fn invoice_merge_laws(base in arb_invoice(), x in arb_invoice(), y in arb_invoice()) {
        merge_laws(&base, &x, &y)?;
    }

    #[test]
    fn customer_merge_laws(base in arb_customer(), x in arb_customer(), y in arb_customer()) {
        merge_laws(&base, &x, &y)?;
    }

    #[test]
    fn diffs_apply_back(a in arb_invoice(), b in arb_invoice(), c in arb_customer(), d in arb_customer()) {
        diff_law(&a, &b)?;
        diff_law(&c, &d)?;
    }
}

fn arb_ref() -> impl Strategy<Value = SourceRef> {
    prop_oneof![
        (0i64..=i64::MAX).prop_map(SourceRef::ServiceTitan),
        "[A-Za-z0-9._-]{1,64}".prop_map(SourceRef::Accounting),
    ]
}

fn arb_path() -> impl Strategy<Value = FieldPath> {
    let segment = ("[a-z][a-z0-9_]{0,12}", proptest::option::of(arb_ref())).prop_map(
        |(name, key)| match key {
            Some(key) => ledgerbridge_core::Segment::item(&name, key).unwrap(),
            None => ledgerbridge_core::Segment::field(&name).unwrap(),
        },
    );
    proptest::collection::vec(segment, 1..5).prop_map(|s| FieldPath::new(s).unwrap())
}

/// Text that is often a valid path and often almost one (leading zeros, signs, empty keys,
/// doubled dots, upper case, spaces), to check that everything accepted has one spelling.
fn near_valid_path_text() -> impl Strategy<Value = String> {
    use proptest::sample::select;
    let name = select(vec!["lines", "memo", "x_1", "Memo", "_a", "", "a b"]);
    let key = select(vec![
        "",
        "[st:0]",
        "[st:12]",
        "[st:012]",
        "[st:-1]",
        "[st:+1]",
        "[st:]",
        "[acct:a.b-_]",
        "[acct:x y]",
        "[acct:]",
        "[*]",
        "[12]",
        "[st:1",
    ]);
    let separator = select(vec![".", ".", ".", "..", ""]);
    proptest::collection::vec((name, key, separator), 1..4).prop_map(|segments| {
        let mut text = String::new();
        for (i, (name, key, separator)) in segments.into_iter().enumerate() {
            if i > 0 {
                text.push_str(separator);
            }
            text.push_str(name);
            text.push_str(key);
        }
        text
    })
}

proptest! {
    #[test]
    fn paths_round_trip_through_text(path in arb_path()) {
        let text = path.to_string();
        prop_assert_eq!(text.parse::<FieldPath>(), Ok(path.clone()));
        let json = serde_json::to_string(&path).unwrap();
        prop_assert_eq!(serde_json::from_str::<FieldPath>(&json).unwrap(), path);
    }

    #[test]
    fn path_text_is_canonical(text in near_valid_path_text()) {
        // Whatever parses prints back exactly as it was written: one spelling per path.
        if let Ok(path) = text.parse::<FieldPath>() {
            prop_assert_eq!(path.to_string(), text);
        }
    }
}

/// Half away from zero, independently: integer division on the mantissa.
fn reference_round(mantissa: i64, scale: u32, dp: u32) -> Decimal {
    if dp >= scale {
        return Decimal::new(mantissa, scale);
    }
    let factor = 10i128.pow(scale - dp);
    let (m, f) = (i128::from(mantissa), factor);
    let (mut q, r) = (m / f, m % f);
    if 2 * r.abs() >= f {
        q += m.signum();
    }
    Decimal::from_i128_with_scale(q, dp)
}

fn currencies() -> impl Strategy<Value = Currency> {
    prop_oneof![
        Just(Currency::USD),
        Just(Currency::new("JPY").unwrap()),
        Just(Currency::new("KWD").unwrap())
    ]
}

proptest! {
    #[test]
    fn rounding_is_half_away_from_zero(mantissa in any::<i64>(), scale in 0u32..=12, dp in 0u32..=4) {
        let rounded = round_half_away(Decimal::new(mantissa, scale), dp);
        prop_assert_eq!(rounded, reference_round(mantissa, scale, dp));
    }

    #[test]
    fn money_round_trips_through_json_and_minor_units(minor in -(10i64.pow(15))..10i64.pow(15), currency in currencies()) {
        let m = Money::from_minor(minor, currency);
        let json = serde_json::to_string(&m).unwrap();
        let back: Money = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, m);
        prop_assert_eq!(back.to_minor(), minor);
        prop_assert_eq!(Money::parse(&m.amount().to_string(), currency), Ok(m));
    }

    #[test]
    fn allocations_sum_exactly_and_stay_within_a_unit(
        total in -(10i64.pow(12))..10i64.pow(12),
        weights in proptest::collection::vec((-(10i64.pow(9))..10i64.pow(9), 0u32..=4), 1..12),
        currency in currencies(),
    ) {
        let weights: Vec<Decimal> = weights.into_iter().map(|(m, s)| Decimal::new(m, s)).collect();
        // Exact shares as integers at scale 4: share_i = total * w_i / W.
        let ints: Vec<i128> = weights.iter().map(|w| (w * Decimal::from(10_000)).mantissa()
            / 10i128.pow((w * Decimal::from(10_000)).scale())).collect();
        let w_sum: i128 = ints.iter().sum();
        let total = Money::from_minor(total, currency);
        let parts = match allocate(total, &weights) {
            Ok(parts) => parts,
            Err(e) => {
                prop_assert!(w_sum == 0, "refused only a zero weight sum: {e}");
                return Ok(());
            }
        };
        prop_assert_eq!(parts.len(), weights.len());
        prop_assert_eq!(Money::sum(currency, &parts), Ok(total));
        let t = i128::from(total.to_minor());
        // part - t*w/W, scaled by |W| to stay in integers.
        let errors: Vec<i128> = parts
            .iter()
            .zip(&ints)
            .map(|(part, w)| (i128::from(part.to_minor()) * w_sum - t * w) * w_sum.signum())
            .collect();
        for ((part, w), error) in parts.iter().zip(&ints).zip(&errors) {
            prop_assert!(error.abs() < w_sum.abs(), "part {part} strays a unit from its share");
            if *w == 0 {
                prop_assert!(part.is_zero());
            }
        }
        // Largest remainder: the parts rounded up are those with the largest remainders, so
        // no rounded-up part is further above its share than a rounded-down one is below by
        // more than a unit: the errors spread over at most one unit.
        let spread = errors.iter().max().unwrap() - errors.iter().min().unwrap();
        prop_assert!(spread <= w_sum.abs(), "rounding errors spread over more than one unit");
        let negated = allocate(total.negate(), &weights).unwrap();
        prop_assert_eq!(negated, parts.iter().map(Money::negate).collect::<Vec<_>>());
    }
}

#[test]
fn money_edge_values_round_trip() {
    let usd = Currency::USD;
    for (amount, json) in [
        (
            Money::parse("0.1", usd).unwrap(),
            r#"{"amount":"0.10","currency":"USD"}"#,
        ),
        (
            Money::rounded(Decimal::new(5, 3), usd).unwrap(),
            r#"{"amount":"0.01","currency":"USD"}"#,
        ),
        (
            Money::rounded(Decimal::new(-5, 3), usd).unwrap(),
            r#"{"amount":"-0.01","currency":"USD"}"#,
        ),
        (
            Money::parse("1234567.89", usd).unwrap(),
            r#"{"amount":"1234567.89","currency":"USD"}"#,
        ),
    ] {
        assert_eq!(serde_json::to_string(&amount).unwrap(), json);
        assert_eq!(serde_json::from_str::<Money>(json).unwrap(), amount);
        assert_eq!(Money::from_minor(amount.to_minor(), usd), amount);
    }
    assert_eq!(
        Money::parse("0.1", usd)
            .unwrap()
            .checked_add(&Money::parse("0.2", usd).unwrap())
            .unwrap()
            .to_minor(),
        30
    );
}
