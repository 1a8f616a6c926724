-- Health goals: a patient's target for one measure (steps per day, resting heart rate, weight), the direction that
-- counts as reaching it (at_least, at_most) and the period its progress is computed over (day, week). One goal per
-- patient and kind; they go with their patient.
CREATE TABLE health_goals (
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    patient_id  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    target      DOUBLE PRECISION NOT NULL,
    direction   TEXT NOT NULL,
    period      TEXT NOT NULL,
    note        TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT,
    PRIMARY KEY (customer_id, id),
    UNIQUE (customer_id, patient_id, kind),
    FOREIGN KEY (customer_id, patient_id) REFERENCES patients (customer_id, id) ON DELETE CASCADE
);
