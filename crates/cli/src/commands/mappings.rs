//! `ledgerbridge mappings list|set|import|export` (CSV columns: docs/configuration.md).

use std::path::Path;

use anyhow::Context as _;
use ledgerbridge_core::System;
use ledgerbridge_ledger::{Mapping, MappingKind};

use crate::args::{GlobalArgs, MappingsCommand};
use crate::context::Context;
use crate::exit::{Exit, UsageError};
use crate::output::print_listing;

/// The CSV header, in order.
pub(crate) const CSV_COLUMNS: [&str; 6] = [
    "tenant",
    "target",
    "kind",
    "source",
    "target_value",
    "label",
];

fn target_system(text: &str) -> Result<System, String> {
    match text.parse::<System>()? {
        System::ServiceTitan => Err("the target is quickbooks or xero, not servicetitan".into()),
        system => Ok(system),
    }
}

fn mapping(fields: [&str; 6]) -> Result<Mapping, String> {
    let [tenant, target, kind, source, target_value, label] = fields.map(str::trim);
    for (name, value) in [
        ("tenant", tenant),
        ("source", source),
        ("target_value", target_value),
    ] {
        if value.is_empty() {
            return Err(format!("{name} is empty"));
        }
    }
    Ok(Mapping {
        tenant: tenant.to_owned(),
        target_system: target_system(target)?,
        kind: kind.parse::<MappingKind>().map_err(|e| e.to_string())?,
        source: source.to_owned(),
        target: target_value.to_owned(),
        target_label: (!label.is_empty()).then(|| label.to_owned()),
    })
}

/// Reads every row, or fails naming the first bad line (nothing is imported then).
fn read_csv(path: &Path) -> anyhow::Result<Vec<Mapping>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("opening {}", path.display()))?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let expected: Vec<&str> = CSV_COLUMNS.to_vec();
    if header.iter().map(String::as_str).collect::<Vec<_>>() != expected {
        return Err(UsageError(format!(
            "{}: the header must be exactly {} (found {})",
            path.display(),
            CSV_COLUMNS.join(","),
            header.join(",")
        ))
        .into());
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.with_context(|| format!("{} line {line}", path.display()))?;
        let field = |i: usize| record.get(i).unwrap_or("");
        let fields = [field(0), field(1), field(2), field(3), field(4), field(5)];
        let row = mapping(fields)
            .map_err(|e| UsageError(format!("{} line {line}: {e}", path.display())))?;
        rows.push(row);
    }
    Ok(rows)
}

fn write_csv(rows: &[Mapping], out: Box<dyn std::io::Write>) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_COLUMNS)?;
    for m in rows {
        writer.write_record([
            m.tenant.as_str(),
            m.target_system.as_str(),
            m.kind.as_str(),
            m.source.as_str(),
            m.target.as_str(),
            m.target_label.as_deref().unwrap_or(""),
        ])?;
    }
    writer.flush()?;
    Ok(())
}

pub(crate) async fn run(global: &GlobalArgs, command: MappingsCommand) -> anyhow::Result<Exit> {
    let ctx = Context::load(global)?;
    let ledger = ctx.open_ledger().await?;
    match command {
        MappingsCommand::List { tenant, format } => {
            let rows = ledger.mappings().list(tenant.as_deref()).await?;
            print_listing(
                format,
                &rows,
                &["tenant", "target", "kind", "source", "maps to", "label"],
                |m| {
                    vec![
                        m.tenant.clone(),
                        m.target_system.to_string(),
                        m.kind.to_string(),
                        m.source.clone(),
                        m.target.clone(),
                        m.target_label.clone().unwrap_or_default(),
                    ]
                },
            )?;
        }
        MappingsCommand::Set {
            tenant,
            target,
            kind,
            source,
            target_value,
            label,
        } => {
            let row = mapping([
                &tenant,
                &target,
                &kind,
                &source,
                &target_value,
                label.as_deref().unwrap_or(""),
            ])
            .map_err(UsageError)?;
            let summary = ledger.mappings().set(&row).await?;
            println!(
                "{} {} {} -> {} ({})",
                row.kind,
                row.source,
                row.target_system,
                row.target,
                if summary.inserted > 0 {
                    "added"
                } else if summary.updated > 0 {
                    "changed"
                } else {
                    "unchanged"
                }
            );
        }
        MappingsCommand::Import { file } => {
            let rows = read_csv(&file)?;
            let summary = ledger.mappings().upsert_all(&rows).await?;
            println!(
                "{} rows: {} added, {} changed, {} unchanged",
                rows.len(),
                summary.inserted,
                summary.updated,
                summary.unchanged
            );
        }
        MappingsCommand::Unmapped { tenant, format } => {
            super::unmapped::list(&ctx, &ledger, tenant.as_deref(), format).await?;
        }
        MappingsCommand::Export { out } => {
            let rows = ledger.mappings().list(None).await?;
            let sink: Box<dyn std::io::Write> = match &out {
                Some(path) => Box::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("creating {}", path.display()))?,
                ),
                None => Box::new(std::io::stdout()),
            };
            write_csv(&rows, sink)?;
        }
    }
    ledger.close().await;
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_validated_field_by_field() {
        assert!(mapping(["1", "quickbooks", "item", "SKU-1", "42", ""]).is_ok());
        assert!(
            mapping(["1", "servicetitan", "item", "SKU-1", "42", ""])
                .unwrap_err()
                .contains("not servicetitan")
        );
        assert!(mapping(["1", "xero", "colour", "SKU-1", "42", ""]).is_err());
        assert!(
            mapping(["1", "xero", "item", " ", "42", ""])
                .unwrap_err()
                .contains("source")
        );
    }
}
