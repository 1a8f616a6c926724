-- Event-time tumbling-window aggregates of quantity readings (the analyze role). Times are INTEGER microseconds
-- since the Unix epoch, UTC. Sum and count are stored rather than the mean so that a late reading merges exactly.
CREATE TABLE window_aggregates (
    customer_id  TEXT NOT NULL,
    patient_id   TEXT NOT NULL,
    type         TEXT NOT NULL,
    size         TEXT NOT NULL CHECK (size IN ('1m', '5m', '1h')),
    window_start INTEGER NOT NULL,
    window_end   INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    sum          REAL NOT NULL,
    min          REAL NOT NULL,
    max          REAL NOT NULL,
    last         REAL NOT NULL,
    last_at      INTEGER NOT NULL,
    final        INTEGER NOT NULL CHECK (final IN (0, 1)),
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (customer_id, patient_id, type, size, window_start)
) WITHOUT ROWID;

-- A patient's event-time progress: the latest event time seen (any vital type) and how many readings corrected a
-- window already final. The watermark is latest_event_time minus the configured allowed lateness.
CREATE TABLE patient_watermarks (
    customer_id       TEXT NOT NULL,
    patient_id        TEXT NOT NULL,
    latest_event_time INTEGER NOT NULL,
    late_corrections  INTEGER NOT NULL,
    PRIMARY KEY (customer_id, patient_id)
) WITHOUT ROWID;
