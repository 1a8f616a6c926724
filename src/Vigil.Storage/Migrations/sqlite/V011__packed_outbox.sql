-- PostgreSQL's outbox packs the messages one transaction appends to one partition into a single row (see the
-- PostgreSQL migration of the same number). SQLite has no outbox: the embedded log is its own table. Nothing changes
-- here; the version keeps both histories alike.
SELECT 1;
