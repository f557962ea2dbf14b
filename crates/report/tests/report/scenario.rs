//! The hand-checked scenario: eight November invoices, one of each status, with totals worked
//! out on paper.
//!
//! | record | ServiceTitan (sub / tax / bal) | QuickBooks (sub / tax / bal) | status |
//! |---|---|---|---|
//! | 1001 | 100.00 / 8.25 / 0.00 | same | matched |
//! | 1002 | 200.00 / 16.50 / 216.50 | 180.00 / 16.50 / 196.50 | amount mismatch |
//! | 1003 | 50.00 / 4.13 / 54.13 | 50.00 / 4.12 / 54.12 | tax mismatch (recalculated) |
//! | 1004 | 75.00 / 0.00 / 75.00 | - | missing in accounting |
//! | QB-77 | - | 30.00 / 0.00 / 0.00 | missing in ServiceTitan |
//! | 1001 again | - | 100.00 / 8.25 / 108.25 | duplicate suspected |
//! | 1005 | 40.00 / 3.30 / 43.30 | - | blocked (unmapped SKU) |
//! | 1006 | 60.00 / 4.95 / 64.95 | same | conflict open (due date) |

use ledgerbridge_report::{Format, Report, Status, build, render};

use crate::fixtures::{generated_at, november, scenario, usd};

fn report() -> Report {
    build(november(), generated_at(), Vec::new(), vec![scenario()]).unwrap()
}

#[test]
fn every_status_once_with_totals_worked_out_by_hand() {
    let report = report();
    let t = &report.tenants[0];
    let statuses: Vec<Status> = t.records.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            Status::ConflictOpen,
            Status::Blocked,
            Status::TaxMismatch,
            Status::AmountMismatch,
            Status::MissingInAccounting,
            Status::DuplicateSuspected,
            Status::MissingInServicetitan,
            Status::Matched,
        ]
    );
    assert_eq!(t.totals.len(), 1);
    let totals = &t.totals[0];
    let st = &totals.servicetitan;
    assert_eq!(st.count, 6);
    assert_eq!(st.subtotal, usd("525.00"));
    assert_eq!(st.tax, usd("37.13"));
    assert_eq!(st.total, usd("562.13"));
    assert_eq!(st.payments, usd("108.25"));
    assert_eq!(st.balance, usd("453.88"));
    let acct = &totals.accounting;
    assert_eq!(acct.count, 6);
    assert_eq!(acct.subtotal, usd("520.00"));
    assert_eq!(acct.tax, usd("42.07"));
    assert_eq!(acct.total, usd("562.07"));
    assert_eq!(acct.payments, usd("138.25"));
    assert_eq!(acct.balance, usd("423.82"));
    let v = &totals.variance;
    assert_eq!(v.count, 0);
    assert_eq!(v.subtotal, usd("-5.00"));
    assert_eq!(v.tax, usd("4.94"));
    assert_eq!(v.total, usd("-0.06"));
    assert_eq!(v.payments, usd("30.00"));
    assert_eq!(v.balance, usd("-30.06"));

    // Record by record: -20.00 - 0.01 - 75.00 + 30.00 + 108.25 - 43.30 = -0.06.
    let explained: Vec<String> = t
        .records
        .iter()
        .map(|r| r.explains.total.amount().to_string())
        .collect();
    assert_eq!(
        explained,
        [
            "0.00", "-43.30", "-0.01", "-20.00", "-75.00", "108.25", "30.00", "0.00"
        ]
    );
    assert_eq!(t.tax_recalculated, 1);
    let tax = &t.records[2];
    assert!(tax.tax_recalculated);
    let fields: Vec<&str> = tax.differences.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["tax", "total", "balance"]);
    assert_eq!(t.records[0].conflict_id, Some(7));
    assert_eq!(t.records[0].differences[0].field, "invoice.due_date");
    assert_eq!(
        t.records[5].reason.as_deref(),
        Some("same number as ServiceTitan invoice 5001")
    );
    assert_eq!(t.status_counts["matched"], 1);
    assert_eq!(t.status_counts.len(), 8);
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("scenario_json", render(&report(), Format::Json));
}

#[test]
fn csv_snapshot_has_one_header_and_a_row_per_record_and_total() {
    let csv = render(&report(), Format::Csv);
    let lines: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 1 + 8 + 1, "{csv}");
    assert!(lines[0].starts_with("row,tenant,target,status,"));
    assert!(lines.iter().skip(1).all(|l| !l.starts_with("row,")));
    let columns = lines[0].split(',').count();
    // The totals row has no quoted cell: a plain split counts its columns.
    assert_eq!(lines[9].split(',').count(), columns, "{}", lines[9]);
    insta::assert_snapshot!("scenario_csv", csv);
}

#[test]
fn html_is_one_self_contained_file() {
    let html = render(&report(), Format::Html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    for external in ["<script", "<link", "src=", "http://", "https://", "@import"] {
        assert!(!html.contains(external), "{external} in the HTML");
    }
    assert!(html.contains("<style>"));
    insta::assert_snapshot!("scenario_html", html);
}

#[test]
fn table_lists_what_is_not_matched() {
    let table = render(&report(), Format::Table);
    assert!(table.contains("Missing in ServiceTitan"));
    assert!(!table.contains("| Matched"), "{table}");
    insta::assert_snapshot!("scenario_table", table);
}

#[test]
fn text_cells_cannot_inject_markup_or_formulas() {
    let mut input = scenario();
    input.records[6].blocked = Some("=HYPERLINK(\"http://x\") <b>bold</b>".into());
    let report = build(november(), generated_at(), Vec::new(), vec![input]).unwrap();
    let csv = render(&report, Format::Csv);
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"http://x\"\") <b>bold</b>\""),
        "{csv}"
    );
    let html = render(&report, Format::Html);
    assert!(html.contains("=HYPERLINK(&quot;http://x&quot;) &lt;b&gt;bold&lt;/b&gt;"));
}
