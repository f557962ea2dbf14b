//! Contact writes: PUT creates (a name already used by an active contact is a validation
//! error), POST creates or updates (by ContactID, path id/number, or ContactNumber); omitted
//! fields are kept; phones and addresses are updated by type.

use uuid::Uuid;

use super::batch::WriteOpts;
use crate::books::{Address, Books, Contact, Phone};
use crate::wire::Json;

fn duplicate_name(name: &str) -> String {
    format!(
        "The contact name {name} is already assigned to another contact. The contact name must be unique across all active contacts."
    )
}

fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(' ')
}

pub(crate) fn write(
    books: &mut Books,
    input: &Json,
    opts: &WriteOpts,
) -> Result<(Uuid, Vec<String>), Vec<String>> {
    let existing = if let Some(key) = &opts.path_id {
        books.contact_index(key)
    } else if let Some(id) = input.str_of("ContactID") {
        match Uuid::parse_str(id)
            .ok()
            .and_then(|id| books.contacts.iter().position(|c| c.id == id))
        {
            None => {
                return Err(vec![format!(
                    "The contact with ContactID {id} could not be found."
                )]);
            }
            Some(_) if opts.create_only => {
                return Err(vec![format!(
                    "Contact {id} already exists: PUT only creates, use POST to update."
                )]);
            }
            some => some,
        }
    } else if !opts.create_only {
        input.str_of("ContactNumber").and_then(|n| {
            books
                .contacts
                .iter()
                .position(|c| c.number.as_deref() == Some(n))
        })
    } else {
        None
    };
    let mut errors = Vec::new();
    let mut contact = match existing {
        Some(i) => books.contacts[i].clone(),
        None => Contact {
            id: Uuid::new_v4(),
            number: None,
            account_number: None,
            status: "ACTIVE".into(),
            name: String::new(),
            first_name: None,
            last_name: None,
            email: None,
            tax_number: None,
            default_currency: None,
            phones: Vec::new(),
            addresses: Vec::new(),
            updated: opts.now,
        },
    };
    if let Some(name) = input.str_of("Name") {
        contact.name = name.trim().to_owned();
    }
    if contact.name.is_empty() {
        errors.push("The contact name is required.".into());
    } else if contact.name.chars().count() > 255 {
        errors.push("The contact name must be 255 characters or fewer.".into());
    }
    if let Some(status) = input.str_of("ContactStatus").map(str::to_uppercase) {
        if ["ACTIVE", "ARCHIVED", "GDPRREQUEST"].contains(&status.as_str()) {
            contact.status = status;
        } else {
            errors.push(format!("ContactStatus '{status}' is not valid."));
        }
    }
    if contact.status == "ACTIVE"
        && books
            .active_contact_named(&contact.name, Some(contact.id))
            .is_some()
    {
        errors.push(duplicate_name(&contact.name));
    }
    if let Some(n) = input.str_of("ContactNumber") {
        if books
            .contacts
            .iter()
            .any(|c| c.id != contact.id && c.number.as_deref() == Some(n))
        {
            errors.push(format!(
                "The contact number {n} is already assigned to another contact."
            ));
        }
        contact.number = Some(n.to_owned());
    }
    let text = |key: &str| input.str_of(key).map(str::to_owned);
    if let Some(email) = text("EmailAddress") {
        if !email.is_empty() && !valid_email(&email) {
            errors.push("Email address must be valid.".into());
        }
        contact.email = Some(email).filter(|e| !e.is_empty());
    }
    contact.first_name = text("FirstName").or(contact.first_name);
    contact.last_name = text("LastName").or(contact.last_name);
    contact.account_number = text("AccountNumber").or(contact.account_number);
    contact.tax_number = text("TaxNumber").or(contact.tax_number);
    if let Some(currency) = text("DefaultCurrency") {
        contact.default_currency = Some(currency.to_uppercase());
    }
    for p in input.get("Phones").and_then(Json::as_array).unwrap_or(&[]) {
        let kind = p.str_of("PhoneType").unwrap_or("DEFAULT").to_uppercase();
        let phone = Phone {
            kind: kind.clone(),
            number: p.str_of("PhoneNumber").unwrap_or("").into(),
            area_code: p.str_of("PhoneAreaCode").unwrap_or("").into(),
            country_code: p.str_of("PhoneCountryCode").unwrap_or("").into(),
        };
        contact.phones.retain(|x| x.kind != kind);
        contact.phones.push(phone);
    }
    for a in input
        .get("Addresses")
        .and_then(Json::as_array)
        .unwrap_or(&[])
    {
        let kind = a.str_of("AddressType").unwrap_or("POBOX").to_uppercase();
        let line = |k: &str| a.str_of(k).unwrap_or("").to_owned();
        let address = Address {
            kind: kind.clone(),
            lines: [
                line("AddressLine1"),
                line("AddressLine2"),
                line("AddressLine3"),
                line("AddressLine4"),
            ],
            city: line("City"),
            region: line("Region"),
            postal_code: line("PostalCode"),
            country: line("Country"),
            attention_to: line("AttentionTo"),
        };
        contact.addresses.retain(|x| x.kind != kind);
        contact.addresses.push(address);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    contact.updated = opts.now;
    let id = contact.id;
    match existing {
        Some(i) => books.contacts[i] = contact,
        None => books.contacts.push(contact),
    }
    Ok((id, Vec::new()))
}
