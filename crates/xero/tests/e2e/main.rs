//! End-to-end tests of the Xero connector against the in-process Xero emulator over real HTTP
//! (one test binary, zero2prod/ripgrep style).

mod helpers;

mod limits;
mod oauth;
mod reads;
mod replay;
mod rules;
mod spec_gate; // every write body checked against the OpenAPI schemas, strictly
mod writes;
