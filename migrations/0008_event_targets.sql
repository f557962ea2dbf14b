-- The audit trail names what every remote write touched: the accounting system and company of
-- the record, its id there, and the outbox operation that carried the write. `record_id` stays
-- the ServiceTitan id. Adding columns is allowed by the append-only triggers (they refuse
-- UPDATE and DELETE of rows, not schema changes); older events keep NULL here.

ALTER TABLE events ADD COLUMN target_system TEXT
    CHECK (target_system IS NULL OR target_system IN ('quickbooks', 'xero'));
ALTER TABLE events ADD COLUMN target_company TEXT;
ALTER TABLE events ADD COLUMN target_id TEXT;
ALTER TABLE events ADD COLUMN operation_id TEXT;

-- `audit --record ID` and `audit --record qbo:ID` read one record's history.
CREATE INDEX events_by_record ON events (record_id, id);
CREATE INDEX events_by_target ON events (target_system, target_id, id);
