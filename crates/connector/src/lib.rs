//! What the connectors share: the record envelopes they deliver, the errors callers react to,
//! and the one HTTP layer (token caching, rate limiting, retries honouring Retry-After) they
//! all use.
//!
//! Connector crates depend on this crate and on `ledgerbridge-core`, never on each other or on
//! the ledger: capabilities such as credential storage are passed in as traits
//! ([`CredentialStore`]), which the ledger implements.
//!
//! Design decisions:
//!
//! * **One HTTP layer, no hand-rolled sleeps.** [`http::HttpLayer`] paces per tenant at the
//!   remote's documented limit (`governor`), adapts to rate-limit headers and `Retry-After`,
//!   and retries with exponential backoff and jitter (`backon`) only what is safe to repeat
//!   ([`http::Idempotency`]). Connectors describe requests; they never loop or sleep.
//! * **Errors by caller reaction.** [`ConnectorError`] says what to do next (wait, reconnect,
//!   fix the record, look it up, stop), keeps the remote's trace id and the source error.
//! * **Tokens behind a trait.** [`token::TokenProvider`] is what the layer needs; the
//!   client-credentials provider ([`token::ClientCredentials`]) serves ServiceTitan, and the
//!   auth-code providers of QuickBooks and Xero plug in beside it.
//! * **Static dispatch.** Traits declare `fn x(..) -> impl Future<Output = ..> + Send` so
//!   generic callers can spawn them; no boxing, no `async-trait`.
//! * **Redaction by construction.** Logs get method, redacted path, status, trace id and
//!   duration ([`redact`]); tokens and keys are `SecretString`s and sensitive headers.

pub mod error;
pub mod http;
pub mod oauth;
pub mod redact;
pub mod source;
pub mod token;
pub mod wire;

// The credential store is core's (the ledger implements it without the HTTP stack).
pub use error::{BoxError, ConnectorError, RemoteProblem};
pub use http::{
    ApiRequest, ApiResponse, HttpLayer, HttpSettings, Idempotency, ManualClock, PaceClock,
    ProblemParser, RateLimit, RequestObserver, RetryPolicy,
};
pub use ledgerbridge_core::credentials::{CredentialError, CredentialStore, SecretEntry};
pub use source::{
    ChangeBatch, ExportMark, ExportMarkResult, FeedCursor, Quarantined, SourceRecord,
};
pub use token::{AccessToken, ClientCredentials, ClientCredentialsConfig, TokenProvider};
