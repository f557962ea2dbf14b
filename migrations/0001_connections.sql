-- Connections: one authorised link from a ServiceTitan tenant to one remote company, and the
-- encrypted secrets that belong to it.
--
-- Conventions for every table of the ledger:
--   * STRICT tables, so a REAL can never sneak into an INTEGER amount column.
--   * Timestamps are TEXT in fixed-width RFC 3339 UTC (`2026-11-29T08:41:03.123456Z`), so they
--     sort and compare as text.
--   * UUIDs (connection, operation and request ids) are hyphenated TEXT, readable in the
--     sqlite3 shell.

CREATE TABLE connections (
    id              TEXT PRIMARY KEY NOT NULL,
    system          TEXT NOT NULL CHECK (system IN ('servicetitan', 'quickbooks', 'xero')),
    -- The ServiceTitan tenant this connection serves.
    tenant          TEXT NOT NULL CHECK (length(tenant) > 0),
    -- ServiceTitan tenant id, QuickBooks realm id or Xero tenant id, recorded when connected.
    company         TEXT NOT NULL CHECK (length(company) > 0),
    environment     TEXT NOT NULL CHECK (environment IN ('sandbox', 'production', 'integration')),
    status          TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'broken')),
    status_reason   TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    last_success_at TEXT,
    CHECK ((status = 'broken') = (status_reason IS NOT NULL)),
    UNIQUE (tenant, system)
) STRICT;

-- A tenant syncs to exactly one accounting target (CONTRACTS.md).
CREATE UNIQUE INDEX connections_one_target_per_tenant
    ON connections (tenant) WHERE system <> 'servicetitan';

-- nonce (24 bytes) || XChaCha20-Poly1305 ciphertext and tag; AAD = the connection id.
CREATE TABLE credentials (
    connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    name          TEXT NOT NULL CHECK (length(name) > 0),
    sealed        BLOB NOT NULL CHECK (length(sealed) >= 40),
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (connection_id, name)
) STRICT;

-- One sealed constant, written with the first key ever used, so a wrong key is reported as such
-- before any connection is touched.
CREATE TABLE credential_key_check (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    sealed     BLOB NOT NULL CHECK (length(sealed) >= 40),
    created_at TEXT NOT NULL
) STRICT;
