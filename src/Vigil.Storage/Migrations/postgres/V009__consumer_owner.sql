-- Which member owns a partition of a consumer group: a member writes a fresh token here when Kafka assigns it the
-- partition, under the row's lock, and commits positions only while the row still holds its token, so a member that
-- lost the partition in a rebalance cannot commit effects for it (docs/distributed.md, "Consuming").
ALTER TABLE consumer_offsets ADD COLUMN owner TEXT;

-- How far the outbox relay has confirmed each Kafka partition: moved in the transaction that deletes the relayed rows.
-- A relay taking over reads each partition back from here to find what its predecessor sent but did not confirm.
CREATE TABLE relay_positions (
    topic       TEXT NOT NULL,
    partition   BIGINT NOT NULL,
    next_offset BIGINT NOT NULL,
    PRIMARY KEY (topic, partition)
);
