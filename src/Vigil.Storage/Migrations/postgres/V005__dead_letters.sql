-- Dead letters, kept for inspection and replay beside their message on the dlq topic; sqlite/V005 in PostgreSQL. The
-- customer is the one of the original message (null when it names none), so each customer sees only its own.
CREATE TABLE dead_letters (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id      TEXT,
    source_topic     TEXT NOT NULL,
    source_partition BIGINT NOT NULL,
    source_offset    BIGINT NOT NULL,
    group_id         TEXT NOT NULL,
    reason           TEXT NOT NULL,
    error            TEXT,
    message_key      TEXT NOT NULL,
    message          BYTEA NOT NULL,
    created_at       BIGINT NOT NULL,
    replayed_at      BIGINT
);
CREATE INDEX ix_dead_letters_customer ON dead_letters (customer_id, seq);
