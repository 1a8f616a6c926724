-- The analyze role's three consumer groups (analyze-windows, analyze-news2, analyze-alerts) became one, `analyze`;
-- sqlite/V008 in PostgreSQL, kept so both dialects' histories line up (on a database created after the change it
-- moves nothing). It resumes where the slowest of them stood, and the old groups' rows go: a group that no longer
-- reads would only clutter consumer_offsets.
INSERT INTO consumer_offsets (group_id, topic, partition, next_offset, updated_at)
SELECT 'analyze', topic, partition, MIN(next_offset), MAX(updated_at)
FROM consumer_offsets
WHERE group_id IN ('analyze-windows', 'analyze-news2', 'analyze-alerts')
GROUP BY topic, partition;

DELETE FROM consumer_offsets WHERE group_id IN ('analyze-windows', 'analyze-news2', 'analyze-alerts');
