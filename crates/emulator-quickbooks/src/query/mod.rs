//! Running queries against the company file.
//!
//! Choices: comparisons on strings ignore case (`DisplayName = 'john smith'` finds "John
//! Smith"); `*Time` fields compare as instants (any offset, or the company's when none);
//! ids and references compare numerically; other strings (dates included, which are ISO)
//! compare as text. Name-list queries return only active objects unless the statement filters
//! on `Active` (minimul/qbo_api adds `Active IN (true, false)` for exactly this). Every field
//! of an entity is returned whatever the projection (the data-queries page: "the response set
//! always returns all properties"), except Item `Sku`, which only comes back when listed (as
//! python-quickbooks' `SELECT *, Sku FROM Item` assumes). Default order is by Id.

mod lex;
pub mod parse;

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::fault::Fault;
use crate::json::{Json, Obj};
use crate::model::{Company, Kind, Record};
use crate::time::parse_datetime;
use parse::{CmpOp, Cond, Lit, Select};

/// The largest page QuickBooks returns, and the page size when MAXRESULTS is omitted.
pub const MAX_RESULTS: i64 = 1000;
pub const DEFAULT_MAX_RESULTS: i64 = 100;

/// Runs a statement and returns the `QueryResponse` object.
pub fn run(co: &Company, text: &str) -> Result<Obj, Fault> {
    let query = parse::parse(text)?;
    let kind = Kind::parse(&query.entity).ok_or_else(|| {
        Fault::query_invalid(format!(
            "Unsupported entity or invalid entity name: {}",
            query.entity
        ))
    })?;
    let start = query.start.unwrap_or(1);
    let max = query.max.unwrap_or(DEFAULT_MAX_RESULTS);
    for (name, value) in [("STARTPOSITION", start), ("MAXRESULTS", max)] {
        if value < 1 {
            return Err(Fault::query_invalid(format!(
                "{name} value {value} is too small. Min allowed value is 1"
            )));
        }
    }
    if max > MAX_RESULTS {
        return Err(Fault::query_invalid(format!(
            "MAXRESULTS value {max} is too large. Max allowed value is {MAX_RESULTS}"
        )));
    }
    for cond in &query.conditions {
        validate(cond)?;
    }
    let filters_active = query
        .conditions
        .iter()
        .any(|c| c.field.eq_ignore_ascii_case("Active"));
    let mut rows: Vec<&Record> = co
        .live(kind)
        .filter(|r| !kind.is_name_list() || filters_active || r.body.bool("Active") != Some(false))
        .filter(|r| query.conditions.iter().all(|c| matches(r, c)))
        .collect();
    let mut out = Obj::new();
    if query.select == Select::Count {
        out.insert("totalCount", Json::int(rows.len() as i64));
        return Ok(out);
    }
    if !query.order.is_empty() {
        rows.sort_by(|a, b| {
            for (field, desc) in &query.order {
                let ord = compare_fields(field, a.field(field).as_ref(), b.field(field).as_ref());
                let ord = if *desc { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
    }
    let wants_sku = match &query.select {
        Select::All(extra) | Select::Fields(extra) => {
            extra.iter().any(|f| f.eq_ignore_ascii_case("Sku"))
        }
        Select::Count => false,
    };
    let page: Vec<Json> = rows
        .into_iter()
        .skip((start - 1) as usize)
        .take(max as usize)
        .map(|r| {
            let mut rendered = r.render();
            if kind == Kind::Item && !wants_sku {
                rendered.remove("Sku");
            }
            Json::Obj(rendered)
        })
        .collect();
    if page.is_empty() {
        return Ok(out);
    }
    let count = page.len() as i64;
    out.insert(kind.name(), Json::Arr(page));
    out.insert("startPosition", Json::int(start));
    out.insert("maxResults", Json::int(count));
    Ok(out)
}

fn is_time_field(field: &str) -> bool {
    field
        .rsplit('.')
        .next()
        .is_some_and(|last| last.to_ascii_lowercase().ends_with("time"))
}

fn is_id_field(field: &str) -> bool {
    let last = field
        .rsplit('.')
        .next()
        .unwrap_or(field)
        .to_ascii_lowercase();
    last == "id" || last == "synctoken" || last == "txnid" || last.ends_with("ref")
}

fn validate(cond: &Cond) -> Result<(), Fault> {
    if is_time_field(&cond.field) {
        for lit in &cond.values {
            if parse_datetime(&lit.text()).is_none() {
                return Err(Fault::query_invalid(format!(
                    "{} value '{}' is not a valid date-time",
                    cond.field,
                    lit.text()
                )));
            }
        }
    }
    if cond.op == CmpOp::Like && !matches!(cond.values.as_slice(), [Lit::Str(_)]) {
        return Err(Fault::query_invalid("LIKE needs a quoted pattern"));
    }
    Ok(())
}

fn matches(record: &Record, cond: &Cond) -> bool {
    let Some(value) = record.field(&cond.field) else {
        return false;
    };
    match cond.op {
        CmpOp::In => cond
            .values
            .iter()
            .any(|lit| compare_lit(&cond.field, &value, lit) == Some(Ordering::Equal)),
        CmpOp::Like => match (&value, &cond.values[0]) {
            (Json::Str(s), Lit::Str(pattern)) => like(&s.to_lowercase(), &pattern.to_lowercase()),
            _ => false,
        },
        op => {
            let Some(ord) = compare_lit(&cond.field, &value, &cond.values[0]) else {
                return false;
            };
            match op {
                CmpOp::Eq => ord == Ordering::Equal,
                CmpOp::Lt => ord == Ordering::Less,
                CmpOp::Gt => ord == Ordering::Greater,
                CmpOp::Le => ord != Ordering::Greater,
                CmpOp::Ge => ord != Ordering::Less,
                CmpOp::In | CmpOp::Like => false,
            }
        }
    }
}

/// `%` matches any run of characters (the only wildcard QuickBooks supports).
fn like(text: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return text == pattern;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(pos) => rest = &rest[pos + middle.len()..],
            None => return false,
        }
    }
    true
}

fn compare_lit(field: &str, value: &Json, lit: &Lit) -> Option<Ordering> {
    compare_values(field, value, &Json::Str(lit.text()))
}

fn compare_values(field: &str, a: &Json, b: &Json) -> Option<Ordering> {
    let text = |j: &Json| match j {
        Json::Str(s) | Json::Num(s) => Some(s.clone()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    if is_time_field(field) {
        return Some(parse_datetime(&text(a)?)?.cmp(&parse_datetime(&text(b)?)?));
    }
    match (a, b) {
        (Json::Num(_), _) | (_, Json::Num(_)) => {
            let x: Decimal = a.decimal()?;
            let y: Decimal = b.decimal()?;
            Some(x.cmp(&y))
        }
        (Json::Bool(_), _) | (_, Json::Bool(_)) => Some(a.as_bool()?.cmp(&b.as_bool()?)),
        _ => {
            let (x, y) = (text(a)?, text(b)?);
            if is_id_field(field)
                && let (Ok(x), Ok(y)) = (x.parse::<u64>(), y.parse::<u64>())
            {
                return Some(x.cmp(&y));
            }
            Some(x.to_lowercase().cmp(&y.to_lowercase()))
        }
    }
}

fn compare_fields(field: &str, a: Option<&Json>, b: Option<&Json>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => compare_values(field, a, b).unwrap_or(Ordering::Equal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_supports_percent_anywhere() {
        assert!(like("o'brien & sons bakery", "o'brien%"));
        assert!(like("o'brien & sons bakery", "%sons%"));
        assert!(like("o'brien & sons bakery", "%bakery"));
        assert!(like("abc", "a%b%c"));
        assert!(!like("abc", "%d%"));
        assert!(!like("ab", "a%b%b"));
    }
}
