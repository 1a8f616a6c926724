-- Vigil's foundation schema (PostgreSQL), the translation of sqlite/V001 (docs/postgres.md). Times are BIGINT
-- microseconds since the Unix epoch, UTC, as in SQLite. SQLite's INTEGER is 64-bit, so every INTEGER becomes BIGINT:
-- the stores read them as long, and Dapper maps a record's constructor only when the column types match exactly.

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE departments (
    customer_id TEXT NOT NULL REFERENCES customers (id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (customer_id, id)
);

CREATE TABLE patients (
    customer_id   TEXT NOT NULL REFERENCES customers (id),
    id            TEXT NOT NULL,
    department_id TEXT,
    mrn           TEXT,
    name          TEXT NOT NULL,
    birth_date    TEXT,
    spo2_scale    BIGINT NOT NULL DEFAULT 1 CHECK (spo2_scale IN (1, 2)),
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (customer_id, id),
    FOREIGN KEY (customer_id, department_id) REFERENCES departments (customer_id, id)
);
CREATE UNIQUE INDEX ux_patients_mrn ON patients (customer_id, mrn) WHERE mrn IS NOT NULL;
CREATE INDEX ix_patients_department ON patients (customer_id, department_id);

CREATE TABLE devices (
    customer_id TEXT NOT NULL REFERENCES customers (id),
    id          TEXT NOT NULL,
    serial      TEXT NOT NULL,
    type        TEXT NOT NULL,
    patient_id  TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (customer_id, id),
    FOREIGN KEY (customer_id, patient_id) REFERENCES patients (customer_id, id)
);
CREATE UNIQUE INDEX ux_devices_serial ON devices (customer_id, serial);
CREATE INDEX ix_devices_patient ON devices (customer_id, patient_id);

-- API keys: only a SHA-256 of the secret is kept; the key itself is shown once, at creation.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    customer_id TEXT REFERENCES customers (id),
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'viewer', 'device')),
    secret_hash TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT,
    revoked_at  BIGINT
);
CREATE INDEX ix_api_keys_customer ON api_keys (customer_id);

-- Readings: the id is the client's (or generated) and unique per customer, which makes resends idempotent.
CREATE TABLE readings (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id TEXT NOT NULL,
    id          TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    device_id   TEXT,
    type        TEXT NOT NULL,
    value       DOUBLE PRECISION,
    text        TEXT,
    observed_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ux_readings_id ON readings (customer_id, id);

-- A patient's readings in event-time order: an ordinary index, maintained by PostgreSQL on every insert. SQLite keeps a
-- batch-built table instead (readings_by_patient, ReadingIndexer) because there a per-insert index dirtied a page per
-- patient per commit; PostgreSQL's WAL and buffer manager absorb that, and with several writers an identity seq is
-- not committed in seq order, so a "built up to seq N" mark could skip a reading committed late (docs/postgres.md).
CREATE INDEX ix_readings_patient ON readings (customer_id, patient_id, observed_at, seq) INCLUDE (type);

-- The names the SQLite queries use, kept so that the same SQL reads correctly on both: readings_by_patient is every
-- reading (through ix_readings_patient), and everything counts as indexed, so the "tail past indexed_upto" is empty.
-- Both are read-only; ReadingIndexer does not run on PostgreSQL.
CREATE VIEW readings_by_patient AS
SELECT customer_id, patient_id, observed_at, seq, type FROM readings;

CREATE VIEW readings_index_state AS
SELECT CAST(1 AS BIGINT) AS id, CAST(9223372036854775807 AS BIGINT) AS indexed_upto;

-- Clinical events, with the processing status that the process role records.
CREATE TABLE events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id  TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    patient_id   TEXT NOT NULL,
    type         TEXT NOT NULL,
    data         TEXT NOT NULL,
    ts           BIGINT NOT NULL,
    received_at  BIGINT NOT NULL,
    status       TEXT NOT NULL,
    processed_at BIGINT,
    duration_ms  DOUBLE PRECISION,
    result       TEXT
);
CREATE UNIQUE INDEX ux_events_id ON events (customer_id, event_id);
CREATE INDEX ix_events_patient_ts ON events (customer_id, patient_id, ts);

-- No embedded log table: PostgreSQL mode always runs with Kafka. A producer writes its messages to the outbox in the
-- transaction of its effects; the relay publishes them to Kafka in seq order and deletes what Kafka acknowledged.
-- seq is an identity, so it keeps rising after the relay empties the table.
CREATE TABLE outbox (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic       TEXT NOT NULL,
    partition   INTEGER NOT NULL,
    key         TEXT NOT NULL,
    payload     BYTEA NOT NULL,
    appended_at BIGINT NOT NULL
);

-- Consumer positions (Kafka offsets), written in the same transaction as the consumer's effects.
CREATE TABLE consumer_offsets (
    group_id    TEXT NOT NULL,
    topic       TEXT NOT NULL,
    partition   BIGINT NOT NULL,
    next_offset BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
);
