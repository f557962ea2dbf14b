-- Runs, the append-only audit trail, and the single-holder lease.

CREATE TABLE runs (
    -- AUTOINCREMENT: a run number is never reused, even after the newest run is deleted by hand.
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    dry_run     INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
    status      TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'ok', 'conflicts', 'failed', 'interrupted')),
    counts      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(counts) AND json_type(counts) = 'object'),
    CHECK ((status = 'running') = (finished_at IS NULL))
) STRICT;

CREATE TABLE events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (length(kind) > 0),
    run_id    INTEGER REFERENCES runs (id),
    tenant    TEXT,
    entity    TEXT,
    record_id TEXT,
    -- Ids, paths and counts only: never customer names, emails, addresses or secrets.
    detail    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;

CREATE INDEX events_by_run ON events (run_id, id);
CREATE INDEX events_by_kind ON events (kind, id);

CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: UPDATE refused');
END;

CREATE TRIGGER events_are_append_only_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: DELETE refused');
END;

-- At most one row: whoever holds it may sync. `holder` is a random token of the holding guard,
-- so a holder that lost the lease can never heartbeat or release its successor's lease.
CREATE TABLE lease (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    holder       TEXT NOT NULL,
    pid          INTEGER NOT NULL CHECK (pid >= 0),
    host         TEXT NOT NULL,
    run_id       INTEGER REFERENCES runs (id),
    acquired_at  TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
) STRICT;
