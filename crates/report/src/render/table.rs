//! The terminal table: per tenant, the totals of both sides and the variance, the counts per
//! status, then every record that is not matched (JSON and CSV list them all).

use comfy_table::{Cell, CellAlignment, Table};
use ledgerbridge_core::Money;

use super::differences_text;
use crate::model::{AMOUNTS, Report, Status};

fn num(text: String) -> Cell {
    Cell::new(text).set_alignment(CellAlignment::Right)
}

fn amount(m: &Money) -> Cell {
    num(m.amount().to_string())
}

/// The report for a terminal.
pub fn to_table(report: &Report) -> String {
    let mut out = format!("Reconciliation {}\n", report.period.label);
    if let Some(run) = &report.last_sync {
        out.push_str(&format!("{}\n", super::last_sync_text(run)));
    }
    for w in &report.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    for t in &report.tenants {
        out.push_str(&format!(
            "\nTenant {} -> {} (company {}); ServiceTitan from the {}, {} from the {}\n",
            t.tenant,
            t.target,
            t.company,
            basis(t.basis.servicetitan),
            t.target,
            basis(t.basis.accounting)
        ));
        for total in &t.totals {
            let mut table = Table::new();
            table.set_header(vec![
                Cell::new(total.currency.code()),
                Cell::new("ServiceTitan"),
                Cell::new(t.target.as_str()),
                Cell::new("Variance"),
            ]);
            let sides = [&total.servicetitan, &total.accounting, &total.variance];
            table.add_row(
                std::iter::once(Cell::new("Count"))
                    .chain(sides.iter().map(|m| num(m.count.to_string())))
                    .collect::<Vec<_>>(),
            );
            for (label, get) in AMOUNTS {
                table.add_row(
                    std::iter::once(Cell::new(label))
                        .chain(sides.iter().map(|m| amount(get(m))))
                        .collect::<Vec<_>>(),
                );
            }
            out.push_str(&format!("{table}\n"));
        }
        let counts: Vec<String> = t
            .status_counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        out.push_str(&format!("Records: {}\n", counts.join(", ")));
        if t.tax_recalculated > 0 {
            out.push_str(&format!(
                "{} recalculated the tax of {} invoice(s).\n",
                t.target, t.tax_recalculated
            ));
        }
        let listed: Vec<_> = t
            .records
            .iter()
            .filter(|r| r.status != Status::Matched)
            .collect();
        if listed.is_empty() {
            continue;
        }
        let mut table = Table::new();
        table.set_header(vec![
            "Status",
            "ServiceTitan",
            "Accounting",
            "Explains (total)",
            "Why / differences",
        ]);
        for r in listed {
            let doc = |d: Option<&crate::model::Doc>| {
                d.map(|d| format!("{} (id {})", d.number, d.id))
                    .unwrap_or_else(|| "-".to_owned())
            };
            let mut why = r.reason.clone().unwrap_or_default();
            let diffs = differences_text(&r.differences);
            if !diffs.is_empty() {
                if !why.is_empty() {
                    why.push_str("; ");
                }
                why.push_str(&diffs);
            }
            table.add_row(vec![
                Cell::new(r.status.label()),
                Cell::new(doc(r.servicetitan.as_ref())),
                Cell::new(doc(r.accounting.as_ref())),
                amount(&r.explains.total),
                Cell::new(why),
            ]);
        }
        out.push_str(&format!("{table}\n"));
    }
    if report.tenants.is_empty() {
        out.push_str("No tenant matches.\n");
    }
    out
}

fn basis(b: crate::model::Basis) -> &'static str {
    match b {
        crate::model::Basis::Live => "live read",
        crate::model::Basis::Ledger => "ledger",
    }
}
