//! End-to-end tests of the sync engine against the three emulators over HTTP.

mod adjustments;
mod blocked;
mod dry_run;
mod full_pass;
mod full_sync;
mod helpers;
mod paid_void;
mod recovery;
mod tax_law;
mod voids;
