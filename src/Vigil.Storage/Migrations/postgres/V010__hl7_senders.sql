-- HL7 v2 senders allowed to deliver over MLLP: a sending application (MSH-3) and facility (MSH-4, '' when the sender
-- leaves it empty) belong to one customer and may connect only from the listed addresses (IPs or CIDR blocks,
-- space-separated). The pair is unique across customers: it is how a message finds its customer.
CREATE TABLE hl7_senders (
    application TEXT NOT NULL,
    facility    TEXT NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    addresses   TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    updated_by  TEXT,
    PRIMARY KEY (application, facility)
);
CREATE INDEX ix_hl7_senders_customer ON hl7_senders (customer_id);
