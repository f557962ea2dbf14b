//! The canonical model of ledgerbridge and its pure rules: money, ids, records, field paths,
//! field-level diffs, the three-way merge, conflict policies, allocation and consistency checks.
//!
//! This crate does no I/O and needs no async runtime, so every rule here is cheap to test
//! exhaustively (proptest) and every other crate can depend on it. Connectors translate remote
//! shapes into these records; the ledger stores them as JSON snapshots; `reconcile` diffs and
//! merges them.
//!
//! # Money
//!
//! [`Money`] is an exact `rust_decimal::Decimal` at its currency's scale. Mixed currencies are
//! refused, rounding is half away from zero ([`money::round_half_away`]; `Decimal::round_dp` is
//! banker's and banned by `clippy.toml`), JSON carries amounts as strings and is validated on
//! the way in, and the ledger stores integer minor units ([`Money::to_minor`]). [`allocate()`]
//! splits an amount by largest remainder so the parts always sum exactly.
//!
//! # Records and their JSON
//!
//! [`Customer`], [`Invoice`] (with [`InvoiceLine`] and [`TaxLine`]) and [`Payment`] (with
//! [`Allocation`]) hold only the data both sides can edit; ids live in [`LinkKey`], times are
//! passed to policies separately. Their serde JSON is the stable canonical form: every field
//! always present, amounts as exact strings, quantities and rates as normalized decimal strings.
//! See [`model`] for the rules.
//!
//! # Field paths
//!
//! Diffs, conflicts, resolutions and policy overrides name fields by path. The grammar:
//!
//! ```text
//! path      = segment *( "." segment )
//! segment   = name [ "[" key "]" ]
//! name      = lower *( lower / digit / "_" )          ; lower = a-z
//! key       = "st:" id-number / "acct:" id-text
//! id-number = "0" / nonzero-digit *digit             ; a ServiceTitan id, fits i64
//! id-text   = 1*64( ALPHA / digit / "-" / "_" / "." ) ; an accounting-side id
//! ```
//!
//! - A record's own fields start with its name: `invoice.due_date`, `invoice.memo`,
//!   `customer.display_name`, `customer.email`, `payment.amount`.
//! - Fields of a nested struct add a segment: `customer.billing_address.city`.
//! - Items of a keyed collection start with the collection and the item's **key**, never a
//!   position: `lines[st:4521].quantity` is the quantity of the line whose ServiceTitan item id
//!   is 4521, wherever it sits on either invoice. `lines[st:4521]` alone is the whole line (a
//!   line added or removed). A line that exists only in the accounting system is keyed by its id
//!   there: `lines[acct:7]`. The collections are `lines` and `tax_lines` (invoices) and
//!   `allocations` (payments, keyed by the invoice paid: `allocations[st:1679].amount`).
//! - Each path has exactly one spelling (lower-case names, no spaces, no leading zeros), so
//!   `FieldPath::parse(&p.to_string()) == Ok(p)`.
//! - Policy patterns ([`PathPattern`]) use the same grammar plus `*` as a key
//!   (`lines[*].description`) and match a path's leading segments, so `customer.billing_address`
//!   covers each address field. The most specific matching pattern wins.
//!
//! # Diff, merge, policies
//!
//! [`diff()`] lists [`FieldChange`]s between two versions. [`merge()`] combines ServiceTitan's and
//! the accounting side's changes since the base snapshot: a field changed on one side takes that
//! side's value, the same change on both sides is no conflict, different changes are a
//! [`FieldConflict`] (with base, ServiceTitan and accounting values). A [`PolicySet`] then
//! settles conflicts by `servicetitan_wins`, `accounting_wins`, `newest_wins` or `manual`, per
//! entity and per field.
//!
//! ```
//! use ledgerbridge_core::{Address, Customer, EntityKind, Policy, PolicySet, SideTimes, merge};
//!
//! let base = Customer {
//!     display_name: "John Smith".into(),
//!     company_name: None,
//!     email: Some("john@example.com".into()),
//!     phone: None,
//!     billing_address: Address::default(),
//!     tax_exempt: false,
//!     currency: None,
//!     active: true,
//! };
//! let mut servicetitan = base.clone();
//! servicetitan.email = Some("js@example.com".into());
//! servicetitan.phone = Some("555-0100".into());
//! let mut accounting = base.clone();
//! accounting.email = Some("billing@example.com".into());
//!
//! let outcome = merge(&base, &servicetitan, &accounting)?;
//! assert_eq!(outcome.merged.phone.as_deref(), Some("555-0100")); // one side changed it
//! assert_eq!(outcome.conflicts[0].path.to_string(), "customer.email"); // both did
//!
//! let policies = PolicySet::new(Policy::Manual)
//!     .with_field(EntityKind::Customer, "customer.email".parse()?, Policy::AccountingWins);
//! let settled = policies.settle(outcome, &SideTimes::default())?;
//! assert_eq!(settled.merged.email.as_deref(), Some("billing@example.com"));
//! assert!(settled.manual.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Resolutions
//!
//! What a person decides for an open conflict is a [`Decision`]: per field path, a side or a
//! typed value, stored as the pinned JSON object `{"invoice.memo": "servicetitan",
//! "invoice.due_date": {"value": "2026-03-01"}}`. [`check_resolution`] is the one check the
//! CLI, the web UI and the engine share before a decision is recorded or applied: every field
//! chosen, typed values read by their field's [`resolution::Shape`] and accepted by the model,
//! and the resolved invoice or payment still adding up. See [`resolution`].

pub mod allocate;
mod check;
mod clock;
pub mod crash;
pub mod credentials;
pub mod diff;
mod environment;
mod fields;
pub mod ids;
pub mod limits;
pub mod merge;
pub mod model;
pub mod money;
pub mod path;
pub mod policy;
pub mod resolution;
pub mod spreadsheet;

pub use allocate::{AllocationError, allocate};
pub use check::Discrepancy;
pub use clock::WallClock;
pub use credentials::{CredentialError, CredentialStore, SecretEntry};
pub use diff::{FieldChange, diff};
pub use environment::{Environment, UnknownEnvironment};
pub use fields::{ModelError, field_value, with_values};
pub use ids::{
    CompanyId, EntityKind, IdError, LinkKey, SourceRef, SourceRefError, System, TenantId,
};
pub use merge::{FieldConflict, MergeOutcome, merge};
pub use model::{
    Address, Allocation, Customer, Invoice, InvoiceLine, InvoiceStatus, Payment, PaymentStatus,
    Record, TaxLine,
};
pub use money::{Currency, Money, MoneyError};
pub use path::{FieldPath, PathError, PathPattern, Segment};
pub use policy::{Policy, PolicySet, Resolved, Settled, Side, SideTimes, UnknownPolicy};
pub use resolution::{Choice, Decision, ResolutionError, check_resolution};
