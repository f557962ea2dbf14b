//! Tests of the reconciliation report: the laws on generated record sets, a hand-checked
//! scenario with every status, its formats as snapshots, and the report read from a ledger.

mod books_figures;
mod fixtures;
mod from_ledger;
mod laws;
mod scenario;
