//! The plan of `sync --dry-run` in the table output: per tenant, what the real run would do,
//! in counts by action, then record by record (records with nothing to do are only counted).
//! The list is capped at [`SHOWN`] lines unless `--verbose`; `--format json` always carries
//! every entry (`plan` of each target, CONTRACTS.md).

use std::collections::BTreeMap;

use ledgerbridge_reconcile::{PlanAction, PlanEntry, SyncReport};
use serde::Serialize;

use crate::args::OutputFormat;

/// Records listed per tenant without `--verbose`.
const SHOWN: usize = 50;

/// The action's word in the plan (the JSON's `action`).
fn word(action: PlanAction) -> String {
    serde_json::to_value(action)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn lower<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One line of the list: `create   invoice 4107 (INV-4107): quickbooks create_invoice, ...`.
fn line(entry: &PlanEntry) -> String {
    let number = entry
        .number
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    let mut out = format!(
        "  {:<13} {} {}{number}",
        word(entry.action),
        lower(&entry.entity),
        entry.servicetitan_id
    );
    if !entry.writes.is_empty() {
        let writes: Vec<String> = entry
            .writes
            .iter()
            .map(|w| format!("{} {}", w.system, w.operation))
            .collect();
        out.push_str(&format!(": {}", writes.join(", ")));
    }
    if let Some(reason) = &entry.reason {
        out.push_str(&format!(": {reason}"));
    }
    out
}

/// Prints the plan of a dry run after its counts (table output only; nothing for a real
/// run, whose report has no plan). `verbose` lists every record.
pub(crate) fn print(report: &SyncReport, format: OutputFormat, verbose: bool) {
    if format != OutputFormat::Table || !report.dry_run {
        return;
    }
    for target in &report.targets {
        let Some(plan) = &target.plan else { continue };
        let mut by_action: BTreeMap<PlanAction, usize> = BTreeMap::new();
        for entry in plan {
            *by_action.entry(entry.action).or_default() += 1;
        }
        let counts: Vec<String> = by_action
            .iter()
            .map(|(action, n)| format!("{n} {}", word(*action)))
            .collect();
        println!(
            "Plan for tenant {} ({}): {}",
            target.tenant,
            target.target,
            if counts.is_empty() {
                "nothing to do".to_owned()
            } else {
                counts.join(", ")
            }
        );
        let listed: Vec<&PlanEntry> = plan
            .iter()
            .filter(|e| e.action != PlanAction::Unchanged)
            .collect();
        let shown = if verbose { listed.len() } else { SHOWN };
        for entry in listed.iter().take(shown) {
            println!("{}", line(entry));
        }
        if listed.len() > shown {
            println!(
                "  … and {} more (--verbose lists them all; --format json carries every entry)",
                listed.len() - shown
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use ledgerbridge_core::EntityKind;
    use ledgerbridge_reconcile::PlannedWrite;

    use super::*;

    #[test]
    fn a_line_names_the_record_its_writes_and_its_reason() {
        let create = PlanEntry {
            number: Some("INV-7".into()),
            ..PlanEntry::new(EntityKind::Invoice, "7", PlanAction::MarkExported)
        }
        .write(PlannedWrite::new("servicetitan", "mark_exported"));
        assert_eq!(
            line(&create),
            "  mark_exported invoice 7 (INV-7): servicetitan mark_exported"
        );
        let blocked =
            PlanEntry::new(EntityKind::Payment, "9", PlanAction::Blocked).reason("unmapped");
        assert_eq!(line(&blocked), "  blocked       payment 9: unmapped");
    }
}
