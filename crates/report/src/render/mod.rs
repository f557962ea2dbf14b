//! The report's formats: a terminal table, JSON, CSV and one self-contained HTML file.

mod csv;
mod html;
mod table;

use crate::model::{Difference, LastSync, Report};

pub use self::csv::{HEADER as CSV_HEADER, to_csv};
pub use self::html::to_html;
pub use self::table::to_table;

/// An output format of `ledgerbridge report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For a terminal.
    Table,
    /// The documented JSON.
    Json,
    /// One row per record (and per tenant's currency totals), for a spreadsheet.
    Csv,
    /// One file to open in a browser or mail.
    Html,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "table" => Ok(Self::Table),
            "json" => Ok(Self::Json),
            "csv" => Ok(Self::Csv),
            "html" => Ok(Self::Html),
            other => Err(format!(
                "{other:?} is not a report format (table, json, csv, html)"
            )),
        }
    }
}

/// `report` in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Table => to_table(report),
        Format::Json => to_json(report),
        Format::Csv => to_csv(report),
        Format::Html => to_html(report),
    }
}

/// The JSON of `report --format json` (pretty, with a final newline).
pub fn to_json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("the report serializes");
    text.push('\n');
    text
}

/// `tax: 8.25 -> 8.31; total: 108.25 -> 108.31` (ServiceTitan's value first).
pub(crate) fn differences_text(diffs: &[Difference]) -> String {
    diffs
        .iter()
        .map(|d| {
            format!(
                "{}: {} -> {}",
                d.field,
                blank_dash(&d.servicetitan),
                blank_dash(&d.accounting)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn blank_dash(text: &str) -> &str {
    if text.is_empty() { "(none)" } else { text }
}

/// `The ledger's figures are as of sync run 12 (ok, finished 2026-11-29 10:00 UTC).`
pub fn last_sync_text(run: &LastSync) -> String {
    let when = match run.finished_at {
        Some(t) => format!("finished {}", t.format("%Y-%m-%d %H:%M UTC")),
        None => format!("started {}", run.started_at.format("%Y-%m-%d %H:%M UTC")),
    };
    format!(
        "The ledger's figures are as of sync run {} ({}, {when}).",
        run.run, run.status
    )
}
