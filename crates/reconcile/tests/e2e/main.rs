//! End-to-end tests of the sync engine against the three emulators over HTTP.

mod blocked;
mod dry_run;
mod full_sync;
mod helpers;
mod recovery;
mod tax_law;
