//! The mappings CSV of `mappings import` and `mappings export` (columns: docs/configuration.md).
//!
//! An import is checked whole before anything is written: every bad line is reported, by line
//! number, and one bad line refuses the file. Besides each row's own fields, a row must name a
//! configured tenant and that tenant's target, and two rows for the same tenant, kind and
//! source must say the same thing (which one would win is a guess we do not make).

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context as _;
use ledgerbridge_core::System;
use ledgerbridge_core::spreadsheet::{defuse_formula, restore_defused};
use ledgerbridge_ledger::{Mapping, MappingKind};

use crate::config::TenantSection;
use crate::exit::UsageError;

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

/// One row from its six fields, each checked on its own.
pub(crate) fn mapping(fields: [&str; 6]) -> Result<Mapping, String> {
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

/// Whether `row` names a configured tenant and that tenant's target.
pub(crate) fn check_tenant(row: &Mapping, tenants: &[TenantSection]) -> Result<(), String> {
    let Some(tenant) = tenants.iter().find(|t| t.servicetitan_tenant == row.tenant) else {
        return Err(format!(
            "tenant {} is not configured (no [[tenants]] block names it)",
            row.tenant
        ));
    };
    if tenant.target != row.target_system.as_str() {
        return Err(format!(
            "tenant {} syncs to {}, not {}",
            row.tenant, tenant.target, row.target_system
        ));
    }
    Ok(())
}

type RowKey = (String, System, MappingKind, String);

/// Rows that map a value already mapped differently by an earlier line.
fn conflicting(rows: &[(usize, Mapping)]) -> Vec<(usize, String)> {
    let mut seen: HashMap<RowKey, (usize, &Mapping)> = HashMap::new();
    let mut problems = Vec::new();
    for (line, row) in rows {
        let key = (
            row.tenant.clone(),
            row.target_system,
            row.kind,
            row.source.clone(),
        );
        match seen.get(&key) {
            Some((first, earlier))
                if earlier.target != row.target || earlier.target_label != row.target_label =>
            {
                problems.push((
                    *line,
                    format!(
                        "maps {} {:?} of tenant {} to {:?}, but line {first} maps it to {:?}",
                        row.kind, row.source, row.tenant, row.target, earlier.target
                    ),
                ));
            }
            Some(_) => {}
            None => {
                seen.insert(key, (*line, row));
            }
        }
    }
    problems
}

fn check_header(path: &Path, reader: &mut csv::Reader<std::fs::File>) -> anyhow::Result<()> {
    let header: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    if header.iter().map(String::as_str).ne(CSV_COLUMNS) {
        return Err(UsageError(format!(
            "{}: the header must be exactly {} (found {})",
            path.display(),
            CSV_COLUMNS.join(","),
            header.join(",")
        ))
        .into());
    }
    Ok(())
}

/// Reads and checks every row; any problem refuses the whole file (exit 2), listing each one
/// with its line number.
pub(crate) fn read_csv(path: &Path, tenants: &[TenantSection]) -> anyhow::Result<Vec<Mapping>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("opening {}", path.display()))?;
    check_header(path, &mut reader)?;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.with_context(|| format!("{} line {line}", path.display()))?;
        // A cell exported with the formula guard reads back as what was stored.
        let field = |i: usize| restore_defused(record.get(i).unwrap_or("").trim());
        let fields = [field(0), field(1), field(2), field(3), field(4), field(5)];
        match mapping(fields).and_then(|row| check_tenant(&row, tenants).map(|()| row)) {
            Ok(row) => rows.push((line, row)),
            Err(problem) => problems.push((line, problem)),
        }
    }
    problems.extend(conflicting(&rows));
    if problems.is_empty() {
        return Ok(rows.into_iter().map(|(_, row)| row).collect());
    }
    problems.sort_by_key(|(line, _)| *line);
    let list: Vec<String> = problems
        .iter()
        .map(|(line, problem)| format!("  line {line}: {problem}"))
        .collect();
    Err(UsageError(format!(
        "{}: nothing imported, {} problem(s):\n{}",
        path.display(),
        problems.len(),
        list.join("\n")
    ))
    .into())
}

/// Writes the rows as CSV; text that starts like a formula gets the spreadsheet guard.
pub(crate) fn write_csv(rows: &[Mapping], out: Box<dyn std::io::Write>) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_COLUMNS)?;
    for m in rows {
        let cells = [
            m.tenant.as_str(),
            m.target_system.as_str(),
            m.kind.as_str(),
            m.source.as_str(),
            m.target.as_str(),
            m.target_label.as_deref().unwrap_or(""),
        ];
        writer.write_record(cells.map(defuse_formula).iter().map(|c| c.as_bytes()))?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(id: &str, target: &str) -> TenantSection {
        TenantSection {
            servicetitan_tenant: id.into(),
            name: None,
            target: target.into(),
            company: "c".into(),
        }
    }

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

    #[test]
    fn a_row_names_a_configured_tenant_and_its_target() {
        let tenants = [tenant("1", "quickbooks")];
        let row = |t: &str, target: &str| mapping([t, target, "item", "S", "4", ""]).unwrap();
        assert!(check_tenant(&row("1", "quickbooks"), &tenants).is_ok());
        let wrong = check_tenant(&row("1", "xero"), &tenants).unwrap_err();
        assert!(wrong.contains("syncs to quickbooks, not xero"), "{wrong}");
        let unknown = check_tenant(&row("2", "quickbooks"), &tenants).unwrap_err();
        assert!(unknown.contains("tenant 2 is not configured"), "{unknown}");
    }

    #[test]
    fn the_same_value_mapped_twice_differently_is_refused_but_a_repeat_is_not() {
        let row = |to: &str| mapping(["1", "xero", "item", "S", to, ""]).unwrap();
        assert!(conflicting(&[(2, row("4")), (3, row("4"))]).is_empty());
        let problems = conflicting(&[(2, row("4")), (3, row("4")), (5, row("9"))]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 5);
        assert!(
            problems[0].1.contains("line 2 maps it to \"4\""),
            "{problems:?}"
        );
    }
}
