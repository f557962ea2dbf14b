-- Links between a ServiceTitan record and its accounting twin, the agreed base snapshot of each
-- linked record, and the feed cursors.

CREATE TABLE links (
    id              INTEGER PRIMARY KEY,
    tenant          TEXT NOT NULL CHECK (length(tenant) > 0),
    entity          TEXT NOT NULL CHECK (entity IN ('customer', 'invoice', 'payment', 'credit_note')),
    servicetitan_id TEXT NOT NULL CHECK (length(servicetitan_id) > 0),
    target_system   TEXT NOT NULL CHECK (target_system IN ('quickbooks', 'xero')),
    target_company  TEXT NOT NULL CHECK (length(target_company) > 0),
    target_id       TEXT NOT NULL CHECK (length(target_id) > 0),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    -- One accounting record per ServiceTitan record...
    UNIQUE (tenant, entity, servicetitan_id, target_system, target_company),
    -- ...and one ServiceTitan record per accounting record, whichever tenant claims it.
    UNIQUE (entity, target_system, target_company, target_id)
) STRICT;

-- Line-level target ids (QBO Line.Id, Xero LineItemID) beside the ServiceTitan item id that
-- addresses the line in field paths (`lines[st:4521]`).
CREATE TABLE link_lines (
    link_id              INTEGER NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    servicetitan_item_id TEXT NOT NULL CHECK (length(servicetitan_item_id) > 0),
    target_line_id       TEXT NOT NULL CHECK (length(target_line_id) > 0),
    PRIMARY KEY (link_id, servicetitan_item_id),
    UNIQUE (link_id, target_line_id)
) STRICT;

CREATE TABLE snapshots (
    tenant               TEXT NOT NULL,
    entity               TEXT NOT NULL,
    servicetitan_id      TEXT NOT NULL,
    target_system        TEXT NOT NULL,
    target_company       TEXT NOT NULL,
    -- The canonical record both sides agreed on after the last successful sync.
    base                 TEXT NOT NULL CHECK (json_valid(base)),
    -- Remote versions: ServiceTitan modifiedOn; QBO SyncToken or Xero UpdatedDateUTC.
    servicetitan_version TEXT,
    target_version       TEXT,
    -- Synced totals in integer minor units, so period sums in SQL are exact.
    currency             TEXT CHECK (currency IS NULL OR (length(currency) = 3 AND currency = upper(currency))),
    total_minor          INTEGER,
    tax_minor            INTEGER,
    balance_minor        INTEGER,
    document_date        TEXT CHECK (document_date IS NULL OR document_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    run_id               INTEGER REFERENCES runs (id),
    updated_at           TEXT NOT NULL,
    PRIMARY KEY (tenant, entity, servicetitan_id, target_system, target_company),
    FOREIGN KEY (tenant, entity, servicetitan_id, target_system, target_company)
        REFERENCES links (tenant, entity, servicetitan_id, target_system, target_company)
        ON DELETE CASCADE,
    CHECK ((currency IS NULL) = (total_minor IS NULL)
       AND (currency IS NULL) = (tax_minor IS NULL)
       AND (currency IS NULL) = (balance_minor IS NULL))
) STRICT;

CREATE INDEX snapshots_by_period ON snapshots (tenant, entity, document_date);

CREATE TABLE cursors (
    tenant     TEXT NOT NULL CHECK (length(tenant) > 0),
    system     TEXT NOT NULL CHECK (system IN ('servicetitan', 'quickbooks', 'xero')),
    feed       TEXT NOT NULL CHECK (length(feed) > 0),
    value      TEXT NOT NULL,
    run_id     INTEGER REFERENCES runs (id),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant, system, feed)
) STRICT;
