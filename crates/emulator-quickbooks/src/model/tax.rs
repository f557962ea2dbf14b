//! US automated sales tax (AST), as the demo company (created after 2017-11-10) uses it.
//!
//! The jurisdiction comes from the ship-to address (the transaction's `ShipAddr`, the
//! customer's `ShipAddr`, the transaction's `BillAddr`, the customer's `BillAddr`, and last the
//! company's own address). Each component rate is applied to the taxable amount and rounded
//! half away from zero **per rate**, so the total can differ by a cent from a system that
//! rounds once at invoice level (ServiceTitan), as it does in life. A `TxnTaxDetail.TotalTax`
//! in the request overrides the computed total and is prorated over the rate lines; a
//! `TxnTaxCodeRef` sent by the client is ignored (AST overrides it).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::{Company, Kind};
use crate::json::{Json, Obj, reference};
use crate::money::round2;
use crate::obj;

/// What to do with a transaction's tax on this write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaxInstruction {
    /// The request carried `TxnTaxDetail.TotalTax`: honour it.
    Override(Decimal),
    /// Tax inputs changed (or a create): compute.
    Recompute,
    /// Nothing tax-relevant changed: keep the stored detail.
    Keep,
}

/// The TaxCode id of the jurisdiction for an address; `None` outside the company's nexus
/// (another state or country: no tax).
pub fn zone_for(co: &Company, address: Option<&Obj>) -> Option<String> {
    let company = co.company_address();
    let address = address
        .filter(|a| a.str("CountrySubDivisionCode").is_some())
        .unwrap_or(&company);
    if let Some(country) = address.str("Country") {
        let c = country.trim().to_ascii_uppercase();
        if !c.is_empty() && c != "US" && c != "USA" && c != "UNITED STATES" {
            return None;
        }
    }
    let state = address
        .str("CountrySubDivisionCode")?
        .trim()
        .to_ascii_uppercase();
    let city = address.str("City").map(|c| c.trim().to_ascii_lowercase());
    let by_city = co.tax_zones.iter().find(|(s, c, _)| {
        *s == state
            && c.as_ref()
                .is_some_and(|c| Some(c.to_ascii_lowercase()) == city)
    });
    let by_state = co
        .tax_zones
        .iter()
        .find(|(s, c, _)| *s == state && c.is_none());
    by_city.or(by_state).map(|(_, _, code)| code.clone())
}

/// The rate (percent) of a TaxRate on a date: the `EffectiveTaxRate` entry covering the date,
/// else `RateValue`.
pub fn rate_on(co: &Company, rate_id: &str, date: NaiveDate) -> Option<Decimal> {
    let rate = co.get(Kind::TaxRate, rate_id)?;
    for period in rate.body.arr("EffectiveTaxRate") {
        let Some(p) = period.as_obj() else { continue };
        let starts = p.str("EffectiveDate").and_then(date_part);
        let ends = p.str("EndDate").and_then(date_part);
        if starts.is_none_or(|s| s <= date)
            && ends.is_none_or(|e| date <= e)
            && let Ok(Some(v)) = p.decimal("RateValue")
        {
            return Some(v);
        }
    }
    rate.body.decimal("RateValue").ok().flatten()
}

fn date_part(text: &str) -> Option<NaiveDate> {
    crate::time::parse_date(text.get(..10)?)
}

/// The component rates of a TaxCode: (TaxRate id, name).
fn components(co: &Company, code_id: &str) -> Vec<(String, String)> {
    let Some(code) = co.get(Kind::TaxCode, code_id) else {
        return Vec::new();
    };
    code.body
        .obj("SalesTaxRateList")
        .map(|l| l.arr("TaxRateDetail"))
        .unwrap_or(&[])
        .iter()
        .filter_map(|d| d.as_obj()?.obj("TaxRateRef"))
        .filter_map(|r| {
            Some((
                r.str("value")?.to_owned(),
                r.str("name").unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

/// Builds `TxnTaxDetail` for a taxable base on `date` in jurisdiction `zone`.
pub fn detail(
    co: &Company,
    zone: Option<&str>,
    taxable_base: Decimal,
    date: NaiveDate,
    instruction: TaxInstruction,
) -> (Obj, Decimal) {
    if taxable_base.is_zero() && !matches!(instruction, TaxInstruction::Override(_)) {
        // Nothing taxable: QuickBooks answers a bare `{"TotalTax": 0}`.
        let mut out = Obj::new();
        out.insert("TotalTax", Json::num(Decimal::new(0, 2)));
        return (out, Decimal::ZERO);
    }
    let rates: Vec<(String, String, Decimal)> = zone
        .map(|z| components(co, z))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(id, name)| rate_on(co, &id, date).map(|r| (id, name, r)))
        .collect();
    let computed: Vec<Decimal> = rates
        .iter()
        .map(|(_, _, pct)| round2(taxable_base * *pct / Decimal::ONE_HUNDRED))
        .collect();
    let computed_total: Decimal = computed.iter().copied().sum();
    let amounts = match instruction {
        TaxInstruction::Override(total) => prorate(round2(total), &computed),
        _ => computed.clone(),
    };
    let total = match instruction {
        TaxInstruction::Override(total) => round2(total),
        _ => round2(computed_total),
    };
    let lines: Vec<Json> = rates
        .iter()
        .zip(amounts.iter().zip(&computed))
        .map(|((id, name, pct), (amount, computed))| {
            let mut detail = obj! {
                "TaxRateRef" => reference(id, Some(name)),
                "PercentBased" => true,
                "TaxPercent" => Json::num(pct.normalize()),
                "NetAmountTaxable" => Json::num(round2(taxable_base)),
            };
            if amount != computed {
                detail.insert(
                    "OverrideDeltaAmount",
                    Json::num(round2(*amount - *computed)),
                );
            }
            Json::Obj(obj! {
                "Amount" => Json::num(round2(*amount)),
                "DetailType" => "TaxLineDetail",
                "TaxLineDetail" => detail,
            })
        })
        .collect();
    let mut out = Obj::new();
    if let Some(zone) = zone {
        out.insert("TxnTaxCodeRef", reference(zone, None));
    }
    out.insert("TotalTax", Json::num(total));
    out.insert("TaxLine", Json::Arr(lines));
    (out, total)
}

/// Spreads `total` over lines in proportion to `weights`; the last line takes the remainder so
/// the lines always add up to `total`.
fn prorate(total: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    if weights.is_empty() {
        return Vec::new();
    }
    let sum: Decimal = weights.iter().copied().sum();
    let mut out = Vec::with_capacity(weights.len());
    let mut assigned = Decimal::ZERO;
    for (i, w) in weights.iter().enumerate() {
        let share = if i + 1 == weights.len() {
            total - assigned
        } else if sum.is_zero() {
            if i == 0 { total } else { Decimal::ZERO }
        } else {
            round2(total * *w / sum)
        };
        assigned += share;
        out.push(share);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::prelude::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    #[test]
    fn prorating_always_adds_up() {
        let parts = prorate(d("10.00"), &[d("6.26"), d("1.00"), d("2.50")]);
        assert_eq!(parts.iter().copied().sum::<Decimal>(), d("10.00"));
        assert_eq!(
            prorate(d("3.00"), &[Decimal::ZERO, Decimal::ZERO]),
            vec![d("3.00"), Decimal::ZERO]
        );
    }
}
