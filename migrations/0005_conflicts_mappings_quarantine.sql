-- Review work: conflicts, value mappings, and records that could not be parsed.

CREATE TABLE conflicts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant          TEXT NOT NULL CHECK (length(tenant) > 0),
    entity          TEXT NOT NULL CHECK (entity IN ('customer', 'invoice', 'payment', 'credit_note')),
    servicetitan_id TEXT NOT NULL CHECK (length(servicetitan_id) > 0),
    target_system   TEXT NOT NULL CHECK (target_system IN ('quickbooks', 'xero')),
    target_company  TEXT NOT NULL CHECK (length(target_company) > 0),
    target_id       TEXT NOT NULL,
    run_id          INTEGER REFERENCES runs (id),
    status          TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
    -- [{"path", "base", "servicetitan", "accounting"}, ...]
    fields          TEXT NOT NULL CHECK (json_valid(fields) AND json_type(fields) = 'array'),
    detected_at     TEXT NOT NULL,
    resolution      TEXT CHECK (resolution IS NULL OR json_valid(resolution)),
    resolved_by     TEXT,
    resolved_at     TEXT,
    note            TEXT,
    CHECK ((status = 'open') = (resolved_at IS NULL)),
    CHECK ((status = 'open') = (resolved_by IS NULL)),
    CHECK (status <> 'resolved' OR resolution IS NOT NULL)
) STRICT;

-- One open conflict per record: a re-detection refreshes it instead of piling up.
CREATE UNIQUE INDEX conflicts_one_open_per_record
    ON conflicts (tenant, entity, servicetitan_id, target_system, target_company)
    WHERE status = 'open';
CREATE INDEX conflicts_by_status ON conflicts (status, tenant, id);

CREATE TABLE mappings (
    tenant        TEXT NOT NULL CHECK (length(tenant) > 0),
    target_system TEXT NOT NULL CHECK (target_system IN ('quickbooks', 'xero')),
    kind          TEXT NOT NULL CHECK (kind IN ('item', 'gl_account', 'business_unit', 'tax_zone',
                                                'payment_type', 'payment_type_reverse')),
    source        TEXT NOT NULL CHECK (length(source) > 0),
    target        TEXT NOT NULL CHECK (length(target) > 0),
    target_label  TEXT,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant, target_system, kind, source)
) STRICT;

CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      INTEGER REFERENCES runs (id),
    tenant      TEXT NOT NULL CHECK (length(tenant) > 0),
    system      TEXT NOT NULL CHECK (system IN ('servicetitan', 'quickbooks', 'xero')),
    entity      TEXT NOT NULL CHECK (entity IN ('customer', 'invoice', 'payment', 'credit_note')),
    remote_id   TEXT,
    reason      TEXT NOT NULL CHECK (length(reason) > 0),
    -- Exactly what the remote sent; may hold customer data, so it is never logged.
    raw         BLOB NOT NULL,
    received_at TEXT NOT NULL,
    released_at TEXT
) STRICT;

CREATE INDEX quarantine_open ON quarantine (tenant, id) WHERE released_at IS NULL;
