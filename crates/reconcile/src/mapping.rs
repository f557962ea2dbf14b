//! Value mappings, resolved per record before anything is written.
//!
//! The ledger's `mappings` table (editable with `ledgerbridge mappings set|import`) says what
//! each ServiceTitan value becomes in the tenant's accounting company; config only supplies
//! defaults. A record with a value that maps to nothing is **blocked** with a reason naming
//! the value ("no QuickBooks item for SKU …"), not written with a guess; the run goes on.
//!
//! What each kind's target value means depends on the target:
//!
//! | kind            | QuickBooks                        | Xero                        |
//! |-----------------|-----------------------------------|-----------------------------|
//! | `item`          | Item id (by SKU)                  | item code (optional)        |
//! | `gl_account`    | Item id (lines need items)        | revenue account code        |
//! | `business_unit` | Class id                          | tracking option name        |
//! | `tax_zone`      | TaxCode id                        | TaxType                     |
//! | `payment_type`  | `DEPOSIT_ACCOUNT_ID[/METHOD_ID]`  | deposit account code        |
//!
//! Business units are required only once the tenant maps at least one (classes / tracking
//! are optional in the books). A tax zone is required when the invoice has tax. Refund
//! receipts (QuickBooks) use the `item` mapping of the source value `Refund`.

use std::collections::{BTreeSet, HashMap};

use ledgerbridge_core::{Invoice, Payment, System};
use ledgerbridge_ledger::{Mapping, MappingKind};
use serde::Serialize;

use crate::settings::MappingDefaults;
use ledgerbridge_protocol::{InvoiceRefs, LineRefs, PaymentRefs, REFUND_ITEM};

/// A ServiceTitan value with no mapping that blocks a record.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Unmapped {
    /// Which mapping is missing.
    pub kind: MappingKind,
    /// The ServiceTitan value.
    pub value: String,
}

impl std::fmt::Display for Unmapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind {
            MappingKind::Item => "SKU",
            MappingKind::GlAccount => "GL account",
            MappingKind::BusinessUnit => "business unit",
            MappingKind::TaxZone => "tax zone",
            MappingKind::PaymentType => "payment type",
            MappingKind::PaymentTypeReverse => "accounting payment method",
        };
        write!(f, "unmapped {what} {:?}", self.value)
    }
}

/// The reason text of a record blocked by unmapped values.
pub fn blocked_reason(unmapped: &[Unmapped]) -> String {
    let parts: Vec<String> = unmapped.iter().map(ToString::to_string).collect();
    format!(
        "{} (add it with `ledgerbridge mappings set`)",
        parts.join(", ")
    )
}

/// One tenant's mappings for its target, with the config defaults and ServiceTitan's tax
/// zones (a tax line's rate id -> its zone's name).
#[derive(Clone, Debug)]
pub struct MappingSet {
    system: System,
    by_kind: HashMap<MappingKind, HashMap<String, String>>,
    defaults: MappingDefaults,
    zones: HashMap<String, String>,
}

impl MappingSet {
    /// Builds the set from the ledger rows of one tenant (rows of other systems are ignored).
    pub fn new(
        system: System,
        rows: &[Mapping],
        defaults: MappingDefaults,
        zones: HashMap<String, String>,
    ) -> Self {
        let mut by_kind: HashMap<MappingKind, HashMap<String, String>> = HashMap::new();
        for row in rows.iter().filter(|r| r.target_system == system) {
            by_kind
                .entry(row.kind)
                .or_default()
                .insert(row.source.clone(), row.target.clone());
        }
        Self {
            system,
            by_kind,
            defaults,
            zones,
        }
    }

    fn get(&self, kind: MappingKind, source: &str) -> Option<&String> {
        self.by_kind.get(&kind).and_then(|m| m.get(source))
    }

    /// The ServiceTitan tax zone an invoice's tax lines belong to (by the rate ids of its
    /// components), or the first tax line's name when no zone lists them.
    pub fn tax_zone_of(&self, invoice: &Invoice) -> Option<String> {
        invoice
            .tax_lines
            .iter()
            .find_map(|t| self.zones.get(&t.key.to_string()).cloned())
            .or_else(|| invoice.tax_lines.first().map(|t| t.name.clone()))
    }

    /// Resolves every mapping an invoice needs, or lists what is unmapped.
    pub fn invoice(&self, invoice: &Invoice) -> Result<InvoiceRefs, Vec<Unmapped>> {
        let mut missing = BTreeSet::new();
        let mut lines = Vec::with_capacity(invoice.lines.len());
        for line in &invoice.lines {
            let sku = line.item.as_deref();
            let gl = line.gl_account.as_deref();
            let by_sku = sku.and_then(|s| self.get(MappingKind::Item, s)).cloned();
            let by_gl = gl
                .and_then(|g| self.get(MappingKind::GlAccount, g))
                .cloned();
            let refs = if self.system == System::QuickBooks {
                let item = by_sku.or(by_gl).or_else(|| self.defaults.item.clone());
                if item.is_none() {
                    missing.insert(Unmapped {
                        kind: MappingKind::Item,
                        value: sku.unwrap_or("(no SKU)").to_owned(),
                    });
                }
                LineRefs {
                    key: line.key.clone(),
                    item,
                    account: None,
                }
            } else {
                let account = by_gl.or_else(|| self.defaults.account.clone());
                if account.is_none() {
                    missing.insert(Unmapped {
                        kind: MappingKind::GlAccount,
                        value: gl.unwrap_or("(no GL account)").to_owned(),
                    });
                }
                LineRefs {
                    key: line.key.clone(),
                    item: by_sku,
                    account,
                }
            };
            lines.push(refs);
        }
        let business_unit = match &invoice.business_unit {
            Some(bu) => match self.get(MappingKind::BusinessUnit, bu) {
                Some(target) => Some(target.clone()),
                None if self.by_kind.contains_key(&MappingKind::BusinessUnit) => {
                    missing.insert(Unmapped {
                        kind: MappingKind::BusinessUnit,
                        value: bu.clone(),
                    });
                    None
                }
                None => None,
            },
            None => None,
        };
        let zone = self.tax_zone_of(invoice);
        let tax_code = zone
            .as_deref()
            .and_then(|z| self.get(MappingKind::TaxZone, z))
            .cloned()
            .or_else(|| self.defaults.tax_code.clone());
        if tax_code.is_none() && !invoice.tax.is_zero() {
            missing.insert(Unmapped {
                kind: MappingKind::TaxZone,
                value: zone.unwrap_or_else(|| "(no tax zone)".to_owned()),
            });
        }
        if missing.is_empty() {
            Ok(InvoiceRefs {
                lines,
                tax_code,
                business_unit,
            })
        } else {
            Err(missing.into_iter().collect())
        }
    }

    /// Resolves where a payment's money goes, or lists what is unmapped.
    pub fn payment(&self, payment: &Payment) -> Result<PaymentRefs, Vec<Unmapped>> {
        let mut missing = Vec::new();
        let kind = payment.payment_type.trim();
        let target = self.get(MappingKind::PaymentType, kind);
        if target.is_none() {
            missing.push(Unmapped {
                kind: MappingKind::PaymentType,
                value: kind.to_owned(),
            });
        }
        let refund_item = self
            .get(MappingKind::Item, REFUND_ITEM)
            .cloned()
            .or_else(|| self.defaults.refund_item.clone());
        let refund = payment.amount.is_negative();
        if refund && refund_item.is_none() && self.system == System::QuickBooks {
            missing.push(Unmapped {
                kind: MappingKind::Item,
                value: REFUND_ITEM.to_owned(),
            });
        }
        let Some(target) = target.filter(|_| missing.is_empty()) else {
            return Err(missing);
        };
        let (deposit_account, method) = match (self.system, target.split_once('/')) {
            (System::QuickBooks, Some((account, method))) => {
                (account.to_owned(), Some(method.to_owned()))
            }
            _ => (target.clone(), None),
        };
        Ok(PaymentRefs {
            deposit_account,
            method,
            refund_item,
        })
    }
}

impl MappingSet {
    /// The ServiceTitan payment type (a name, or a numeric type id) an accounting payment
    /// method maps back to (`payment_type_reverse`; see [`crate::books_payments`] for what the
    /// method is per target).
    pub fn payment_type_reverse(&self, method: &str) -> Result<String, Unmapped> {
        let method = method.trim();
        self.get(MappingKind::PaymentTypeReverse, method)
            .cloned()
            .ok_or_else(|| Unmapped {
                kind: MappingKind::PaymentTypeReverse,
                value: method.to_owned(),
            })
    }
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
