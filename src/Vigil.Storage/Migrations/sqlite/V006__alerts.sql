-- Alert thresholds per scope (customer, department or patient); per vital type the most specific scope's rule wins.
CREATE TABLE thresholds (
    customer_id TEXT NOT NULL,
    scope       TEXT NOT NULL CHECK (scope IN ('customer', 'department', 'patient')),
    scope_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    low         REAL,
    high        REAL,
    for_seconds INTEGER NOT NULL,
    severity    TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (customer_id, scope, scope_id, type)
);

-- Moved by every threshold change in the change's own transaction: evaluators that cache thresholds compare it once
-- per batch, so a change applies to the very next reading.
CREATE TABLE threshold_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO threshold_version (id, version) VALUES (1, 0);

-- Alerts: at most one open (active or acknowledged) alert per patient and rule.
CREATE TABLE alerts (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL,
    customer_id     TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    department_id   TEXT,
    rule            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'acknowledged', 'resolved')),
    message         TEXT NOT NULL,
    value           REAL,
    details         TEXT NOT NULL,
    first_at        INTEGER NOT NULL, -- event time of the breach that raised it
    last_at         INTEGER NOT NULL, -- event time of the latest breach
    breaches        INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    acknowledged_at INTEGER,
    acknowledged_by TEXT,
    resolved_at     INTEGER,
    resolved_by     TEXT
);
CREATE UNIQUE INDEX ux_alerts_id ON alerts (customer_id, id);
CREATE UNIQUE INDEX ux_alerts_open ON alerts (customer_id, patient_id, rule) WHERE status <> 'resolved';
CREATE INDEX ix_alerts_patient ON alerts (customer_id, patient_id, seq);
CREATE INDEX ix_alerts_status ON alerts (customer_id, status, seq);

-- Every transition of every alert, with who and when; rows are only ever added.
CREATE TABLE alert_transitions (
    seq        INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    alert_id   TEXT NOT NULL,
    transition TEXT NOT NULL CHECK (transition IN ('created', 'escalated', 'acknowledged', 'resolved')),
    severity   TEXT NOT NULL,
    at         INTEGER NOT NULL,
    by         TEXT NOT NULL,
    note       TEXT
);
CREATE INDEX ix_alert_transitions_alert ON alert_transitions (customer_id, alert_id, seq);
CREATE TRIGGER alert_transitions_append_only_update BEFORE UPDATE ON alert_transitions
BEGIN SELECT RAISE(ABORT, 'alert transitions are append-only'); END;
CREATE TRIGGER alert_transitions_append_only_delete BEFORE DELETE ON alert_transitions
BEGIN SELECT RAISE(ABORT, 'alert transitions are append-only'); END;

-- Where each rule stands per patient (AlertCondition): a pending or open breach, or an open alert clearing.
-- No row means clear with no open alert, which is most patients most of the time.
CREATE TABLE alert_conditions (
    customer_id  TEXT NOT NULL,
    patient_id   TEXT NOT NULL,
    rule         TEXT NOT NULL,
    alert_id     TEXT,
    breach_since INTEGER,
    clear_since  INTEGER,
    last_at      INTEGER NOT NULL,
    PRIMARY KEY (customer_id, patient_id, rule)
) WITHOUT ROWID;

-- When each device last sent a reading, for the data-gap rule.
CREATE TABLE device_activity (
    customer_id      TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    patient_id       TEXT NOT NULL,
    last_observed_at INTEGER NOT NULL,
    last_received_at INTEGER NOT NULL,
    PRIMARY KEY (customer_id, device_id)
) WITHOUT ROWID;
