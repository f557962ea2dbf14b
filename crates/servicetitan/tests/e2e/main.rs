//! End-to-end tests of the ServiceTitan connector against the in-process emulator over real
//! HTTP (one test binary, zero2prod/ripgrep style). Narrow HTTP-shape cases that the emulator
//! cannot produce (a malformed record) use wiremock.

mod helpers;

mod connect;
mod export;
mod paging;
mod quarantine;
mod resilience;
mod writes;
