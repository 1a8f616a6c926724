-- Dead letters, kept for inspection and replay beside their message on the dlq topic. The customer is the one of the
-- original message (null when it names none), so each customer sees only its own.
CREATE TABLE dead_letters (
    seq              INTEGER PRIMARY KEY,
    customer_id      TEXT,
    source_topic     TEXT NOT NULL,
    source_partition INTEGER NOT NULL,
    source_offset    INTEGER NOT NULL,
    group_id         TEXT NOT NULL,
    reason           TEXT NOT NULL,
    error            TEXT,
    message_key      TEXT NOT NULL,
    message          BLOB NOT NULL,
    created_at       INTEGER NOT NULL,
    replayed_at      INTEGER
);
CREATE INDEX ix_dead_letters_customer ON dead_letters (customer_id, seq);
