-- Moved by every change to reference data (customers, departments, patients, devices, thresholds) in the change's
-- own transaction: consumers that cache reference rows compare it once per batch, so a change applies to the very
-- next reading without a lookup per reading. sqlite/V007 in PostgreSQL.
CREATE TABLE reference_version (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO reference_version (id, version) VALUES (1, 0);
