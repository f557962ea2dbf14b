//! Sales-form lines: item lines (amount = qty x price, TAX/NON codes), description-only
//! lines, discounts, stable line ids and the subtotal line QuickBooks returns.

use rust_decimal::Decimal;

use super::names::{fill_ref, resolve_ref};
use super::{Company, Kind, Record};
use crate::fault::Fault;
use crate::json::{Json, Obj, reference};
use crate::money::round2;
use crate::obj;

pub(super) struct Totals {
    pub(super) subtotal: Decimal,
    pub(super) taxable: Decimal,
    pub(super) discount: Decimal,
}

/// Validates the lines, assigns line ids, and appends the subtotal line QuickBooks returns.
pub(super) fn lines(
    co: &Company,
    body: &mut Obj,
    existing: Option<&Record>,
) -> Result<Totals, Fault> {
    let input: Vec<Obj> = body
        .arr("Line")
        .iter()
        .filter_map(|l| l.as_obj().cloned())
        .filter(|l| l.str("DetailType") != Some("SubTotalLineDetail"))
        .collect();
    if input.is_empty() {
        return Err(Fault::required("Line"));
    }
    // Line ids: kept when the client sends them back, fresh ones above every id used so far.
    let used = |l: &Obj| l.str("Id").and_then(|i| i.parse::<u64>().ok());
    let mut next_id = existing
        .map(|e| {
            e.body
                .arr("Line")
                .iter()
                .filter_map(|l| l.as_obj().and_then(used))
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
        .max(input.iter().filter_map(used).max().unwrap_or(0))
        + 1;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(input.len() + 1);
    let mut totals = Totals {
        subtotal: Decimal::ZERO,
        taxable: Decimal::ZERO,
        discount: Decimal::ZERO,
    };
    let mut pending_discounts = Vec::new();
    for (index, mut line) in input.into_iter().enumerate() {
        let id = match used(&line) {
            Some(id) if seen.insert(id) => id,
            _ => {
                let id = next_id;
                next_id += 1;
                seen.insert(id);
                id
            }
        };
        line.insert("Id", id.to_string());
        line.insert("LineNum", Json::int(index as i64 + 1));
        let detail_type = line
            .str("DetailType")
            .ok_or_else(|| Fault::required("Line.DetailType"))?
            .to_owned();
        match detail_type.as_str() {
            "SalesItemLineDetail" => {
                let (amount, taxable) = sales_item_line(co, &mut line)?;
                totals.subtotal += amount;
                if taxable {
                    totals.taxable += amount;
                }
            }
            "DescriptionOnly" => {
                let amount = amount_of(&line)?.unwrap_or_default();
                line.insert("Amount", Json::num(amount));
                if !line.contains("DescriptionLineDetail") {
                    line.insert("DescriptionLineDetail", Obj::new());
                }
                totals.subtotal += amount;
            }
            "DiscountLineDetail" => pending_discounts.push(out.len()),
            other => {
                return Err(Fault::invalid_request(format!(
                    "Line DetailType {other} is not supported on this form"
                ))
                .with_element("DetailType"));
            }
        }
        out.push(line);
    }
    for index in pending_discounts {
        let line = &mut out[index];
        let detail = line.obj("DiscountLineDetail").cloned().unwrap_or_default();
        let percent = detail
            .decimal("DiscountPercent")
            .map_err(|_| Fault::invalid_number("DiscountPercent"))?;
        let amount = if detail.bool("PercentBased") == Some(true) {
            let pct = percent.ok_or_else(Fault::discount_line)?;
            round2(totals.subtotal * pct / Decimal::ONE_HUNDRED)
        } else {
            amount_of(line)?.ok_or_else(Fault::discount_line)?
        };
        line.insert("Amount", Json::num(amount));
        totals.discount += amount;
    }
    out.push(obj! {
        "Amount" => Json::num(round2(totals.subtotal)),
        "DetailType" => "SubTotalLineDetail",
        "SubTotalLineDetail" => Obj::new(),
    });
    body.insert("Line", Json::Arr(out.into_iter().map(Json::Obj).collect()));
    Ok(totals)
}

fn amount_of(line: &Obj) -> Result<Option<Decimal>, Fault> {
    line.decimal("Amount")
        .map(|a| a.map(round2))
        .map_err(|_| Fault::invalid_number("Amount"))
}

/// Returns the line amount and whether it is taxable.
fn sales_item_line(co: &Company, line: &mut Obj) -> Result<(Decimal, bool), Fault> {
    let mut detail = line.obj("SalesItemLineDetail").cloned().unwrap_or_default();
    if !detail.contains("ItemRef") {
        // QuickBooks falls back to its built-in "Services" item.
        detail.insert("ItemRef", reference("1", None));
    }
    let item = resolve_ref(co, Kind::Item, &detail, "ItemRef")?
        .expect("ItemRef set above")
        .clone();
    fill_ref(&mut detail, "ItemRef", Kind::Item, &item);
    if let Some(class) = resolve_ref(co, Kind::Class, &detail, "ClassRef")? {
        let class = class.clone();
        fill_ref(&mut detail, "ClassRef", Kind::Class, &class);
    }
    let qty = detail
        .decimal("Qty")
        .map_err(|_| Fault::invalid_number("Qty"))?;
    let price = detail
        .decimal("UnitPrice")
        .map_err(|_| Fault::invalid_number("UnitPrice"))?;
    let given = amount_of(line)?;
    let amount = match (given, qty, price) {
        // Zero means "not given": python-quickbooks sends Qty 0 and UnitPrice 0 by default,
        // and its integration tests (run against Intuit's sandbox) create such lines.
        (Some(amount), Some(q), Some(p)) if !q.is_zero() && !p.is_zero() => {
            let calculated = round2(q * p);
            if calculated != amount {
                return Err(Fault::amount_calculation(
                    &amount.to_string(),
                    &calculated.to_string(),
                ));
            }
            amount
        }
        (Some(amount), _, _) => amount,
        (None, Some(q), Some(p)) => round2(q * p),
        (None, None, Some(p)) => round2(p),
        (None, _, None) => return Err(Fault::required("Line.Amount")),
    };
    if let Some(q) = qty {
        detail.insert("Qty", Json::num(q.normalize()));
    }
    if let Some(p) = price {
        detail.insert("UnitPrice", Json::num(p.normalize()));
    }
    let code = match detail.ref_value("TaxCodeRef") {
        Some(code) if code == "TAX" || code == "NON" => code.to_owned(),
        Some(other) => return Err(Fault::line_tax_code(other)),
        None if item.body.bool("Taxable") == Some(true) => "TAX".to_owned(),
        None => "NON".to_owned(),
    };
    detail.insert("TaxCodeRef", reference(&code, None));
    line.insert("Amount", Json::num(amount));
    line.insert("SalesItemLineDetail", detail);
    Ok((amount, code == "TAX"))
}
