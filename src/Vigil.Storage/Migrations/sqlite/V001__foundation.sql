-- Vigil's foundation schema (SQLite). Times are INTEGER microseconds since the Unix epoch, UTC.

CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE departments (
    customer_id TEXT NOT NULL REFERENCES customers (id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (customer_id, id)
);

CREATE TABLE patients (
    customer_id   TEXT NOT NULL REFERENCES customers (id),
    id            TEXT NOT NULL,
    department_id TEXT,
    mrn           TEXT,
    name          TEXT NOT NULL,
    birth_date    TEXT,
    spo2_scale    INTEGER NOT NULL DEFAULT 1 CHECK (spo2_scale IN (1, 2)),
    status        TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
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
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
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
    created_at  INTEGER NOT NULL,
    created_by  TEXT,
    revoked_at  INTEGER
);
CREATE INDEX ix_api_keys_customer ON api_keys (customer_id);

-- Readings: the id is the client's (or generated) and unique per customer, which makes resends idempotent.
CREATE TABLE readings (
    seq         INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL,
    id          TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    device_id   TEXT,
    type        TEXT NOT NULL,
    value       REAL,
    text        TEXT,
    observed_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX ux_readings_id ON readings (customer_id, id);

-- A patient's readings in event-time order. Maintained in sorted batches (ReadingIndexer) rather than on every
-- insert: readings of many patients arrive interleaved, and an index updated per insert dirties a page per patient per
-- commit. Readings past indexed_upto are found by scanning the table's tail, so queries always see every reading.
CREATE TABLE readings_by_patient (
    customer_id TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    observed_at INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    type        TEXT NOT NULL,
    PRIMARY KEY (customer_id, patient_id, observed_at, seq)
) WITHOUT ROWID;

CREATE TABLE readings_index_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    indexed_upto INTEGER NOT NULL
);
INSERT INTO readings_index_state (id, indexed_upto) VALUES (1, 0);

-- Clinical events, with the processing status that the process role records.
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,
    customer_id  TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    patient_id   TEXT NOT NULL,
    type         TEXT NOT NULL,
    data         TEXT NOT NULL,
    ts           INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    status       TEXT NOT NULL,
    processed_at INTEGER,
    duration_ms  REAL,
    result       TEXT
);
CREATE UNIQUE INDEX ux_events_id ON events (customer_id, event_id);
CREATE INDEX ix_events_patient_ts ON events (customer_id, patient_id, ts);

-- The embedded event log. seq is the offset: AUTOINCREMENT keeps it rising even after retention empties the table.
CREATE TABLE log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    topic       TEXT NOT NULL,
    partition   INTEGER NOT NULL,
    key         TEXT NOT NULL,
    payload     BLOB NOT NULL,
    appended_at INTEGER NOT NULL
);
CREATE INDEX ix_log_partition ON log (topic, partition, seq);

-- Consumer positions, written in the same transaction as the consumer's effects.
CREATE TABLE consumer_offsets (
    group_id    TEXT NOT NULL,
    topic       TEXT NOT NULL,
    partition   INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)
);
