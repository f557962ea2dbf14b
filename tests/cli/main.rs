//! End-to-end tests of the real `ledgerbridge` binary (one test binary, several modules).

mod connect;
mod demo;
mod helpers;
mod init_and_runs;
mod init_sandbox;
mod mappings;
mod sandbox_serve;
mod serve;
mod sync;
