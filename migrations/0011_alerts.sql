-- Alerts: the conditions the alert rules found (with when each was first seen, which `blocked`
-- with `older_than` needs), and the alerts outbox: one row per message to one channel,
-- committed before it is sent, so a crash between recording and sending loses nothing.

CREATE TABLE alert_conditions (
    -- The rule with its parameters (`invoice_overdue:30:500.00`), so two rules of the same kind
    -- keep their own conditions.
    rule_key      TEXT NOT NULL CHECK (length(rule_key) > 0),
    -- What the condition is about (`conflict:12`, `invoice:1017823:88412`).
    condition_key TEXT NOT NULL CHECK (length(condition_key) > 0),
    first_seen_at TEXT NOT NULL,
    PRIMARY KEY (rule_key, condition_key)
) STRICT;

CREATE TABLE alerts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The rule's `on` (`conflict`, `invoice_overdue`, ...) or `summary` for a storm summary.
    rule            TEXT NOT NULL CHECK (length(rule) > 0),
    rule_key        TEXT NOT NULL CHECK (length(rule_key) > 0),
    condition_key   TEXT NOT NULL CHECK (length(condition_key) > 0),
    channel         TEXT NOT NULL CHECK (length(channel) > 0),
    tenant          TEXT,
    -- The alert text names the customer and the invoice (that is its point); it is sent, listed
    -- by `alerts list`, never logged.
    subject         TEXT NOT NULL,
    -- {"title", "text", "fields": [[label, value]], "links": [[label, url]]}: rendered per
    -- channel kind at each attempt, so a retry sends the same message.
    message         TEXT NOT NULL CHECK (json_valid(message)),
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    -- When a failed alert is tried again; NULL on a failed alert: given up. A pending alert
    -- is always due.
    next_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    error           TEXT,
    -- Set when a storm folded this alert into that summary, which delivers it.
    summary_id      INTEGER REFERENCES alerts (id),
    -- When its condition cleared; a condition that comes back raises a new alert.
    cleared_at      TEXT,
    -- A delivering process holds the alert until then, so two processes (syncs of different
    -- tenants) never send it both; a claim whose process died expires.
    claimed_until   TEXT,
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
) STRICT;

-- Once per condition and channel until the condition clears.
CREATE UNIQUE INDEX alerts_once_per_condition
    ON alerts (rule_key, channel, condition_key) WHERE cleared_at IS NULL;
CREATE INDEX alerts_due ON alerts (channel, status, next_attempt_at);
CREATE INDEX alerts_sent ON alerts (channel, sent_at);
