//! What a sync run is told: the tenant and its target, the eligibility rules, the defaults.
//! Built by the caller from `ledgerbridge.toml` (library crates read no files or env vars).

use chrono::NaiveDate;
use ledgerbridge_core::{PolicySet, System};
use serde::{Deserialize, Serialize};

/// One ServiceTitan tenant and the one accounting company it syncs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantSpec {
    /// The ServiceTitan tenant id.
    pub tenant: String,
    /// QuickBooks or Xero.
    pub target: System,
    /// The QuickBooks realm id / Xero tenant id.
    pub company: String,
}

/// What the external id written back to ServiceTitan is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportId {
    /// The accounting record's id (QuickBooks `Id`, Xero `InvoiceID`).
    #[default]
    TargetId,
    /// The invoice number (the same on both sides).
    Number,
}

/// Mapping values used when no mapping row matches (config defaults; the ledger's mappings
/// always win).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingDefaults {
    /// QuickBooks item for lines whose SKU and GL account are both unmapped.
    pub item: Option<String>,
    /// Xero revenue account for lines whose GL account is unmapped.
    pub account: Option<String>,
    /// Tax code / tax type for invoices whose tax zone is unmapped.
    pub tax_code: Option<String>,
    /// QuickBooks item of refund receipt lines.
    pub refund_item: Option<String>,
}

/// What a run pulls (the service's triggers choose; `sync` pulls both sides from their
/// cursors). Whatever the scope, a run first settles what earlier runs left unfinished, applies
/// resolutions and marks what is unmarked: recovery is level-triggered, never scoped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncScope {
    /// ServiceTitan's export feeds (customers, invoices, payments).
    pub servicetitan: bool,
    /// The books' changes (invoices edited there, payments recorded there).
    pub books: bool,
    /// Read what the scope covers from the start instead of from the stored cursors: the
    /// daily full pass that re-checks every linked record (the cursors still advance).
    pub from_start: bool,
}

impl Default for SyncScope {
    fn default() -> Self {
        Self {
            servicetitan: true,
            books: true,
            from_start: false,
        }
    }
}

/// How a sync run behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncSettings {
    /// Invoices dated before this day are skipped (and payments received before it).
    pub start_date: Option<NaiveDate>,
    /// `--since DATE`: narrows `start_date` for this run (the later of the two wins).
    pub since: Option<NaiveDate>,
    /// Also sync `Pending` invoices (as drafts).
    pub include_pending: bool,
    /// Mark synced invoices and payments exported in ServiceTitan.
    pub mark_exported: bool,
    /// What the export mark carries.
    pub export_id: ExportId,
    /// `--dry-run`: plan and report, write nothing anywhere (no remote writes, no links,
    /// snapshots, operations or cursors; only the run row, flagged dry).
    pub dry_run: bool,
    /// Xero tracking category business units go to.
    pub tracking_category: Option<String>,
    /// Defaults for unmapped values.
    pub defaults: MappingDefaults,
    /// Customer matches at or above this confidence are linked; below it (but with some
    /// evidence) they go to the review list.
    pub strong_match: u8,
    /// How a field changed on both sides since the base is settled (`[policies]` in the
    /// config); the default leaves every such field for a person.
    pub policies: PolicySet,
    /// What the run pulls.
    pub scope: SyncScope,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            start_date: None,
            since: None,
            include_pending: false,
            mark_exported: true,
            export_id: ExportId::TargetId,
            dry_run: false,
            tracking_category: Some("Business Unit".to_owned()),
            defaults: MappingDefaults::default(),
            strong_match: crate::matching::STRONG,
            policies: PolicySet::default(),
            scope: SyncScope::default(),
        }
    }
}

impl SyncSettings {
    /// The first day synced: the later of `start_date` and `since`.
    pub fn effective_start(&self) -> Option<NaiveDate> {
        match (self.start_date, self.since) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}
