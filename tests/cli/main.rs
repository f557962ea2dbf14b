//! End-to-end tests of the real `ledgerbridge` binary (one test binary, several modules).

mod conflicts;
mod conflicts_apply;
mod conflicts_refusals;
mod connect;
mod demo;
mod gate;
mod helpers;
mod init_and_runs;
mod init_sandbox;
mod mappings;
mod report;
mod sandbox_serve;
mod serve;
mod sync;
mod sync_conflicts;
