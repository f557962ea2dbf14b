//! The canonical records: what a customer, an invoice and a payment are, independent of
//! ServiceTitan's, QuickBooks' or Xero's shape.
//!
//! Design rules, all in service of the field-level diff and merge:
//!
//! - **No identity, no timestamps.** A record holds only the data both sides can edit. Its own
//!   ids live in the ledger's [`LinkKey`](crate::ids::LinkKey); modification times are passed to
//!   the `newest_wins` policy separately. Otherwise every sync would see "changes".
//! - **Every field is always serialized** (`null` for absent), in declaration order, so the JSON
//!   form is stable and the ledger can store it as the base snapshot.
//! - **Exact text for numbers.** Money is `{"amount": "12.30", "currency": "USD"}`; quantities,
//!   unit prices and rates are normalized decimal strings (`"1.5"`, never `1.5` nor `"1.50"`), so
//!   `1.50` and `1.5` are the same value in a diff. Reading refuses JSON numbers.
//! - **Collections are keyed, not positional.** Lines and tax lines carry a
//!   [`SourceRef`](crate::ids::SourceRef) key, allocations the invoice they pay; diffs match items
//!   by key, so inserting a line does not make every later line "changed".
//! - **Codes are ServiceTitan-side text.** Items, GL accounts, tax codes and business units are
//!   the ServiceTitan code as text; connectors translate them through the mappings table.

mod customer;
mod invoice;
mod payment;

pub use customer::{Address, Customer};
pub use invoice::{Invoice, InvoiceLine, InvoiceStatus, TaxLine};
pub use payment::{Allocation, Payment, PaymentStatus};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ids::EntityKind;

/// A canonical record: what the diff, the merge and the policies work on.
///
/// The associated constants describe the record's shape for the field paths: which top-level
/// fields are nested structs (diffed field by field) and which are keyed collections.
pub trait Record: Clone + PartialEq + std::fmt::Debug + Serialize + DeserializeOwned {
    /// The entity kind, used to look up conflict policies.
    const ENTITY: EntityKind;
    /// The first segment of the record's own fields in a path (`invoice` in `invoice.memo`).
    const ROOT: &'static str;
    /// Top-level fields holding a struct whose fields are diffed one by one
    /// (`customer.billing_address.city`).
    const NESTED: &'static [&'static str] = &[];
    /// Keyed collections as `(field, key field of each item)`: `("lines", "key")` makes paths
    /// `lines[st:4521].quantity`.
    const COLLECTIONS: &'static [(&'static str, &'static str)] = &[];
}

/// Serde for quantities, unit prices and rates: a normalized decimal string, read exactly.
pub(crate) mod decimal_text {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&value.normalize())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(d)?;
        Decimal::from_str_exact(&text)
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not an exact decimal")))
    }
}
