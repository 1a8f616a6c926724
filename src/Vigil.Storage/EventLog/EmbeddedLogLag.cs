using Dapper;
using Vigil.Storage.Sqlite;

namespace Vigil.Storage.EventLog;

/// <summary>The embedded log's lag: the rows of each committed partition at or past the group's next offset (offsets are the log's seq).</summary>
public sealed class EmbeddedLogLag(SqliteDatabase db) : IConsumerLagSource
{
    public IReadOnlyList<ConsumerLag> Read(CancellationToken cancellationToken)
    {
        using var connection = db.Open();
        return connection.Query<(string Group, string Topic, long Partition, long Lag)>(
                """
                SELECT o.group_id, o.topic, o.partition,
                       (SELECT COUNT(*) FROM log l WHERE l.topic = o.topic AND l.partition = o.partition AND l.seq >= o.next_offset)
                FROM consumer_offsets o ORDER BY o.group_id, o.topic, o.partition
                """)
            .Select(r => new ConsumerLag(r.Group, r.Topic, (int)r.Partition, r.Lag)).ToList();
    }
}
