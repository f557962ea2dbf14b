//! End-to-end tests against the in-process QuickBooks emulator over HTTP: one binary.

mod fixtures; // canonical records and mappings onto the demo company
mod helpers; // the emulator, an in-memory credential store, a connected connector
mod oauth; // consent, refresh, rotation, grace, expiry, revoke
mod payments; // payments, credit memos, refunds, voids
mod preferences; // the closing date
mod reads; // query paging, CDC and its fallback, look-ups
mod wire; // Accept: application/json on every call; a 429 classified by its status
mod writes; // batches, duplicate names, requestid replay, 5010
