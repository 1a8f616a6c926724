using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.Options;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.EventLog;

/// <summary>
/// The embedded log: rows of the SQLite table <c>log</c>, appended in the producer's own transaction. The offset is
/// the row's sequence number, which rises in commit order because SQLite has one writer. The log keeps each
/// partition's high-water mark in memory, advanced after commit, and wakes waiting consumers then: no polling.
/// </summary>
public sealed class EmbeddedEventLog : IEventLog
{
    private readonly SqliteDatabase _db;
    private readonly int _partitions;
    private readonly ConcurrentDictionary<string, long[]> _highWaterMarks = new();
    private readonly ConcurrentDictionary<string, bool> _groups = new();

    private static readonly MultiRowInsert<(LogMessage Message, int Partition, long Now)> Insert = new(
        "log", ["topic", "partition", "key", "payload", "appended_at"],
        (row, v) =>
        {
            v[0] = row.Message.Topic;
            v[1] = row.Partition;
            v[2] = row.Message.Key;
            v[3] = row.Message.Payload;
            v[4] = row.Now;
        });

    public EmbeddedEventLog(SqliteDatabase db, IOptions<EventLogOptions> options)
    {
        _db = db;
        _partitions = options.Value.Partitions;
        using var connection = db.Open();
        foreach (var row in connection.Query<(string Topic, long Partition, long Max)>(
            "SELECT topic, partition, MAX(seq) FROM log GROUP BY topic, partition"))
        {
            if (row.Partition < _partitions)
            {
                HighWaterMarks(row.Topic)[row.Partition] = row.Max;
            }
        }
    }

    internal AsyncSignal Appended { get; } = new();

    public int PartitionCount(string topic) => _partitions;

    public void Append(WriteContext ctx, IReadOnlyList<LogMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var now = EventTime.ToMicros(ctx.Now);
        var rows = new (LogMessage, int, long)[messages.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = (messages[i], KeyPartitioner.PartitionFor(messages[i].Key, _partitions), now);
        }

        Insert.Execute(ctx, rows);

        // The rows just inserted hold the highest sequence numbers; read the last one to learn the new high-water mark.
        using var last = ctx.CreateCommand("SELECT last_insert_rowid()");
        var lastSeq = (long)last.ExecuteScalar()!;
        var firstSeq = lastSeq - rows.Length + 1;
        ctx.OnCommitted(() =>
        {
            for (var i = 0; i < rows.Length; i++)
            {
                var marks = HighWaterMarks(rows[i].Item1.Topic);
                var seq = firstSeq + i;
                var partition = rows[i].Item2;
                if (seq > Volatile.Read(ref marks[partition]))
                {
                    Volatile.Write(ref marks[partition], seq);
                }
            }

            Appended.Set();
        });
    }

    public ILogConsumer Subscribe(string groupId, IReadOnlyList<string> topics)
    {
        if (!_groups.TryAdd(groupId, true))
        {
            throw new InvalidOperationException($"Consumer group '{groupId}' already has a member in this process.");
        }

        return new EmbeddedConsumer(this, _db, groupId, topics, () => _groups.TryRemove(groupId, out _));
    }

    internal long[] HighWaterMarks(string topic) => _highWaterMarks.GetOrAdd(topic, _ => new long[_partitions]);
}
