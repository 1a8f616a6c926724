-- Alerts and their thresholds; sqlite/V006 in PostgreSQL.

-- Alert thresholds per scope (customer, department or patient); per vital type the most specific scope's rule wins.
CREATE TABLE thresholds (
    customer_id TEXT NOT NULL,
    scope       TEXT NOT NULL CHECK (scope IN ('customer', 'department', 'patient')),
    scope_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    low         DOUBLE PRECISION,
    high        DOUBLE PRECISION,
    for_seconds BIGINT NOT NULL,
    severity    TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (customer_id, scope, scope_id, type)
);

-- Moved by every threshold change in the change's own transaction: evaluators that cache thresholds compare it once
-- per batch, so a change applies to the very next reading.
CREATE TABLE threshold_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO threshold_version (id, version) VALUES (1, 0);

-- Alerts: at most one open (active or acknowledged) alert per patient and rule.
CREATE TABLE alerts (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id              TEXT NOT NULL,
    customer_id     TEXT NOT NULL,
    patient_id      TEXT NOT NULL,
    department_id   TEXT,
    rule            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    severity        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'acknowledged', 'resolved')),
    message         TEXT NOT NULL,
    value           DOUBLE PRECISION,
    details         TEXT NOT NULL,
    first_at        BIGINT NOT NULL, -- event time of the breach that raised it
    last_at         BIGINT NOT NULL, -- event time of the latest breach
    breaches        BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    acknowledged_at BIGINT,
    acknowledged_by TEXT,
    resolved_at     BIGINT,
    resolved_by     TEXT
);
CREATE UNIQUE INDEX ux_alerts_id ON alerts (customer_id, id);
CREATE UNIQUE INDEX ux_alerts_open ON alerts (customer_id, patient_id, rule) WHERE status <> 'resolved';
CREATE INDEX ix_alerts_patient ON alerts (customer_id, patient_id, seq);
CREATE INDEX ix_alerts_status ON alerts (customer_id, status, seq);

-- Every transition of every alert, with who and when; rows are only ever added.
CREATE TABLE alert_transitions (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id TEXT NOT NULL,
    alert_id    TEXT NOT NULL,
    transition  TEXT NOT NULL CHECK (transition IN ('created', 'escalated', 'acknowledged', 'resolved')),
    severity    TEXT NOT NULL,
    at          BIGINT NOT NULL,
    by          TEXT NOT NULL,
    note        TEXT
);
CREATE INDEX ix_alert_transitions_alert ON alert_transitions (customer_id, alert_id, seq);

-- SQLite's RAISE(ABORT) triggers as one PL/pgSQL function. Row triggers for UPDATE and DELETE; TRUNCATE bypasses row
-- triggers in PostgreSQL, so a statement trigger refuses it too.
CREATE FUNCTION alert_transitions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'alert transitions are append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER alert_transitions_append_only_update BEFORE UPDATE ON alert_transitions
FOR EACH ROW EXECUTE FUNCTION alert_transitions_append_only();
CREATE TRIGGER alert_transitions_append_only_delete BEFORE DELETE ON alert_transitions
FOR EACH ROW EXECUTE FUNCTION alert_transitions_append_only();
CREATE TRIGGER alert_transitions_append_only_truncate BEFORE TRUNCATE ON alert_transitions
FOR EACH STATEMENT EXECUTE FUNCTION alert_transitions_append_only();

-- Where each rule stands per patient (AlertCondition): a pending or open breach, or an open alert clearing.
-- No row means clear with no open alert, which is most patients most of the time.
CREATE TABLE alert_conditions (
    customer_id  TEXT NOT NULL,
    patient_id   TEXT NOT NULL,
    rule         TEXT NOT NULL,
    alert_id     TEXT,
    breach_since BIGINT,
    clear_since  BIGINT,
    last_at      BIGINT NOT NULL,
    PRIMARY KEY (customer_id, patient_id, rule)
);

-- When each device last sent a reading, for the data-gap rule.
CREATE TABLE device_activity (
    customer_id      TEXT NOT NULL,
    device_id        TEXT NOT NULL,
    patient_id       TEXT NOT NULL,
    last_observed_at BIGINT NOT NULL,
    last_received_at BIGINT NOT NULL,
    PRIMARY KEY (customer_id, device_id)
);
