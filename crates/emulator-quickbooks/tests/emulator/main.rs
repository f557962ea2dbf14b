//! Integration tests of the QuickBooks Online emulator, over real HTTP on loopback.

mod batch;
mod cdc;
mod control;
mod entities;
mod faults;
mod idempotency;
mod limits;
mod money;
mod oauth;
mod query;
mod receiver;
mod schema;
mod strict;
mod support;
mod webhooks;
