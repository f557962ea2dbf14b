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
