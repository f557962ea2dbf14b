//! End-to-end tests of the sync engine against the three emulators over HTTP.

mod adjustments;
mod blocked;
mod books_edits;
mod books_tax;
mod conflict_policies;
mod dry_run;
mod dry_run_agreement;
mod edit_recovery;
mod full_pass;
mod full_sync;
mod helpers;
mod idle_requests;
mod inbound_helpers;
mod inbound_payments;
mod inbound_recovery;
mod malformed;
mod own_payments;
mod paid_void;
mod recovery;
mod resolution_limits;
mod resolutions;
mod scopes;
mod suggestions;
mod tax_law;
mod two_way;
mod voids;
