//! The shared HTTP layer's behaviour against canned HTTP answers (wiremock): retries and their
//! rules, Retry-After and pacing, token caching, single flight, 401 renewal and error
//! classification. Flows against stateful emulators live in the connector crates; log
//! redaction is `tests/http_logs.rs`, alone in its process (see there why).
//!
//! One test binary (zero2prod style), one module per concern; `support` holds the canned
//! token endpoint, the layer under test and a scripted responder.

mod support;

mod pacing;
mod problems;
mod retries;
mod tokens;
