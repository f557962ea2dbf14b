//! Classifying document pairs and totalling both sides: the pure heart of the report.
//!
//! Each side's totals are summed from that side's documents alone; each record's `explains`
//! is its own accounting figures minus its ServiceTitan figures. Every document is in exactly
//! one record, so the explained differences add up to the variance exactly; the proptest in
//! `tests/laws.rs` holds the code to that, and to "a matched record explains nothing".

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ledgerbridge_core::{Currency, InvoiceStatus, Money, MoneyError};

use crate::model::{
    CurrencyTotals, Difference, Doc, Measures, RecordInput, RecordLine, Report, SidesBasis, Status,
    TenantInput, TenantReport,
};
use crate::period::Period;

/// The version of the JSON shape.
pub const JSON_VERSION: u32 = 1;

/// Builds the report of `tenants` for `period`.
pub fn build(
    period: Period,
    generated_at: DateTime<Utc>,
    warnings: Vec<String>,
    tenants: Vec<TenantInput>,
) -> Result<Report, MoneyError> {
    let tenants = tenants
        .into_iter()
        .map(tenant_report)
        .collect::<Result<_, _>>()?;
    Ok(Report {
        version: JSON_VERSION,
        period: period.into(),
        generated_at,
        last_sync: None,
        warnings,
        tenants,
    })
}

fn tenant_report(input: TenantInput) -> Result<TenantReport, MoneyError> {
    let mut records = Vec::new();
    for record in input.records {
        for part in split_currencies(record) {
            records.push(classify(part)?);
        }
    }
    records.sort_by_key(order_key);
    let totals = side_totals(&records)?;
    let mut status_counts: BTreeMap<&'static str, u64> =
        Status::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for r in &records {
        *status_counts.entry(r.status.as_str()).or_default() += 1;
    }
    Ok(TenantReport {
        tenant: input.tenant,
        target: input.target,
        company: input.company,
        basis: SidesBasis {
            servicetitan: input.servicetitan_basis,
            accounting: input.accounting_basis,
        },
        status_counts,
        tax_recalculated: records.iter().filter(|r| r.tax_recalculated).count() as u64,
        totals,
        records,
    })
}

/// A pair in two currencies cannot be compared amount by amount: each side becomes a record
/// of its own, blocked with the reason (each explains its own side in its own currency).
fn split_currencies(record: RecordInput) -> Vec<RecordInput> {
    match (&record.servicetitan, &record.accounting) {
        (Some(st), Some(acct)) if st.currency != acct.currency => {
            let mut st_only = record.clone();
            st_only.accounting = None;
            let mut acct_only = record;
            acct_only.servicetitan = None;
            vec![st_only, acct_only]
                .into_iter()
                .map(|mut r| {
                    r.blocked.get_or_insert_with(|| {
                        "the two systems hold it in different currencies".into()
                    });
                    r
                })
                .collect()
        }
        _ => vec![record],
    }
}

fn order_key(r: &RecordLine) -> (Status, Option<chrono::NaiveDate>, String, String) {
    let doc = r.servicetitan.as_ref().or(r.accounting.as_ref());
    (
        r.status,
        doc.and_then(|d| d.date),
        doc.map(|d| d.number.clone()).unwrap_or_default(),
        doc.map(|d| d.id.clone()).unwrap_or_default(),
    )
}

fn currency_of(r: &RecordInput) -> Currency {
    r.servicetitan
        .as_ref()
        .or(r.accounting.as_ref())
        .map_or(Currency::USD, |d| d.currency)
}

fn status_word(s: InvoiceStatus) -> &'static str {
    match s {
        InvoiceStatus::Draft => "draft",
        InvoiceStatus::Posted => "posted",
        InvoiceStatus::Voided => "voided",
    }
}

/// Field by field, where the two documents differ.
fn differences(st: &Doc, acct: &Doc) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            out.push(Difference {
                field: name.to_owned(),
                servicetitan: a,
                accounting: b,
            });
        }
    };
    field("number", st.number.clone(), acct.number.clone());
    field(
        "status",
        status_word(st.status).into(),
        status_word(acct.status).into(),
    );
    let text = |m: &Money| m.amount().to_string();
    field("subtotal", text(&st.subtotal), text(&acct.subtotal));
    field("tax", text(&st.tax), text(&acct.tax));
    field("total", text(&st.total), text(&acct.total));
    field("payments", text(&st.payments), text(&acct.payments));
    field("balance", text(&st.balance), text(&acct.balance));
    out
}

fn classify(input: RecordInput) -> Result<RecordLine, MoneyError> {
    let currency = currency_of(&input);
    let zero = Measures::zero(currency);
    let st = input.servicetitan.as_ref().map_or(zero, Doc::measures);
    let acct = input.accounting.as_ref().map_or(zero, Doc::measures);
    let explains = acct.minus(&st)?;
    let mut differences = match (&input.servicetitan, &input.accounting) {
        (Some(s), Some(a)) => differences(s, a),
        _ => Vec::new(),
    };
    let tax_differs = differences.iter().any(|d| d.field == "tax");
    let tax_recalculated = tax_differs && !differences.iter().any(|d| d.field == "subtotal");
    let mut reason = input.blocked.clone();
    let status = if let Some(conflict) = &input.conflict {
        reason.get_or_insert_with(|| {
            format!(
                "conflict {} is open: changed on both sides since the last sync",
                conflict.id
            )
        });
        differences.extend(conflict.fields.iter().cloned());
        Status::ConflictOpen
    } else if input.blocked.is_some() {
        Status::Blocked
    } else {
        match (&input.servicetitan, &input.accounting) {
            (Some(_), Some(_)) if tax_differs => Status::TaxMismatch,
            (Some(_), Some(_)) if !differences.is_empty() => Status::AmountMismatch,
            (Some(_), Some(_)) => Status::Matched,
            (Some(_), None) => Status::MissingInAccounting,
            (None, Some(_)) => match &input.duplicate_of {
                Some(of) => {
                    reason = Some(format!("same number as {of}"));
                    Status::DuplicateSuspected
                }
                None => Status::MissingInServicetitan,
            },
            (None, None) => Status::Blocked,
        }
    };
    Ok(RecordLine {
        status,
        reason,
        currency,
        servicetitan: input.servicetitan,
        accounting: input.accounting,
        conflict_id: input.conflict.map(|c| c.id),
        tax_recalculated,
        differences,
        explains,
    })
}

/// Each side summed from its own documents, per currency, and the variance between them.
fn side_totals(records: &[RecordLine]) -> Result<Vec<CurrencyTotals>, MoneyError> {
    let mut sides: BTreeMap<String, (Measures, Measures)> = BTreeMap::new();
    for r in records {
        for (doc, is_st) in [(&r.servicetitan, true), (&r.accounting, false)] {
            let Some(doc) = doc else { continue };
            let zero = Measures::zero(doc.currency);
            let entry = sides
                .entry(doc.currency.code().to_owned())
                .or_insert((zero, zero));
            let side = if is_st { &mut entry.0 } else { &mut entry.1 };
            *side = side.plus(&doc.measures())?;
        }
    }
    sides
        .into_values()
        .map(|(servicetitan, accounting)| {
            Ok(CurrencyTotals {
                currency: servicetitan.currency(),
                variance: accounting.minus(&servicetitan)?,
                servicetitan,
                accounting,
            })
        })
        .collect()
}
