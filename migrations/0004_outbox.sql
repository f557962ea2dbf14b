-- The outbox: one `operations` row per record write, committed before any request goes out,
-- and one `requests` row per remote request (a batch carries several operations).

CREATE TABLE operations (
    id              TEXT PRIMARY KEY NOT NULL,          -- UUIDv7
    run_id          INTEGER REFERENCES runs (id),
    tenant          TEXT NOT NULL CHECK (length(tenant) > 0),
    entity          TEXT NOT NULL CHECK (entity IN ('customer', 'invoice', 'payment', 'credit_note')),
    -- Which side is written.
    side            TEXT NOT NULL CHECK (side IN ('servicetitan', 'accounting')),
    action          TEXT NOT NULL CHECK (action IN ('create', 'update', 'void', 'delete', 'mark_exported')),
    servicetitan_id TEXT,
    target_system   TEXT NOT NULL CHECK (target_system IN ('quickbooks', 'xero')),
    target_company  TEXT NOT NULL CHECK (length(target_company) > 0),
    target_id       TEXT,
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'confirmed', 'failed', 'dead')),
    -- How many times the operation was handed to a request.
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error      TEXT,
    remote_id       TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    -- A write must name the record it is about on at least one side.
    CHECK (servicetitan_id IS NOT NULL OR target_id IS NOT NULL)
) STRICT;

CREATE INDEX operations_by_state ON operations (state, tenant, id);
CREATE INDEX operations_by_run ON operations (run_id, id);

-- The state machine, enforced by the database too so that no code path (nor a hand-written
-- UPDATE) can skip a step: pending -> sent -> confirmed | failed; failed -> dead | pending.
CREATE TRIGGER operations_start_pending BEFORE INSERT ON operations
WHEN NEW.state <> 'pending'
BEGIN
    SELECT RAISE(ABORT, 'illegal outbox transition: operations start pending');
END;

CREATE TRIGGER operations_state_machine BEFORE UPDATE OF state ON operations
WHEN NOT (
       OLD.state = NEW.state
    OR (OLD.state = 'pending' AND NEW.state = 'sent')
    OR (OLD.state = 'sent'    AND NEW.state IN ('confirmed', 'failed'))
    OR (OLD.state = 'failed'  AND NEW.state IN ('dead', 'pending'))
)
BEGIN
    SELECT RAISE(ABORT, 'illegal outbox transition');
END;

CREATE TABLE requests (
    -- UUIDv7, sent as QBO `requestid` / Xero `Idempotency-Key`; replayed unchanged after an
    -- unknown outcome.
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    run_id          INTEGER REFERENCES runs (id),
    tenant          TEXT NOT NULL CHECK (length(tenant) > 0),
    system          TEXT NOT NULL CHECK (system IN ('servicetitan', 'quickbooks', 'xero')),
    method          TEXT NOT NULL CHECK (method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
    -- Path and query below the API base, e.g. `/v3/company/123/batch?minorversion=75`.
    path            TEXT NOT NULL CHECK (substr(path, 1, 1) = '/'),
    -- The exact bytes sent, so a replay is byte-identical.
    body            BLOB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'in_flight', 'done', 'abandoned')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    response_status INTEGER CHECK (response_status IS NULL OR response_status BETWEEN 100 AND 599),
    created_at      TEXT NOT NULL,
    last_attempt_at TEXT,
    finished_at     TEXT,
    CHECK ((status IN ('done', 'abandoned')) = (finished_at IS NOT NULL))
) STRICT;

CREATE INDEX requests_unfinished ON requests (status) WHERE status IN ('pending', 'in_flight');

CREATE TABLE request_operations (
    idempotency_key TEXT NOT NULL REFERENCES requests (idempotency_key) ON DELETE CASCADE,
    operation_id    TEXT NOT NULL REFERENCES operations (id),
    -- Position inside the batch (QBO bId, index in a Xero array).
    position        INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (idempotency_key, operation_id),
    UNIQUE (idempotency_key, position)
) STRICT;

CREATE INDEX request_operations_by_operation ON request_operations (operation_id);
