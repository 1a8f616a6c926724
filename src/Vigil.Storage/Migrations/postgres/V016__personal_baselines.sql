-- Personal baselines and anomaly rules; sqlite/V016 in PostgreSQL.

-- Each patient's own baseline per vital (the analyze role, docs/insights.md): an EWMA of the median of the last five
-- one-minute means (level) and of their MAD (spread), the minutes absorbed so far (the warm-up counts these), the
-- last five means as comma-separated text, and the minute being filled. Written once per minute and vital, not per
-- reading: the open minute's count and sum are those of its 1m row in window_aggregates.
CREATE TABLE vital_baselines (
    customer_id TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    type        TEXT NOT NULL,
    level       DOUBLE PRECISION NOT NULL,
    spread      DOUBLE PRECISION NOT NULL,
    minutes     BIGINT NOT NULL,
    recent      TEXT NOT NULL,
    open_minute BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (customer_id, patient_id, type)
) WITH (fillfactor = 50);

-- Anomaly rules per scope (customer, department or patient), like thresholds: per vital type the most specific
-- scope's rule wins. A change moves threshold_version, so the analyzer's cached rules follow on its next batch.
CREATE TABLE anomaly_rules (
    customer_id    TEXT NOT NULL,
    scope          TEXT NOT NULL CHECK (scope IN ('customer', 'department', 'patient')),
    scope_id       TEXT NOT NULL,
    type           TEXT NOT NULL,
    k              DOUBLE PRECISION NOT NULL,
    minutes        BIGINT NOT NULL,
    warmup_minutes BIGINT NOT NULL,
    severity       TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL,
    PRIMARY KEY (customer_id, scope, scope_id, type)
);
