//! The handlers, one module per page. Each parses its input, reads or writes the ledger
//! through its repositories, and renders a template; none holds business rules beyond
//! checking what a person typed.

pub(crate) mod alerts;
pub(crate) mod assets;
pub(crate) mod conflicts;
pub(crate) mod dashboard;
pub(crate) mod login;
pub(crate) mod mappings;
pub(crate) mod records;
pub(crate) mod report;
pub(crate) mod resolve;
pub(crate) mod runs;
pub(crate) mod suggestions;
pub(crate) mod typed;

use ledgerbridge_ledger::{Ledger, LedgerError};

/// Every tenant with a connection, sorted: the choices of the tenant filters and the tenants
/// the report covers by default.
pub(crate) async fn known_tenants(ledger: &Ledger) -> Result<Vec<String>, LedgerError> {
    let mut tenants: Vec<String> = ledger
        .connections()
        .list()
        .await?
        .into_iter()
        .map(|c| c.tenant)
        .collect();
    tenants.sort();
    tenants.dedup();
    Ok(tenants)
}

/// An optional text filter from a query string: blank means "no filter".
pub(crate) fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// One option of a `<select>`.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

impl Choice {
    pub(crate) fn list<'a>(
        items: impl IntoIterator<Item = (&'a str, &'a str)>,
        selected: Option<&str>,
    ) -> Vec<Self> {
        items
            .into_iter()
            .map(|(value, label)| Self {
                value: value.to_owned(),
                label: label.to_owned(),
                selected: Some(value) == selected,
            })
            .collect()
    }
}
