-- Leases per tenant: a sync holds the lease of each tenant it syncs, so syncs of different
-- tenants run side by side and only a second sync of the same tenant is refused (exit 4).
-- Replaces the single-row ledger lease of 0002. A ledger is migrated only by a build that
-- knows this table, and older builds refuse a ledger with migrations they lack, so no live
-- holder of the old row survives the upgrade except a sync started before it, whose next
-- heartbeat fails (stop syncs before upgrading: docs/operations.md).
-- The run that held the old lease is ended first: only a takeover marks a run `interrupted`,
-- and takeovers read the new table, so a run left `running` by a sync that crashed before the
-- upgrade would otherwise show as running forever. Its last heartbeat is when it was last
-- known alive (and is in the ledger's timestamp format).
UPDATE runs
SET status = 'interrupted', finished_at = (SELECT heartbeat_at FROM lease)
WHERE status = 'running' AND id IN (SELECT run_id FROM lease WHERE run_id IS NOT NULL);

DROP TABLE lease;

-- One row per tenant being synced. `holder` is a random token of the holding guard (one guard
-- may hold several tenants), so a holder that lost a lease can never heartbeat or release its
-- successor's lease.
CREATE TABLE tenant_leases (
    tenant       TEXT PRIMARY KEY CHECK (length(tenant) > 0),
    holder       TEXT NOT NULL,
    pid          INTEGER NOT NULL CHECK (pid >= 0),
    host         TEXT NOT NULL,
    run_id       INTEGER REFERENCES runs (id),
    acquired_at  TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
) STRICT;

CREATE INDEX tenant_leases_by_holder ON tenant_leases (holder);
