-- The latest value of each NEWS2 parameter per patient (by event time); sqlite/V004 in PostgreSQL. NEWS2 needs only
-- these: the latest value of a parameter is in the 60-minute window before the newest reading if any value of it is,
-- so scoring reads at most seven rows instead of the patient's recent readings.
CREATE TABLE news2_latest (
    customer_id TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    type        TEXT NOT NULL,
    reading_id  TEXT NOT NULL,
    value       DOUBLE PRECISION,
    text        TEXT,
    observed_at BIGINT NOT NULL,
    PRIMARY KEY (customer_id, patient_id, type)
);
