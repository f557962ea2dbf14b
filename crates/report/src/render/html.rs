//! One self-contained HTML file: inline CSS, no script, no external asset, every value
//! escaped. Prints on paper as it shows on screen.

use std::fmt::Write as _;

use ledgerbridge_core::Money;

use super::differences_text;
use crate::model::{AMOUNTS, Doc, Measures, Report, TenantReport};

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1b1b}\
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}\
table{border-collapse:collapse;margin:.5rem 0 1rem}\
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f3f3f3}.num{text-align:right;font-variant-numeric:tabular-nums}\
.warn{background:#fff4ce;padding:.5rem;border:1px solid #e0c060}\
.muted{color:#555}.status{white-space:nowrap}";

/// `text` with `& < > " '` escaped for HTML text and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn amount(m: &Money) -> String {
    escape(&m.amount().to_string())
}

fn measure_rows(out: &mut String, rows: &[(&str, &Measures)]) {
    let _ = write!(out, "<tr><th scope=\"row\">Count</th>");
    for (_, m) in rows {
        let _ = write!(out, "<td class=\"num\">{}</td>", m.count);
    }
    out.push_str("</tr>");
    for (label, get) in AMOUNTS {
        let _ = write!(out, "<tr><th scope=\"row\">{label}</th>");
        for (_, m) in rows {
            let _ = write!(out, "<td class=\"num\">{}</td>", amount(get(m)));
        }
        out.push_str("</tr>");
    }
}

fn doc_cell(doc: Option<&Doc>) -> String {
    match doc {
        None => "<td class=\"muted\">(none)</td><td></td>".to_owned(),
        Some(d) => format!(
            "<td>{} <span class=\"muted\">id {}</span></td><td class=\"num\">{}</td>",
            escape(&d.number),
            escape(&d.id),
            amount(&d.total)
        ),
    }
}

fn tenant(out: &mut String, t: &TenantReport) {
    let _ = write!(
        out,
        "<h2>Tenant {} &rarr; {} <span class=\"muted\">company {}</span></h2>",
        escape(&t.tenant),
        escape(t.target.as_str()),
        escape(&t.company)
    );
    for total in &t.totals {
        let _ = write!(
            out,
            "<table><caption>Totals in {}</caption><thead><tr><th scope=\"col\"></th>\
             <th scope=\"col\">ServiceTitan</th><th scope=\"col\">{}</th>\
             <th scope=\"col\">Variance</th></tr></thead><tbody>",
            escape(total.currency.code()),
            escape(t.target.as_str())
        );
        measure_rows(
            out,
            &[
                ("ServiceTitan", &total.servicetitan),
                ("Accounting", &total.accounting),
                ("Variance", &total.variance),
            ],
        );
        out.push_str("</tbody></table>");
    }
    let counts: Vec<String> = t
        .status_counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{} {n}", escape(s)))
        .collect();
    let _ = write!(
        out,
        "<p>Records: {}. Tax recalculated by {}: {}.</p>",
        counts.join(", "),
        escape(t.target.as_str()),
        t.tax_recalculated
    );
    out.push_str(
        "<table><caption>Records</caption><thead><tr><th scope=\"col\">Status</th>\
         <th scope=\"col\">ServiceTitan</th><th scope=\"col\">Total</th>\
         <th scope=\"col\">Accounting</th><th scope=\"col\">Total</th>\
         <th scope=\"col\">Explains (total)</th><th scope=\"col\">Why / differences</th>\
         </tr></thead><tbody>",
    );
    for r in &t.records {
        let mut why = r.reason.clone().unwrap_or_default();
        let diffs = differences_text(&r.differences);
        if !diffs.is_empty() {
            if !why.is_empty() {
                why.push_str(" — ");
            }
            why.push_str(&diffs);
        }
        if r.tax_recalculated {
            why.push_str(" (tax recalculated)");
        }
        let _ = write!(
            out,
            "<tr><td class=\"status\">{}</td>{}{}<td class=\"num\">{} {}</td><td>{}</td></tr>",
            escape(r.status.label()),
            doc_cell(r.servicetitan.as_ref()),
            doc_cell(r.accounting.as_ref()),
            amount(&r.explains.total),
            escape(r.currency.code()),
            escape(&why)
        );
    }
    out.push_str("</tbody></table>");
}

/// The report as one HTML document.
pub fn to_html(report: &Report) -> String {
    let mut out = String::new();
    let title = format!("Reconciliation {}", report.period.label);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>\
         <p class=\"muted\">Invoices dated {} to {} by ServiceTitan's invoice date. Generated {}. \
         Variance = accounting minus ServiceTitan; each record's explained difference adds up \
         to it exactly.</p>",
        escape(&title),
        escape(&title),
        report.period.from,
        report.period.to,
        report.generated_at.format("%Y-%m-%d %H:%M UTC")
    );
    if let Some(run) = &report.last_sync {
        let _ = write!(
            out,
            "<p class=\"muted\">{}</p>",
            escape(&super::last_sync_text(run))
        );
    }
    for w in &report.warnings {
        let _ = write!(out, "<p class=\"warn\">Warning: {}</p>", escape(w));
    }
    if report.tenants.is_empty() {
        out.push_str("<p>No tenant matches.</p>");
    }
    for t in &report.tenants {
        tenant(&mut out, t);
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
