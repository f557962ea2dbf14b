-- Indexes for the look-ups a sync run makes once per record, so that a run's cost per record
-- stays flat however large the ledger grows (issue 25). Each is checked by EXPLAIN QUERY PLAN
-- in `crates/ledger/tests/query_plans.rs`.

-- `confirmed_create` (what the bridge already wrote for a record, asked once per unlinked
-- invoice): without it the planner took `operations_by_state (state, tenant, id)` and walked
-- every confirmed operation of the tenant on each call.
CREATE INDEX operations_by_record_state ON operations (tenant, entity, servicetitan_id, state, id);

-- `confirmed_create_of_remote` (is a record read from the books the bridge's own write?),
-- asked once per books payment read.
CREATE INDEX operations_by_remote ON operations (tenant, entity, remote_id, state, id)
    WHERE remote_id IS NOT NULL;

-- `find_by_target_line` (is a books payment one of the extra payments of a linked one?):
-- without it each call walked all the links of the entity.
CREATE INDEX link_lines_by_target_line ON link_lines (target_line_id);
