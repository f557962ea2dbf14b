//! The web UI's integration tests: one binary, socket-free (`oneshot`) except the browser test.

mod helpers;
mod review_seed;
mod seed;

// Host rule, CSRF, sessions, login, headers.
mod security;
// Login throttling per client and overall, and the minimum password length.
mod login_limits;
// Every route renders from a seeded ledger and answers its errors.
mod routes;
// The resolve flow, end to end on the ledger.
mod resolve;
// Typed values are checked against the record before anything is recorded.
mod typed_values;
// Mappings: list, save, validate, remove.
mod mappings;
// Customer matches: listed with evidence, accepted or rejected, audited.
mod suggestions;
// The dashboard's review work: matches, unmapped values with their fix links.
mod dashboard;
// The reconciliation report: filters and downloads.
mod report;
// Rendered pages, snapshot-tested.
mod snapshots;
// Headless Chromium through WebDriver against the sandbox and `serve` on port 0.
mod browser;
mod world;
