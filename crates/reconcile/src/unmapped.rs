//! `ledgerbridge mappings unmapped`: every ServiceTitan value that blocks a record, with how
//! many records it blocks and the target's choices to map it to.
//!
//! The blocked records are the parked ones (see [`crate::parked`]); each is resolved again
//! against the current mappings, so a value mapped since the last run no longer shows.

use std::collections::{BTreeMap, HashMap};

use ledgerbridge_connector::ConnectorError;
use ledgerbridge_core::{Customer, EntityKind, Invoice, Payment, System};
use ledgerbridge_ledger::{Ledger, LedgerError, MappingKind};
use serde::Serialize;

use crate::mapping::{MappingSet, Unmapped};
use crate::parked;
use crate::settings::MappingDefaults;
use crate::target::{AccountingTarget, Choice, ReferenceChoices};

/// One unmapped value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnmappedValue {
    /// Which mapping.
    pub kind: MappingKind,
    /// The ServiceTitan value.
    pub source: String,
    /// How many parked records it blocks.
    pub count: usize,
    /// What it can be mapped to.
    pub choices: Vec<Choice>,
}

/// Why the list could not be made.
#[derive(Debug, thiserror::Error)]
pub enum UnmappedError {
    /// The ledger failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The target's reference data could not be read.
    #[error("reading the accounting system's lists failed: {0}")]
    Remote(#[from] ConnectorError),
}

fn choices_for(kind: MappingKind, system: System, r: &ReferenceChoices) -> Vec<Choice> {
    match kind {
        MappingKind::Item => r.items.clone(),
        MappingKind::GlAccount if system == System::QuickBooks => r.items.clone(),
        MappingKind::GlAccount => r.accounts.clone(),
        MappingKind::BusinessUnit => r.business_units.clone(),
        MappingKind::TaxZone => r.tax_codes.clone(),
        MappingKind::PaymentType | MappingKind::PaymentTypeReverse => r.payment_types.clone(),
    }
}

/// Lists the values blocking the tenant's parked records. `zones` is ServiceTitan's tax rate
/// id (`st:N`) -> zone name, as the engine builds it.
pub async fn unmapped<T: AccountingTarget>(
    ledger: &Ledger,
    tenant: &str,
    target: &T,
    defaults: MappingDefaults,
    zones: HashMap<String, String>,
) -> Result<Vec<UnmappedValue>, UnmappedError> {
    let rows = ledger.mappings().list(Some(tenant)).await?;
    let set = MappingSet::new(target.system(), &rows, defaults, zones);
    let mut counts: BTreeMap<Unmapped, usize> = BTreeMap::new();
    let invoices = parked::load::<Invoice>(ledger, tenant, EntityKind::Invoice).await?;
    for p in invoices.values() {
        for u in set.invoice(&p.record).err().unwrap_or_default() {
            *counts.entry(u).or_default() += 1;
        }
    }
    let payments = parked::load::<Payment>(ledger, tenant, EntityKind::Payment).await?;
    for p in payments.values() {
        for u in set.payment(&p.record).err().unwrap_or_default() {
            *counts.entry(u).or_default() += 1;
        }
    }
    // Customers block nothing by mapping; loading them checks the parked set is readable.
    parked::load::<Customer>(ledger, tenant, EntityKind::Customer).await?;
    if counts.is_empty() {
        return Ok(Vec::new());
    }
    let reference = target.reference_choices().await?;
    Ok(counts
        .into_iter()
        .map(|(u, count)| UnmappedValue {
            choices: choices_for(u.kind, target.system(), &reference),
            kind: u.kind,
            source: u.value,
            count,
        })
        .collect())
}

/// ServiceTitan tax rate id (`st:N`) -> the name of its tax zone: how invoices name the zone
/// whose mapping they need (the `zones` argument of [`unmapped`]).
pub async fn tax_zone_index(
    st: &ledgerbridge_servicetitan::ServiceTitan,
) -> Result<HashMap<String, String>, ledgerbridge_connector::ConnectorError> {
    let mut index = HashMap::new();
    for zone in st.tax_zones().await? {
        let name = zone.name.clone().unwrap_or_else(|| zone.id.to_string());
        for rate in &zone.rates {
            index.insert(format!("st:{}", rate.id), name.clone());
        }
    }
    Ok(index)
}
