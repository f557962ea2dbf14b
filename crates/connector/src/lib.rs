//! What the connectors share: the traits they implement, the errors callers react to, and the
//! one HTTP layer (token caching, rate limiting, retries honouring Retry-After) they all use.
//!
//! Connector crates depend on this crate and on `ledgerbridge-core`, never on each other or on
//! the ledger: capabilities such as credential storage are passed in as traits
//! ([`CredentialStore`]), which the ledger implements.

pub mod credentials;

pub use credentials::{CredentialError, CredentialStore, SecretEntry};
