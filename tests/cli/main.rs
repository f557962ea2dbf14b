//! End-to-end tests of the real `ledgerbridge` binary (one test binary, several modules).

mod alerts;
mod audit;
mod blocked;
mod conflicts;
mod conflicts_apply;
mod conflicts_refusals;
mod connect;
mod demo;
mod failures;
mod gate;
mod helpers;
mod init_and_runs;
mod init_sandbox;
mod interrupt;
mod mappings;
mod refusals;
mod report;
mod sandbox_postman;
mod sandbox_serve;
mod sandboxed;
mod serve;
mod sync;
mod sync_conflicts;
mod sync_dry_run;
mod tenant_leases;
mod watch;
