//! CSV for spreadsheets: RFC 4180 (comma, CRLF, every cell that needs it quoted with doubled
//! quotes), one header row, amounts as plain decimals (`-12.50`, no grouping, no currency
//! sign). Text cells starting with `=`, `+`, `-`, `@`, tab or carriage return are prefixed
//! with `'` ([`defuse_formula`], shared with `mappings export`) so a spreadsheet never runs
//! them as a formula; amounts are written by the report itself and stay numbers.
//!
//! Rows: one `record` row per record, and one `totals` row per tenant and currency whose
//! ServiceTitan and accounting columns hold each side's totals and whose variance columns
//! hold the variance.

use ledgerbridge_core::Money;
use ledgerbridge_core::spreadsheet::defuse_formula;

use super::differences_text;
use crate::model::{Doc, Measures, Report};

/// The header row's columns.
pub const HEADER: [&str; 32] = [
    "row",
    "tenant",
    "target",
    "status",
    "reason",
    "currency",
    "servicetitan_id",
    "servicetitan_number",
    "servicetitan_date",
    "servicetitan_count",
    "servicetitan_subtotal",
    "servicetitan_tax",
    "servicetitan_total",
    "servicetitan_payments",
    "servicetitan_balance",
    "accounting_id",
    "accounting_number",
    "accounting_date",
    "accounting_count",
    "accounting_subtotal",
    "accounting_tax",
    "accounting_total",
    "accounting_payments",
    "accounting_balance",
    "variance_count",
    "variance_subtotal",
    "variance_tax",
    "variance_total",
    "variance_payments",
    "variance_balance",
    "tax_recalculated",
    "differences",
];

enum Cell {
    Text(String),
    Number(String),
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn amount(m: &Money) -> Cell {
    Cell::Number(m.amount().to_string())
}

/// A text cell made safe for a spreadsheet: no formula, quoted when it must be.
fn escape(cell: &Cell) -> String {
    let raw = match cell {
        Cell::Number(n) => return n.clone(),
        Cell::Text(t) => t,
    };
    let guarded = defuse_formula(raw);
    if guarded.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded.into_owned()
    }
}

fn measures(m: &Measures) -> Vec<Cell> {
    vec![
        Cell::Number(m.count.to_string()),
        amount(&m.subtotal),
        amount(&m.tax),
        amount(&m.total),
        amount(&m.payments),
        amount(&m.balance),
    ]
}

fn side(doc: Option<&Doc>) -> Vec<Cell> {
    let Some(d) = doc else {
        return (0..9).map(|_| text("")).collect();
    };
    let mut cells = vec![
        text(d.id.clone()),
        text(d.number.clone()),
        text(d.date.map(|x| x.to_string()).unwrap_or_default()),
    ];
    cells.extend(measures(&d.measures()));
    cells
}

fn line(cells: &[Cell]) -> String {
    let mut out = cells.iter().map(escape).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

/// The report as CSV.
pub fn to_csv(report: &Report) -> String {
    let mut out = line(&HEADER.map(text));
    for t in &report.tenants {
        let target = t.target.as_str();
        for r in &t.records {
            let mut cells = vec![
                text("record"),
                text(t.tenant.clone()),
                text(target),
                text(r.status.as_str()),
                text(r.reason.clone().unwrap_or_default()),
                text(r.currency.code()),
            ];
            cells.extend(side(r.servicetitan.as_ref()));
            cells.extend(side(r.accounting.as_ref()));
            cells.extend(measures(&r.explains));
            cells.push(text(if r.tax_recalculated { "yes" } else { "no" }));
            cells.push(text(differences_text(&r.differences)));
            out.push_str(&line(&cells));
        }
        for total in &t.totals {
            let mut cells = vec![
                text("totals"),
                text(t.tenant.clone()),
                text(target),
                text(""),
                text(""),
                text(total.currency.code()),
                text(""),
                text(""),
                text(""),
            ];
            cells.extend(measures(&total.servicetitan));
            cells.extend([text(""), text(""), text("")]);
            cells.extend(measures(&total.accounting));
            cells.extend(measures(&total.variance));
            cells.push(text(""));
            cells.push(text(""));
            out.push_str(&line(&cells));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_quotes_doubled() {
        assert_eq!(escape(&text("=SUM(A1)")), "'=SUM(A1)");
        assert_eq!(escape(&text("@cmd")), "'@cmd");
        assert_eq!(escape(&text("+1")), "'+1");
        assert_eq!(escape(&text("-2,3")), "\"'-2,3\"");
        assert_eq!(escape(&text("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(escape(&text("two\nlines")), "\"two\nlines\"");
        assert_eq!(escape(&Cell::Number("-12.50".into())), "-12.50");
        assert_eq!(escape(&text("plain")), "plain");
    }
}
