-- An outbox row carries every message one transaction appends to one partition, packed in order (count of them; each
-- as the key's length and UTF-8 bytes, then the value's length and bytes, lengths as 4-byte big-endian integers),
-- instead of one row per message: a 1,000-reading request writes a row per partition it touches, not 1,000 rows, and
-- the relay reads, deletes and confirms that many fewer (docs/distributed.md, "Producing"). Rows waiting from before
-- become rows of one message each.
ALTER TABLE outbox ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE outbox RENAME COLUMN payload TO messages;
UPDATE outbox SET messages = int4send(octet_length(convert_to(key, 'UTF8'))) || convert_to(key, 'UTF8')
                          || int4send(octet_length(messages)) || messages;
ALTER TABLE outbox DROP COLUMN key;
ALTER TABLE outbox ALTER COLUMN count DROP DEFAULT;

-- A row's messages are read once and deleted: compress them with lz4, which costs a fraction of the default pglz's CPU
-- and still shrinks the JSON envelopes (and the write-ahead log) several times. A server built without lz4 keeps them
-- uncompressed instead.
DO $$
BEGIN
    ALTER TABLE outbox ALTER COLUMN messages SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    ALTER TABLE outbox ALTER COLUMN messages SET STORAGE EXTERNAL;
END $$;
