//! Laws over generated record sets: the explained differences add up to the variance exactly,
//! each side's totals are the sums of its own documents, and a matched record explains
//! nothing.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use ledgerbridge_core::{Currency, InvoiceStatus, Money, System};
use ledgerbridge_report::model::OpenConflict;
use ledgerbridge_report::{Basis, Doc, Measures, RecordInput, Status, TenantInput, build};
use proptest::prelude::*;

use crate::fixtures::{generated_at, november};

fn currency() -> impl Strategy<Value = Currency> {
    prop_oneof![
        4 => Just(Currency::USD),
        1 => Just(Currency::new("EUR").unwrap()),
    ]
}

fn doc() -> impl Strategy<Value = (Currency, Doc)> {
    (
        currency(),
        -500_000i64..5_000_000,
        0i64..500_000,
        0u8..=100,
        prop_oneof![8 => Just(InvoiceStatus::Posted), 1 => Just(InvoiceStatus::Voided), 1 => Just(InvoiceStatus::Draft)],
        0u32..40,
    )
        .prop_map(|(cur, sub, tax, paid_pct, status, n)| {
            let m = |minor| Money::from_minor(minor, cur);
            let total = sub + tax;
            let balance = total - total * i64::from(paid_pct) / 100;
            let d = Doc::new(
                format!("id{n}"),
                format!("N{n}"),
                NaiveDate::from_ymd_opt(2026, 11, 1 + n % 28),
                status,
                [m(sub), m(tax), m(total), m(balance)],
            )
            .unwrap();
            (cur, d)
        })
}

/// A document of the accounting side that mostly agrees with ServiceTitan's (so matches and
/// single-field mismatches are common, not only wholesale differences).
fn twin(st: &Doc, change: u8, delta: i64) -> Doc {
    let mut d = st.clone();
    let cur = st.currency;
    let shift = |m: Money| m.checked_add(&Money::from_minor(delta, cur)).unwrap();
    match change {
        0 => {}
        1 => {
            d.tax = shift(d.tax);
            d.total = shift(d.total);
            d.balance = shift(d.balance);
        }
        2 => {
            d.subtotal = shift(d.subtotal);
            d.total = shift(d.total);
            d.balance = shift(d.balance);
        }
        3 => {
            d.balance = shift(d.balance);
            d.payments = d.total.checked_sub(&d.balance).unwrap();
        }
        _ => d.status = InvoiceStatus::Voided,
    }
    d
}

fn record() -> impl Strategy<Value = RecordInput> {
    (
        prop::option::of(doc()),
        prop::option::of(doc()),
        0u8..8,
        -300i64..300,
        any::<bool>(),
        0u8..10,
        any::<bool>(),
    )
        .prop_map(|(st, other, change, delta, use_twin, flag, dup)| {
            let st = st.map(|(_, d)| d);
            let accounting = match (&st, use_twin) {
                (Some(s), true) => Some(twin(s, change, delta)),
                _ => other.map(|(_, d)| d),
            };
            RecordInput {
                blocked: (flag == 1).then(|| "unmapped SKU".to_owned()),
                conflict: (flag == 2).then(|| OpenConflict {
                    id: 1,
                    fields: Vec::new(),
                }),
                duplicate_of: dup.then(|| "ServiceTitan invoice 1".to_owned()),
                servicetitan: st,
                accounting,
            }
        })
}

fn tenant(records: Vec<RecordInput>) -> TenantInput {
    TenantInput {
        tenant: "1".into(),
        target: System::Xero,
        company: "c".into(),
        servicetitan_basis: Basis::Ledger,
        accounting_basis: Basis::Live,
        records,
    }
}

fn add(sums: &mut BTreeMap<String, Measures>, m: &Measures) {
    let key = m.currency().code().to_owned();
    let entry = sums
        .entry(key)
        .or_insert_with(|| Measures::zero(m.currency()));
    *entry = entry.plus(m).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn explained_differences_sum_to_the_variance_exactly(
        records in prop::collection::vec(record(), 0..40)
    ) {
        let report = build(november(), generated_at(), Vec::new(), vec![tenant(records.clone())]).unwrap();
        let t = &report.tenants[0];

        // Each side's totals are the sums of that side's documents, computed here on their own.
        let (mut st, mut acct) = (BTreeMap::new(), BTreeMap::new());
        for r in &records {
            if let Some(d) = &r.servicetitan { add(&mut st, &d.measures()); }
            if let Some(d) = &r.accounting { add(&mut acct, &d.measures()); }
        }
        let mut explained = BTreeMap::new();
        for r in &t.records {
            add(&mut explained, &r.explains);
        }
        for totals in &t.totals {
            let code = totals.currency.code();
            let zero = Measures::zero(totals.currency);
            prop_assert_eq!(&totals.servicetitan, st.get(code).unwrap_or(&zero));
            prop_assert_eq!(&totals.accounting, acct.get(code).unwrap_or(&zero));
            prop_assert_eq!(totals.variance, totals.accounting.minus(&totals.servicetitan).unwrap());
            // The law: the listed records explain the variance to the cent.
            prop_assert_eq!(&totals.variance, explained.get(code).unwrap_or(&zero));
        }
        // No currency explains anything without a totals row.
        for (code, m) in &explained {
            if !t.totals.iter().any(|x| x.currency.code() == code) {
                prop_assert!(m.is_zero());
            }
        }
        for r in &t.records {
            if r.status == Status::Matched {
                prop_assert!(r.explains.is_zero(), "a matched record explains {:?}", r.explains);
                prop_assert!(r.differences.is_empty());
            }
            if r.tax_recalculated {
                prop_assert!(matches!(r.status, Status::TaxMismatch | Status::Blocked | Status::ConflictOpen));
            }
            if r.servicetitan.is_some() && r.accounting.is_none() {
                prop_assert!(matches!(r.status, Status::MissingInAccounting | Status::Blocked | Status::ConflictOpen));
            }
        }
        let counted: u64 = t.status_counts.values().sum();
        prop_assert_eq!(counted as usize, t.records.len());
        prop_assert!(t.records.len() >= records.len());
    }
}
