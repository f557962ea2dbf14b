//! Records to the specs' response shapes. Kept apart from the records so the wire format (field
//! names, nulls, money as strings or exact numbers) is in one place per module.

pub(crate) mod accounting;
pub(crate) mod crm;
pub(crate) mod payments;
pub(crate) mod reference;
