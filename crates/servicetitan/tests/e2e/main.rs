//! End-to-end tests of the ServiceTitan connector against the in-process emulator over real
//! HTTP (one test binary, zero2prod/ripgrep style). Malformed records come from the emulator
//! itself (its `/_sandbox/servicetitan/{tenant}/malformed` route); only HTTP shapes the
//! emulator never produces (a feed without items, a 404 on payment create) use wiremock.

mod helpers;

mod connect;
mod export;
mod paging;
mod quarantine;
mod resilience;
mod spec_gate; // every write body checked against the published specs, strictly
mod tax;
mod voids;
mod writes;
