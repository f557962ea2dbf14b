//! The sync protocol: the one boundary between the engine and every vendor.
//!
//! * [`Source`] is the field-service side (ServiceTitan): change feeds, look-ups by id,
//!   export marks, payments and invoice edits written back, and the reference lists mappings
//!   are made from.
//! * [`Target`] is the books side (QuickBooks Online, Xero): customers and invoices to match,
//!   the books' own edits and payments, and the two-phase writes of the outbox ([`Write`],
//!   [`Target::prepare`], [`Target::send`], [`Target::recover`], one [`WriteOutcome`] per write).
//!
//! The engine (`ledgerbridge-reconcile`) is generic over both and names no vendor crate; each
//! vendor crate implements its side (`servicetitan/src/source.rs`, `quickbooks/src/target.rs`,
//! `xero/src/target.rs`), and only the binary's `cli` crate names them. A third books system
//! is one new crate implementing [`Target`] plus one variant of the CLI's `AnyTarget`.

mod remote;
mod source;
mod target;

pub use remote::{
    BooksChanges, BooksInvoice, BooksPayment, BooksPayments, BooksQuarantined, Choice,
    ReferenceChoices, RemoteCustomer, RemoteInvoice,
};
pub use source::{
    BusinessUnit, GlAccount, InvoiceItemPatch, InvoicePatch, NewPayment, PaymentType, Source,
    TaxRate, TaxZone,
};
pub use target::{
    EncodedRequest, InvoiceRefs, LineRefs, PaymentRefs, Prepared, REFUND_ITEM, Rejection,
    RejectionKind, Saved, Target, Write, WriteKind, WriteOutcome,
};
