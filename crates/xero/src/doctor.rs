//! `ledgerbridge doctor` for a Xero connection: is it alive, which organisation and budget,
//! and does every mapping point at something Xero will accept.

use chrono::NaiveDate;
use ledgerbridge_connector::{ConnectorError, TokenProvider};

use crate::client::Xero;
use crate::config::Environment;
use crate::limits::Budget;
use crate::map::Mappings;
use crate::reference::ReferenceData;

/// One mapping Xero would refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MappingProblem {
    /// `item`, `gl_account`, `tax_type`, `business_unit`, `payment_type`.
    pub kind: &'static str,
    /// The ServiceTitan value.
    pub source: String,
    /// The Xero value it maps to.
    pub target: String,
    /// What is wrong with the target.
    pub problem: &'static str,
}

/// What `doctor` prints for a Xero connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnosis {
    /// Sandbox or production.
    pub environment: Environment,
    /// The tenant id.
    pub tenant_id: String,
    /// The organisation's name.
    pub organisation: String,
    /// Its base currency.
    pub base_currency: Option<String>,
    /// Its lock date: nothing on or before it can be written.
    pub lock_date: Option<NaiveDate>,
    /// Calls left today and this minute, from the last answer.
    pub budget: Budget,
    /// Mappings Xero would refuse.
    pub mapping_problems: Vec<MappingProblem>,
}

fn active(status: Option<&str>) -> bool {
    status.is_none_or(|s| s.eq_ignore_ascii_case("ACTIVE"))
}

/// Checks every mapping against the organisation's reference data.
pub fn check_mappings(data: &ReferenceData, mappings: &Mappings) -> Vec<MappingProblem> {
    let mut problems = Vec::new();
    let mut report = |kind, source: &str, target: &str, problem| {
        problems.push(MappingProblem {
            kind,
            source: source.to_owned(),
            target: target.to_owned(),
            problem,
        });
    };
    let account = |code: &str| {
        data.accounts.iter().find(|a| {
            a.code
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(code))
        })
    };
    let sorted = |map: &std::collections::HashMap<String, String>| {
        let mut pairs: Vec<(String, String)> =
            map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        pairs.sort();
        pairs
    };
    let gl = sorted(&mappings.gl_accounts);
    let default = mappings
        .default_account
        .iter()
        .map(|a| ("(default)".to_owned(), a.clone()));
    for (source, target) in gl.into_iter().chain(default) {
        match account(&target) {
            None => report("gl_account", &source, &target, "no such account code"),
            Some(a) if !active(a.status.as_deref()) => {
                report("gl_account", &source, &target, "the account is archived")
            }
            Some(_) => {}
        }
    }
    for (source, target) in sorted(&mappings.payment_accounts) {
        match account(&target) {
            None => report("payment_type", &source, &target, "no such account code"),
            Some(a) if !a.takes_payments() => report(
                "payment_type",
                &source,
                &target,
                "the account is not a bank account and does not take payments",
            ),
            Some(_) => {}
        }
    }
    let taxable = mappings
        .taxable_tax_type
        .iter()
        .map(|t| ("(taxable)".to_owned(), t.clone()));
    let exempt = std::iter::once(("(exempt)".to_owned(), mappings.exempt_tax_type.clone()));
    for (source, target) in sorted(&mappings.tax_types)
        .into_iter()
        .chain(taxable)
        .chain(exempt)
    {
        match data
            .tax_rates
            .iter()
            .find(|r| r.tax_type.eq_ignore_ascii_case(&target))
        {
            None => report("tax_type", &source, &target, "no such tax type"),
            Some(r) if !active(r.status.as_deref()) => {
                report("tax_type", &source, &target, "the tax rate is not active")
            }
            Some(_) => {}
        }
    }
    for (source, target) in sorted(&mappings.items) {
        if !data
            .items
            .iter()
            .any(|i| i.code.eq_ignore_ascii_case(&target))
        {
            report("item", &source, &target, "no such item code");
        }
    }
    if let Some(category) = &mappings.tracking_category {
        let found = data
            .tracking_categories
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(category) && active(c.status.as_deref()));
        for (source, target) in sorted(&mappings.business_units) {
            let ok = found.is_some_and(|c| {
                c.options
                    .iter()
                    .any(|o| o.name.eq_ignore_ascii_case(&target) && active(o.status.as_deref()))
            });
            if !ok {
                report(
                    "business_unit",
                    &source,
                    &target,
                    "no such active option in the tracking category",
                );
            }
        }
        if found.is_none() {
            report(
                "business_unit",
                "(category)",
                category,
                "no such active tracking category",
            );
        }
    }
    problems
}

impl<P: TokenProvider> Xero<P> {
    /// Reads the organisation and its reference data (five calls) and checks `mappings`
    /// against it.
    pub async fn diagnose(&self, mappings: &Mappings) -> Result<Diagnosis, ConnectorError> {
        let data = self.reference_data().await?;
        Ok(Diagnosis {
            environment: self.environment(),
            tenant_id: self.tenant_id().to_owned(),
            lock_date: data.organisation.lock_date(),
            organisation: data.organisation.name.clone(),
            base_currency: data.organisation.base_currency.clone(),
            budget: self.budget(),
            mapping_problems: check_mappings(&data, mappings),
        })
    }
}
