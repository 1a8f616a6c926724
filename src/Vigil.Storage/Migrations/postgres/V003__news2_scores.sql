-- NEWS2 scores over time, written by the analyze role (News2Scorer); sqlite/V003 in PostgreSQL. A row is added only
-- when a patient's score, risk, parameters or missing parameters change, so the history stays compact. at is the event
-- time of the newest reading the score used; computed_at is when it was scored. Times are BIGINT microseconds since the
-- Unix epoch, UTC.
CREATE TABLE news2_scores (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id TEXT NOT NULL,
    patient_id  TEXT NOT NULL,
    at          BIGINT NOT NULL,
    score       BIGINT NOT NULL,
    risk        TEXT NOT NULL,
    complete    BIGINT NOT NULL CHECK (complete IN (0, 1)),
    parameters  TEXT NOT NULL,
    missing     TEXT NOT NULL,
    computed_at BIGINT NOT NULL
);
CREATE INDEX ix_news2_scores_patient ON news2_scores (customer_id, patient_id, at, seq);
