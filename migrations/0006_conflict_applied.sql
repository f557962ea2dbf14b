-- A resolved conflict is applied by the next sync of its tenant (both systems written, a new
-- base snapshot); `applied_at` records that it was, so a resolution is applied exactly once.
-- Only a resolved conflict is ever applied (open and dismissed ones never are).

ALTER TABLE conflicts ADD COLUMN applied_at TEXT CHECK (applied_at IS NULL OR status = 'resolved');

CREATE INDEX conflicts_to_apply ON conflicts (tenant, id)
    WHERE status = 'resolved' AND applied_at IS NULL;
