-- The audit trail: one row per authenticated request on the API (HTTP, FHIR, gRPC, the dashboard's API and stream)
-- and per HL7 message. Who (actor: "key:<id>" or a token's subject, with its role), when (at, UTC microseconds),
-- what (action, route template, resource type and id, the patient it concerns when the request names one, outcome),
-- from where (remote address), and the customer. Append-only: the triggers refuse every UPDATE and DELETE.
CREATE TABLE audit_log (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    customer_id    TEXT,
    actor          TEXT NOT NULL,
    actor_role     TEXT NOT NULL,
    interface      TEXT NOT NULL,
    action         TEXT NOT NULL,
    method         TEXT NOT NULL,
    route          TEXT NOT NULL,
    resource_type  TEXT,
    resource_id    TEXT,
    patient_id     TEXT,
    outcome        TEXT NOT NULL,
    remote_address TEXT
);
CREATE INDEX ix_audit_log_customer ON audit_log (customer_id, seq);
CREATE INDEX ix_audit_log_patient ON audit_log (customer_id, patient_id, seq) WHERE patient_id IS NOT NULL;

CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
