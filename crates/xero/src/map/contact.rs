//! Canonical customer -> Xero contact.
//!
//! A customer is found again by `ContactNumber` = `ST-{ServiceTitan id}` (an API-only
//! external id Xero keeps for exactly this), never by name: two ServiceTitan "John Smith"s
//! are two contacts. Xero insists that names be unique among active contacts, so the second
//! one is written as [`disambiguated_name`], readable and stable.

use ledgerbridge_core::{Customer, System, limits};

use super::{Mappings, clip};
use crate::wire::contact::{Address, Contact, Phone};

/// The `ContactNumber` of a ServiceTitan customer.
pub fn contact_number(servicetitan_customer_id: i64) -> String {
    format!("ST-{servicetitan_customer_id}")
}

/// `"John Smith (ST-4521)"`: the name to use when the plain one is taken by another contact.
pub fn disambiguated_name(display_name: &str, servicetitan_customer_id: i64) -> String {
    let suffix = format!(" ({})", contact_number(servicetitan_customer_id));
    // Contact.Name's room (`ledgerbridge_core::limits`), the suffix kept whole: the plain
    // name was checked against the same room before it got here.
    let max = limits::of(System::Xero, "customer.display_name").map_or(usize::MAX, |l| l.max);
    let room = max.saturating_sub(suffix.chars().count());
    format!("{}{suffix}", clip(display_name.trim(), room))
}

/// Maps `customer` to a contact. `name` is the display name to write (plain or
/// [`disambiguated_name`]); `contact_id` is set for an update. Every field is sent, so an
/// update also clears what ServiceTitan cleared (empty strings, not omissions, since Xero
/// keeps omitted fields).
pub fn contact_to_xero(
    customer: &Customer,
    servicetitan_customer_id: i64,
    contact_id: Option<&str>,
    name: &str,
    mappings: &Mappings,
) -> Contact {
    let a = &customer.billing_address;
    let text = |v: &Option<String>| Some(v.clone().unwrap_or_default());
    Contact {
        contact_id: contact_id.map(str::to_owned),
        contact_number: Some(contact_number(servicetitan_customer_id)),
        // Checked against Contact.Name's limit before (a longer name blocks the customer):
        // never cut here.
        name: Some(name.to_owned()),
        email_address: text(&customer.email),
        contact_status: Some(
            if customer.active {
                "ACTIVE"
            } else {
                "ARCHIVED"
            }
            .to_owned(),
        ),
        accounts_receivable_tax_type: customer
            .tax_exempt
            .then(|| mappings.exempt_tax_type.clone()),
        default_currency: customer.currency.map(|c| c.code().to_owned()),
        addresses: Some(vec![Address {
            address_type: "POBOX".to_owned(),
            address_line1: text(&a.line1),
            address_line2: text(&a.line2),
            city: text(&a.city),
            region: text(&a.region),
            postal_code: text(&a.postal_code),
            country: text(&a.country),
        }]),
        phones: Some(vec![Phone {
            phone_type: "DEFAULT".to_owned(),
            phone_number: text(&customer.phone),
        }]),
        ..Contact::default()
    }
}
