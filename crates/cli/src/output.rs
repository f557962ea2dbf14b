//! Printing listings as a table for people or JSON for scripts (stdout only).

use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

use crate::args::OutputFormat;

/// Prints `rows` as pretty JSON, or as a table built from `header` and `cells`.
pub(crate) fn print_listing<T: Serialize>(
    format: OutputFormat,
    rows: &[T],
    header: &[&str],
    cells: impl Fn(&T) -> Vec<String>,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(rows)?),
        OutputFormat::Table => {
            if rows.is_empty() {
                println!("(none)");
                return Ok(());
            }
            let mut table = Table::new();
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_header(header.to_vec());
            for row in rows {
                table.add_row(cells(row));
            }
            println!("{table}");
        }
    }
    Ok(())
}

/// Output of a listing that may also be exported as CSV (`audit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub(crate) enum ListingFormat {
    #[default]
    Table,
    Json,
    Csv,
}

/// The column names of a listing and how to fill them from a row.
pub(crate) type Columns<'a, T> = (&'a [&'a str], &'a dyn Fn(&T) -> Vec<String>);

/// Prints `rows` as pretty JSON, a table, or CSV with `header` as its first line (`csv_cells`
/// gives every column, where the table may leave long ones out).
pub(crate) fn print_rows<T: Serialize>(
    format: ListingFormat,
    rows: &[T],
    (header, cells): Columns<'_, T>,
    (csv_header, csv_cells): Columns<'_, T>,
) -> anyhow::Result<()> {
    match format {
        ListingFormat::Json => print_listing(OutputFormat::Json, rows, header, cells),
        ListingFormat::Table => print_listing(OutputFormat::Table, rows, header, cells),
        ListingFormat::Csv => {
            let mut writer = csv::Writer::from_writer(std::io::stdout().lock());
            writer.write_record(csv_header)?;
            for row in rows {
                writer.write_record(csv_cells(row))?;
            }
            writer.flush()?;
            Ok(())
        }
    }
}
