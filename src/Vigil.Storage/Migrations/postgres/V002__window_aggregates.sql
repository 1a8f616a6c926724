-- Event-time tumbling-window aggregates of quantity readings (the analyze role); sqlite/V002 in PostgreSQL. Times are
-- BIGINT microseconds since the Unix epoch, UTC. Sum and count are stored rather than the mean so that a late reading
-- merges exactly. SQLite's WITHOUT ROWID tables are ordinary tables here: PostgreSQL has no clustered primary key.
CREATE TABLE window_aggregates (
    customer_id  TEXT NOT NULL,
    patient_id   TEXT NOT NULL,
    type         TEXT NOT NULL,
    size         TEXT NOT NULL CHECK (size IN ('1m', '5m', '1h')),
    window_start BIGINT NOT NULL,
    window_end   BIGINT NOT NULL,
    count        BIGINT NOT NULL,
    sum          DOUBLE PRECISION NOT NULL,
    min          DOUBLE PRECISION NOT NULL,
    max          DOUBLE PRECISION NOT NULL,
    last         DOUBLE PRECISION NOT NULL,
    last_at      BIGINT NOT NULL,
    final        BIGINT NOT NULL CHECK (final IN (0, 1)),
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (customer_id, patient_id, type, size, window_start)
);

-- A patient's event-time progress: the latest event time seen (any vital type) and how many readings corrected a
-- window already final. The watermark is latest_event_time minus the configured allowed lateness.
CREATE TABLE patient_watermarks (
    customer_id       TEXT NOT NULL,
    patient_id        TEXT NOT NULL,
    latest_event_time BIGINT NOT NULL,
    late_corrections  BIGINT NOT NULL,
    PRIMARY KEY (customer_id, patient_id)
);
