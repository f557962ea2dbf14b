//! Integration tests of the Xero emulator, over real HTTP on loopback (and `oneshot` where a
//! socket adds nothing). One test binary; one module per area.

mod batch;
mod control;
mod faults;
mod helpers;
mod idempotency;
mod limits;
mod oauth;
mod paging;
mod receiver;
mod routes;
mod rules;
mod spec;
mod webhooks;
