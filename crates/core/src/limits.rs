//! How long a text field may be in each system: the one table the engine, the CLI and the web
//! UI share, so a value is judged the same way when a person types it, when a sync is about
//! to write it, and when a record is planned for a target.
//!
//! Only limits with a source are listed; a field without an entry has no known limit and is
//! never refused for its length (ServiceTitan documents none for the fields the bridge
//! writes). Lengths are counted in characters (Unicode scalar values), as the vendors state
//! them. A value too long for a target is never clipped: clipping loses data silently, so the
//! record is blocked (or the resolution refused) with a [`TooLong`] that names the field, the
//! limit, the system and the length.

use serde_json::Value;

use crate::ids::System;
use crate::model::{Customer, Invoice};
use crate::path::{FieldPath, PathPattern};

/// One system's limit on one canonical field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The system that refuses longer values.
    pub system: System,
    /// The canonical field, as a path pattern (`lines[*].description`).
    pub field: &'static str,
    /// The system's own name for the field, for messages.
    pub remote_field: &'static str,
    /// The most characters the system takes.
    pub max: usize,
}

/// Every known limit. Each cites where it comes from; never add one without a source.
pub const LIMITS: &[Limit] = &[
    // api/quickbooks.md §3.1, XSD annotation: "DocNumber: max 21 chars".
    Limit {
        system: System::QuickBooks,
        field: "invoice.number",
        remote_field: "DocNumber",
        max: 21,
    },
    // Not in api/quickbooks.md (it lists Line.Description without a length): the limit the
    // QuickBooks mapper has enforced since the connector was written, and the one the
    // reliability issue (#5) reports QuickBooks refusing at 4,000. To be confirmed in the
    // fact sheet.
    Limit {
        system: System::QuickBooks,
        field: "lines[*].description",
        remote_field: "Line.Description",
        max: 4000,
    },
    // Not in api/quickbooks.md either: the QuickBooks mapper's long-standing CustomerMemo
    // limit, kept so nothing it refused before is sent now. To be confirmed in the fact sheet.
    Limit {
        system: System::QuickBooks,
        field: "invoice.memo",
        remote_field: "CustomerMemo",
        max: 1000,
    },
    // Not in api/quickbooks.md: the DisplayName room the bridge's disambiguated names already
    // assume and the QuickBooks emulator enforces. To be confirmed in the fact sheet.
    Limit {
        system: System::QuickBooks,
        field: "customer.display_name",
        remote_field: "DisplayName",
        max: 500,
    },
    // api/xero.md §3 Invoice: "InvoiceNumber (≤255 ...)".
    Limit {
        system: System::Xero,
        field: "invoice.number",
        remote_field: "InvoiceNumber",
        max: 255,
    },
    // api/xero.md §3 Invoice, LineItem: "Description (≥1 char, ≤4000)".
    Limit {
        system: System::Xero,
        field: "lines[*].description",
        remote_field: "LineItem.Description",
        max: 4000,
    },
    // api/xero.md §3 Contact: "Required on create: Name (≤255)".
    Limit {
        system: System::Xero,
        field: "customer.display_name",
        remote_field: "Contact.Name",
        max: 255,
    },
];

/// The name a person reads for a system.
pub fn system_name(system: System) -> &'static str {
    match system {
        System::ServiceTitan => "ServiceTitan",
        System::QuickBooks => "QuickBooks",
        System::Xero => "Xero",
    }
}

/// A value longer than a system takes for that field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{path} is {len} characters; {} allows at most {max} ({remote_field})",
    system_name(*system)
)]
pub struct TooLong {
    /// The canonical field (`lines[st:4521].description`).
    pub path: String,
    /// The system that would refuse it.
    pub system: System,
    /// The system's name for the field.
    pub remote_field: &'static str,
    /// The most characters the system takes.
    pub max: usize,
    /// The value's length in characters.
    pub len: usize,
}

/// The limit `system` puts on the field at `path`, if any.
pub fn limit(system: System, path: &FieldPath) -> Option<&'static Limit> {
    LIMITS.iter().find(|l| {
        l.system == system
            // A pattern also matches what is inside the field; a limit is on the field itself.
            && l.field.split('.').count() == path.segments().len()
            && PathPattern::parse(l.field).is_ok_and(|p| p.matches(path))
    })
}

/// The limit `system` puts on the canonical field `field`, named as in [`LIMITS`]
/// (`lines[*].description`): for a mapper that checks one field of its own body.
pub fn of(system: System, field: &str) -> Option<&'static Limit> {
    LIMITS
        .iter()
        .find(|l| l.system == system && l.field == field)
}

/// Refuses `text` at `path` when it is longer than `system` takes.
pub fn check_text(system: System, path: &FieldPath, text: &str) -> Result<(), TooLong> {
    let Some(limit) = limit(system, path) else {
        return Ok(());
    };
    let len = text.chars().count();
    if len > limit.max {
        return Err(TooLong {
            path: path.to_string(),
            system,
            remote_field: limit.remote_field,
            max: limit.max,
            len,
        });
    }
    Ok(())
}

/// Refuses a canonical JSON `value` for `path` (a text, or a whole struct or line holding
/// texts) when any text in it is longer than `system` takes.
pub fn check_value(system: System, path: &FieldPath, value: &Value) -> Result<(), TooLong> {
    match value {
        Value::String(text) => check_text(system, path, text),
        Value::Object(members) => members.iter().try_for_each(|(name, member)| {
            match path.child(name) {
                Ok(child) => check_value(system, &child, member),
                // Not a field name of the model: the model's own check refuses it.
                Err(_) => Ok(()),
            }
        }),
        _ => Ok(()),
    }
}

/// Refuses an invoice any of whose texts is longer than `system` takes.
pub fn check_invoice(system: System, invoice: &Invoice) -> Result<(), TooLong> {
    let at = |text: &str| FieldPath::parse(text).expect("static paths are valid");
    check_text(system, &at("invoice.number"), &invoice.number)?;
    if let Some(memo) = &invoice.memo {
        check_text(system, &at("invoice.memo"), memo)?;
    }
    for line in &invoice.lines {
        let path = at(&format!("lines[{}].description", line.key));
        check_text(system, &path, &line.description)?;
    }
    Ok(())
}

/// Refuses a customer any of whose texts is longer than `system` takes.
pub fn check_customer(system: System, customer: &Customer) -> Result<(), TooLong> {
    let at = |text: &str| FieldPath::parse(text).expect("static paths are valid");
    check_text(
        system,
        &at("customer.display_name"),
        customer.display_name.trim(),
    )
}

#[cfg(test)]
mod tests;
