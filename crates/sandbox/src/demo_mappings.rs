//! Demo mappings for `ledgerbridge init --sandbox` (and the test worlds): every ServiceTitan value
//! of a sandbox tenant mapped to a sensible choice of its sandbox accounting company, by the
//! words in their names, so `sync` works at once.
//!
//! This is a convenience for the emulated demo companies, not a matcher for real books:
//! real mappings are a bookkeeper's decisions (`ledgerbridge mappings set|import`).

use ledgerbridge_connector::ConnectorError;
use ledgerbridge_core::System;
use ledgerbridge_ledger::{Mapping, MappingKind};
use ledgerbridge_protocol::{Choice, REFUND_ITEM, Source, Target};

/// The first choice whose label contains one of `words` (case-insensitive), else the first.
fn pick<'a>(choices: &'a [Choice], words: &[&str]) -> Option<&'a Choice> {
    let lower = |c: &Choice| c.label.to_lowercase();
    words
        .iter()
        .find_map(|w| choices.iter().find(|c| lower(c).contains(w)))
        .or_else(|| choices.first())
}

fn row(
    tenant: &str,
    system: System,
    kind: MappingKind,
    source: &str,
    to: Option<&Choice>,
) -> Option<Mapping> {
    to.map(|c| Mapping {
        tenant: tenant.to_owned(),
        target_system: system,
        kind,
        source: source.to_owned(),
        target: c.value.clone(),
        target_label: Some(c.label.clone()),
    })
}

/// Mappings for every ServiceTitan GL account, business unit, tax zone and payment type of
/// `st`'s tenant onto `target`'s lists, and of the target's payment methods back.
pub async fn demo_mappings<S: Source, T: Target>(
    tenant: &str,
    st: &S,
    target: &T,
) -> Result<Vec<Mapping>, ConnectorError> {
    let system = target.system();
    let choices = target.reference_choices().await?;
    let mut out = Vec::new();
    let revenue = if system == System::QuickBooks {
        &choices.items
    } else {
        &choices.accounts
    };
    for gl in st.gl_accounts().await? {
        if !gl.active
            || !gl
                .kind
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case("income"))
        {
            continue;
        }
        let name = gl.name.clone().unwrap_or_default().to_lowercase();
        let words: &[&str] = if name.contains("material") {
            &["material", "filter", "refrigerant", "product"]
        } else if name.contains("equipment") {
            &["equipment", "installation"]
        } else {
            &["service"]
        };
        let source = gl.number.clone().or(gl.name.clone()).unwrap_or_default();
        out.extend(row(
            tenant,
            system,
            MappingKind::GlAccount,
            &source,
            pick(revenue, words),
        ));
    }
    for bu in st.business_units().await? {
        let name = bu.name.clone().unwrap_or_default();
        let lower = name.to_lowercase();
        let words: &[&str] = if lower.contains("install") {
            &["install"]
        } else if lower.contains("maint") || lower.contains("heater") {
            &["commercial", "maint"]
        } else {
            &["residential", "service"]
        };
        out.extend(row(
            tenant,
            system,
            MappingKind::BusinessUnit,
            &name,
            pick(&choices.business_units, words),
        ));
    }
    for zone in st.tax_zones().await? {
        let name = zone.name.clone().unwrap_or_default();
        let exempt = zone.rates.iter().all(|r| r.tax_rate.is_zero());
        let first = name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_lowercase();
        let to = if exempt {
            pick(&choices.tax_codes, &["non", "exempt", "none"])
        } else {
            let taxable: Vec<Choice> = choices
                .tax_codes
                .iter()
                .filter(|c| !matches!(c.value.as_str(), "NON" | "NONE" | "TAX" | "INPUT"))
                .cloned()
                .collect();
            pick(&taxable, &[first.as_str(), "illinois", "sales tax"])
                .cloned()
                .as_ref()
                .and_then(|c| choices.tax_codes.iter().find(|x| x.value == c.value))
        };
        out.extend(row(tenant, system, MappingKind::TaxZone, &name, to));
    }
    // The way back (payments recorded in the books): QuickBooks payment method name or Xero
    // deposit account code -> the first ServiceTitan payment type that maps onto it.
    let mut reverse: std::collections::BTreeMap<String, String> = Default::default();
    for kind in st.payment_types().await? {
        let lower = kind.name.to_lowercase();
        let to = if lower.contains("ach") || lower.contains("financ") {
            pick(&choices.payment_types, &["checking", "bank"])
        } else {
            pick(&choices.payment_types, &["undeposited", "checking", "bank"])
        };
        let Some(account) = to else { continue };
        let value = match system {
            System::QuickBooks => {
                let word = ["cash", "check", "card"]
                    .into_iter()
                    .find(|w| lower.contains(w));
                let method = word.and_then(|w| {
                    let w = if w == "card" { "visa" } else { w };
                    choices
                        .payment_methods
                        .iter()
                        .find(|m| m.label.to_lowercase().contains(w))
                });
                match method {
                    Some(m) => {
                        reverse
                            .entry(m.label.clone())
                            .or_insert_with(|| kind.name.clone());
                        format!("{}/{}", account.value, m.value)
                    }
                    None => account.value.clone(),
                }
            }
            _ => {
                reverse
                    .entry(account.value.clone())
                    .or_insert_with(|| kind.name.clone());
                account.value.clone()
            }
        };
        out.push(Mapping {
            tenant: tenant.to_owned(),
            target_system: system,
            kind: MappingKind::PaymentType,
            source: kind.name.clone(),
            target: value,
            target_label: Some(account.label.clone()),
        });
    }
    out.extend(reverse.into_iter().map(|(source, to)| Mapping {
        tenant: tenant.to_owned(),
        target_system: system,
        kind: MappingKind::PaymentTypeReverse,
        source,
        target_label: Some(to.clone()),
        target: to,
    }));
    if system == System::QuickBooks {
        out.extend(row(
            tenant,
            system,
            MappingKind::Item,
            REFUND_ITEM,
            pick(&choices.items, &["service"]),
        ));
    }
    Ok(out)
}
