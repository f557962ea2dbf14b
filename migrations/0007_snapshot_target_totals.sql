-- The accounting system's own total and tax of a document, as it answered when the bridge
-- wrote or verified it (QuickBooks and Xero may recalculate tax). In minor units of the
-- snapshot's `currency`; NULL when the books did not say (or for an older snapshot). The
-- reconciliation report compares them with ServiceTitan's `total_minor` / `tax_minor`, so a
-- recalculation shows from the ledger alone.

ALTER TABLE snapshots ADD COLUMN target_total_minor INTEGER
    CHECK (target_total_minor IS NULL OR currency IS NOT NULL);
ALTER TABLE snapshots ADD COLUMN target_tax_minor INTEGER
    CHECK (target_tax_minor IS NULL OR currency IS NOT NULL);
