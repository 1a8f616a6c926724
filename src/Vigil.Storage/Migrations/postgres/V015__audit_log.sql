-- The audit trail: one row per authenticated request on the API (HTTP, FHIR, gRPC, the dashboard's API and stream)
-- and per HL7 message. Who (actor: "key:<id>" or a token's subject, with its role), when (at, UTC microseconds),
-- what (action, route template, resource type and id, the patient it concerns when the request names one, outcome),
-- from where (remote address), and the customer. Append-only: the triggers refuse every UPDATE and DELETE.
CREATE TABLE audit_log (
    seq            BIGSERIAL PRIMARY KEY,
    at             BIGINT NOT NULL,
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

-- SQLite's RAISE(ABORT) triggers as one PL/pgSQL function; TRUNCATE bypasses row triggers, so a statement trigger
-- refuses it too.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_append_only_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
