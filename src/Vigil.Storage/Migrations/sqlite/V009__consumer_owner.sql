-- Which member owns a partition of a consumer group: the distributed mode's members write a token here when Kafka
-- assigns them a partition and commit only while it is theirs (docs/distributed.md). The embedded log has one member
-- per group and leaves it empty; the column keeps both schemas alike.
ALTER TABLE consumer_offsets ADD COLUMN owner TEXT;
