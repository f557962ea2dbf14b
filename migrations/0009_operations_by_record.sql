-- Finding a record's operations (the level-triggered export-mark sweep asks, each run, which
-- linked records have no confirmed mark) without scanning the whole outbox.
CREATE INDEX operations_by_record ON operations (tenant, entity, servicetitan_id, action);
