//! `ledgerbridge mappings unmapped`: every value that blocks a record, with how many records
//! it blocks and the choices to map it to.
//!
//! The blocked records are the parked ones (see [`crate::parked`]); each is resolved again
//! against the current mappings, so a value mapped since the last run no longer shows.
//!
//! Most mappings point from a ServiceTitan value at one of the books' values, so their choices
//! are the accounting system's lists ([`choices_for`]). The way back
//! ([`MappingKind::PaymentTypeReverse`]) points the other way, from a QuickBooks payment method
//! or Xero deposit account at a **ServiceTitan payment type**, so its choices are ServiceTitan's
//! types ([`ServiceTitanLists::payment_types`]); [`points_at_servicetitan`] tells which is which.

use std::collections::{BTreeMap, HashMap};

use ledgerbridge_connector::ConnectorError;
use ledgerbridge_core::{Customer, EntityKind, Invoice, Payment, System};
use ledgerbridge_ledger::{Ledger, LedgerError, MappingKind};
use serde::Serialize;

use crate::mapping::{MappingSet, Unmapped};
use crate::parked;
use crate::settings::MappingDefaults;
use ledgerbridge_protocol::{Choice, ReferenceChoices, Source, Target};

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

/// Whether a mapping of `kind` maps a books value to a ServiceTitan one (its choices are then
/// ServiceTitan's, not the accounting system's).
pub fn points_at_servicetitan(kind: MappingKind) -> bool {
    kind == MappingKind::PaymentTypeReverse
}

/// The accounting system's values a mapping of `kind` may take (QuickBooks maps GL accounts
/// to items). Empty for a kind that [`points_at_servicetitan`]: its choices are
/// [`ServiceTitanLists::payment_types`].
pub fn choices_for(kind: MappingKind, system: System, r: &ReferenceChoices) -> Vec<Choice> {
    match kind {
        MappingKind::Item => r.items.clone(),
        MappingKind::GlAccount if system == System::QuickBooks => r.items.clone(),
        MappingKind::GlAccount => r.accounts.clone(),
        MappingKind::BusinessUnit => r.business_units.clone(),
        MappingKind::TaxZone => r.tax_codes.clone(),
        MappingKind::PaymentType => r.payment_types.clone(),
        MappingKind::PaymentTypeReverse => Vec::new(),
    }
}

/// What [`unmapped`] needs from the tenant's ServiceTitan: the names of its tax zones and its
/// payment types. `Default` (nothing known) still lists every value, with no tax-zone names and
/// no choices for the way back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceTitanLists {
    /// Tax rate id (`st:N`) -> zone name, as the engine builds it ([`tax_zone_index`]).
    pub zones: HashMap<String, String>,
    /// The active payment types, the choices of a [`MappingKind::PaymentTypeReverse`] mapping
    /// ([`servicetitan_payment_types`]).
    pub payment_types: Vec<Choice>,
}

impl ServiceTitanLists {
    /// Reads both lists from ServiceTitan.
    pub async fn read(st: &impl Source) -> Result<Self, ConnectorError> {
        Ok(Self {
            zones: tax_zone_index(st).await?,
            payment_types: servicetitan_payment_types(st).await?,
        })
    }
}

/// Lists the values blocking the tenant's parked records, each with its choices: the
/// target's lists, or ServiceTitan's payment types for the way back.
pub async fn unmapped<T: Target>(
    ledger: &Ledger,
    tenant: &str,
    target: &T,
    defaults: MappingDefaults,
    servicetitan: ServiceTitanLists,
) -> Result<Vec<UnmappedValue>, UnmappedError> {
    let system = target.system();
    let counts = unmapped_counts(ledger, tenant, system, defaults, servicetitan.zones).await?;
    if counts.is_empty() {
        return Ok(Vec::new());
    }
    // Read the books' lists only when a value needs them.
    let reference = if counts.keys().all(|u| points_at_servicetitan(u.kind)) {
        ReferenceChoices::default()
    } else {
        target.reference_choices().await?
    };
    Ok(counts
        .into_iter()
        .map(|(u, count)| UnmappedValue {
            choices: if points_at_servicetitan(u.kind) {
                servicetitan.payment_types.clone()
            } else {
                choices_for(u.kind, system, &reference)
            },
            kind: u.kind,
            source: u.value,
            count,
        })
        .collect())
}

/// How many parked records each unmapped value blocks, read from the ledger alone (no call
/// to the accounting system, so a dashboard can show it cheaply).
pub async fn unmapped_counts(
    ledger: &Ledger,
    tenant: &str,
    system: System,
    defaults: MappingDefaults,
    zones: HashMap<String, String>,
) -> Result<BTreeMap<Unmapped, usize>, LedgerError> {
    let rows = ledger.mappings().list(Some(tenant)).await?;
    let set = MappingSet::new(system, &rows, defaults, zones);
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
    // Payments recorded in the books wait for their payment method's way back.
    for u in crate::books_payments::parked_unmapped(ledger, tenant, system, &set).await? {
        *counts.entry(u).or_default() += 1;
    }
    // Customers block nothing by mapping; loading them checks the parked set is readable.
    parked::load::<Customer>(ledger, tenant, EntityKind::Customer).await?;
    Ok(counts)
}

/// ServiceTitan's active payment types as mapping choices: the id (what the mapping stores;
/// the engine also accepts a name, but an id survives a rename) labelled with the name.
pub async fn servicetitan_payment_types(st: &impl Source) -> Result<Vec<Choice>, ConnectorError> {
    Ok(st
        .payment_types()
        .await?
        .into_iter()
        .map(|t| Choice {
            value: t.id.to_string(),
            label: t.name,
        })
        .collect())
}

/// ServiceTitan tax rate id (`st:N`) -> the name of its tax zone: how invoices name the zone
/// whose mapping they need ([`ServiceTitanLists::zones`]).
pub async fn tax_zone_index(
    st: &impl Source,
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
