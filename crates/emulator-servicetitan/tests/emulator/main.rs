//! Integration tests of the ServiceTitan emulator over real HTTP on loopback (one test
//! binary; each module one concern).

mod helpers;

mod auth;
mod export;
mod faults;
mod limits;
mod malformed;
mod paging;
mod router;
mod spec;
mod wire;
mod writes;
