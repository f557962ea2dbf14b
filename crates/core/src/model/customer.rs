//! The canonical customer.

use serde::{Deserialize, Serialize};

use super::Record;
use crate::ids::EntityKind;
use crate::money::Currency;

/// A postal address. Every part is optional and the struct itself is always present (empty
/// rather than `None`), so a diff can compare `billing_address.city` without first asking
/// whether there is an address at all.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    /// Street and number.
    pub line1: Option<String>,
    /// Unit, suite, apartment.
    pub line2: Option<String>,
    /// City or locality.
    pub city: Option<String>,
    /// State, province or region.
    pub region: Option<String>,
    /// ZIP or postal code.
    pub postal_code: Option<String>,
    /// Country as the source spells it (ServiceTitan sends `USA`).
    pub country: Option<String>,
}

/// A customer: the bill-to party of invoices and payments.
///
/// Paths: `customer.display_name`, `customer.email`, `customer.billing_address.city`, …
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// The name shown in the books. QBO requires it unique across customers, vendors and
    /// employees, so the connector may disambiguate it; the canonical value is ServiceTitan's.
    pub display_name: String,
    /// Company name for commercial customers.
    pub company_name: Option<String>,
    /// Primary email (ServiceTitan: the first `Email` contact).
    pub email: Option<String>,
    /// Primary phone (ServiceTitan: the first `Phone` or `MobilePhone` contact).
    pub phone: Option<String>,
    /// Where invoices are billed.
    pub billing_address: Address,
    /// Whether the customer is tax exempt.
    pub tax_exempt: bool,
    /// The customer's currency when it differs from the company's home currency.
    pub currency: Option<Currency>,
    /// Inactive customers are kept (invoices refer to them) but not offered for new work.
    pub active: bool,
}

impl Record for Customer {
    const ENTITY: EntityKind = EntityKind::Customer;
    const ROOT: &'static str = "customer";
    const NESTED: &'static [&'static str] = &["billing_address"];
}
