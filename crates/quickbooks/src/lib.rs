//! The QuickBooks Online connector: OAuth 2.0 authorization code with rotating refresh
//! tokens, query paging and CDC, `/batch` writes with `requestid`, SyncToken handling, sales
//! tax as ServiceTitan computed it, and mapping to and from the canonical model.
//!
//! Written from `shared/api/quickbooks.md` (the API facts), not from the emulator, so a shared
//! misunderstanding cannot hide. Design decisions:
//!
//! * **All HTTP goes through `ledgerbridge-connector`'s layer**, paced at the documented
//!   10 requests/s per realm and app; this crate adds the two per-minute budgets the layer's
//!   single limiter cannot express (500 requests per realm, 40 batch requests per realm and
//!   app), so a long write run sustains the batch ceiling (40 x 30 = 1,200 records a minute)
//!   instead of trading speed for 429s. Tokens come from
//!   [`ledgerbridge_connector::oauth::AuthorizationCodeTokens`].
//! * **Reads never skip a record.** Query paging is keyed on `MetaData.LastUpdatedTime`
//!   (offsets shift when a record is edited mid-walk), CDC is used only inside its 30-day,
//!   1000-object reach, and every pull re-reads an overlap window ([`read`]).
//! * **Writes are replayable byte for byte.** A batch is encoded once ([`batch::PreparedWrite`]);
//!   the ledger stores those bytes with its idempotency key, sent as `requestid`; a replay
//!   sends the same bytes with the same key. Items are matched back by `bId` (their position),
//!   and a stale SyncToken (5010) returns the fresh version to the caller.
//! * **ServiceTitan's numbers are the truth**: `TxnTaxDetail.TotalTax` overrides QuickBooks'
//!   tax so totals match to the cent; `DocNumber` is ServiceTitan's number so a look-up after
//!   a lost response finds the invoice; a taken display name gets a readable `(ST id)` suffix
//!   and the link lives in the ledger, never a silent merge by name ([`map`]).
//! * **Nothing unconfirmed is relied on**: 429s carry no documented `Retry-After` (the layer
//!   backs off; local pacing avoids them); `requestid` is not trusted alone (look-ups by
//!   `DocNumber` exist for the case it lets a duplicate through).
//! * **The engine's side is [`QuickBooksTarget`]**: `ledgerbridge_protocol::Target` on this
//!   crate's public API (`target`), so the engine names no vendor crate.

mod batch;
mod client;
mod config;
mod connect;
pub mod map;
mod ops;
mod outcome;
pub mod read;
mod reference;
mod target;
pub mod wire;

pub use batch::{BatchItem, MAX_BATCH_REQUEST_ID, MAX_BID, Operation, PreparedWrite};
pub use client::{Entity, QuickBooks, fault_error};
pub use config::{
    Endpoints, Environment, Limits, QuickBooksConfig, RECONNECT_COMMAND, SCOPE_ACCOUNTING,
};
pub use connect::{AuthorizedCompany, ConnectRequest, connect, disconnect, token_status};
pub use map::{MapError, Mappings, PaymentTarget, disambiguated_name};
pub use ops::{Found, PrepareError, Prepared, WriteOp};
pub use outcome::{FaultReaction, ItemFault, ItemOutcome, ItemResult, QboStored};
pub use read::{ChangePage, PullSource, Remote, quote};
pub use reference::{RefItem, ReferenceData};
pub use target::QuickBooksTarget;
