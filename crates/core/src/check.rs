//! Consistency checks of invoices and payments: do the parts add up?
//!
//! A remote that recalculated tax, a mapping that dropped a line or a rounding rule applied at the
//! wrong level all show up here as typed [`Discrepancy`] values, which the report lists record by
//! record. The checks are exact (integer minor units): a one-cent difference is a discrepancy.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

use crate::ids::SourceRef;
use crate::model::{Invoice, Payment};
use crate::money::{Currency, Money, round_half_away};
use crate::path::{FieldPath, Segment};

/// `invoice.total` or `lines[st:1].amount`, from names that are valid by construction.
fn path(parts: &[(&str, Option<&SourceRef>)]) -> FieldPath {
    let segments = parts.iter().map(|(name, key)| match key {
        Some(key) => Segment::item(name, (*key).clone()),
        None => Segment::field(name),
    });
    let segments = segments
        .collect::<Result<Vec<_>, _>>()
        .expect("static names are valid");
    FieldPath::new(segments).expect("at least one segment")
}

/// One way a record does not add up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Discrepancy {
    /// An amount is not in the record's currency; sums are not checked while this holds.
    CurrencyMismatch {
        /// Which amount, e.g. `lines[st:4521].amount`.
        field: FieldPath,
        /// The record's currency.
        expected: Currency,
        /// The amount's currency.
        found: Currency,
    },
    /// Two lines, tax lines or allocations share a key.
    DuplicateKey {
        /// The collection item path, e.g. `lines[st:4521]`.
        field: FieldPath,
    },
    /// A line's amount is not its quantity times unit price, rounded half away from zero.
    LineAmount {
        /// The line.
        line: SourceRef,
        /// quantity x unit price, rounded.
        expected: Money,
        /// The line's amount.
        found: Money,
    },
    /// The lines do not sum to the subtotal.
    Subtotal {
        /// Sum of the line amounts.
        lines: Money,
        /// The stated subtotal.
        subtotal: Money,
    },
    /// The tax lines do not sum to the tax (checked only when there are tax lines).
    TaxLines {
        /// Sum of the tax line amounts.
        tax_lines: Money,
        /// The stated tax.
        tax: Money,
    },
    /// Subtotal plus tax is not the total.
    Total {
        /// subtotal + tax.
        expected: Money,
        /// The stated total.
        total: Money,
    },
    /// A payment's allocations plus its unapplied amount are not its amount.
    PaymentSplit {
        /// Allocations + unapplied.
        allocated: Money,
        /// The payment's amount.
        amount: Money,
    },
}

impl fmt::Display for Discrepancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CurrencyMismatch {
                field,
                expected,
                found,
            } => {
                write!(f, "{field} is in {found}, the record in {expected}")
            }
            Self::DuplicateKey { field } => write!(f, "{field} appears more than once"),
            Self::LineAmount {
                line,
                expected,
                found,
            } => {
                write!(
                    f,
                    "line {line}: amount {found}, quantity x unit price {expected}"
                )
            }
            Self::Subtotal { lines, subtotal } => {
                write!(f, "lines sum to {lines}, subtotal is {subtotal}")
            }
            Self::TaxLines { tax_lines, tax } => {
                write!(f, "tax lines sum to {tax_lines}, tax is {tax}")
            }
            Self::Total { expected, total } => {
                write!(f, "subtotal + tax is {expected}, total is {total}")
            }
            Self::PaymentSplit { allocated, amount } => {
                write!(
                    f,
                    "allocations + unapplied are {allocated}, payment is {amount}"
                )
            }
        }
    }
}

/// Reports amounts not in `currency`.
fn currency_mismatches<'a>(
    currency: Currency,
    amounts: impl IntoIterator<Item = (FieldPath, &'a Money)>,
) -> Vec<Discrepancy> {
    amounts
        .into_iter()
        .filter(|(_, m)| m.currency() != currency)
        .map(|(field, m)| Discrepancy::CurrencyMismatch {
            field,
            expected: currency,
            found: m.currency(),
        })
        .collect()
}

fn duplicates<'a>(
    collection: &str,
    keys: impl IntoIterator<Item = &'a SourceRef>,
) -> Vec<Discrepancy> {
    let mut seen = BTreeSet::new();
    let repeated: BTreeSet<&SourceRef> = keys.into_iter().filter(|k| !seen.insert(*k)).collect();
    repeated
        .into_iter()
        .map(|k| Discrepancy::DuplicateKey {
            field: path(&[(collection, Some(k))]),
        })
        .collect()
}

/// Sums amounts already known to be in `currency`; `None` only on overflow beyond `i64` minor
/// units, where a sum check is meaningless anyway.
fn sum<'a>(currency: Currency, amounts: impl IntoIterator<Item = &'a Money>) -> Option<Money> {
    Money::sum(currency, amounts).ok()
}

impl Invoice {
    /// Everything about this invoice that does not add up, in a fixed order; empty when
    /// consistent. Checks: currencies, duplicate keys, each line's quantity x unit price, lines
    /// = subtotal, tax lines = tax (if any), subtotal + tax = total.
    pub fn check(&self) -> Vec<Discrepancy> {
        let c = self.currency;
        let mut amounts = vec![
            (
                path(&[("invoice", None), ("subtotal", None)]),
                &self.subtotal,
            ),
            (path(&[("invoice", None), ("tax", None)]), &self.tax),
            (path(&[("invoice", None), ("total", None)]), &self.total),
            (path(&[("invoice", None), ("balance", None)]), &self.balance),
        ];
        let line_amount =
            |l: &'_ crate::model::InvoiceLine| path(&[("lines", Some(&l.key)), ("amount", None)]);
        amounts.extend(self.lines.iter().map(|l| (line_amount(l), &l.amount)));
        let tax_amount =
            |t: &'_ crate::model::TaxLine| path(&[("tax_lines", Some(&t.key)), ("amount", None)]);
        amounts.extend(self.tax_lines.iter().map(|t| (tax_amount(t), &t.amount)));
        let mut found = currency_mismatches(c, amounts);
        found.extend(duplicates("lines", self.lines.iter().map(|l| &l.key)));
        found.extend(duplicates(
            "tax_lines",
            self.tax_lines.iter().map(|t| &t.key),
        ));
        if found
            .iter()
            .any(|d| matches!(d, Discrepancy::CurrencyMismatch { .. }))
        {
            return found;
        }
        for line in &self.lines {
            let product = line.quantity.checked_mul(line.unit_price);
            let expected = product.and_then(|p| Money::new(round_half_away(p, c.scale()), c).ok());
            if let Some(expected) = expected.filter(|e| *e != line.amount) {
                found.push(Discrepancy::LineAmount {
                    line: line.key.clone(),
                    expected,
                    found: line.amount,
                });
            }
        }
        if let Some(lines) =
            sum(c, self.lines.iter().map(|l| &l.amount)).filter(|s| *s != self.subtotal)
        {
            found.push(Discrepancy::Subtotal {
                lines,
                subtotal: self.subtotal,
            });
        }
        if !self.tax_lines.is_empty() {
            let tax_lines = sum(c, self.tax_lines.iter().map(|t| &t.amount));
            if let Some(tax_lines) = tax_lines.filter(|s| *s != self.tax) {
                found.push(Discrepancy::TaxLines {
                    tax_lines,
                    tax: self.tax,
                });
            }
        }
        if let Some(expected) = self
            .subtotal
            .checked_add(&self.tax)
            .ok()
            .filter(|e| *e != self.total)
        {
            found.push(Discrepancy::Total {
                expected,
                total: self.total,
            });
        }
        found
    }
}

impl Payment {
    /// Everything about this payment that does not add up: currencies, duplicate invoices among
    /// the allocations, allocations + unapplied = amount.
    pub fn check(&self) -> Vec<Discrepancy> {
        let c = self.amount.currency();
        let mut amounts = vec![(
            path(&[("payment", None), ("unapplied", None)]),
            &self.unapplied,
        )];
        let allocated = |a: &'_ crate::model::Allocation| {
            path(&[("allocations", Some(&a.invoice)), ("amount", None)])
        };
        amounts.extend(self.allocations.iter().map(|a| (allocated(a), &a.amount)));
        let mut found = currency_mismatches(c, amounts);
        found.extend(duplicates(
            "allocations",
            self.allocations.iter().map(|a| &a.invoice),
        ));
        if found
            .iter()
            .any(|d| matches!(d, Discrepancy::CurrencyMismatch { .. }))
        {
            return found;
        }
        let parts = self
            .allocations
            .iter()
            .map(|a| &a.amount)
            .chain([&self.unapplied]);
        if let Some(allocated) = sum(c, parts).filter(|s| *s != self.amount) {
            found.push(Discrepancy::PaymentSplit {
                allocated,
                amount: self.amount,
            });
        }
        found
    }
}
