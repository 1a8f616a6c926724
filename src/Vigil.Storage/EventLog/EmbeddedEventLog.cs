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

    private const string InsertSql = "INSERT INTO log (topic, partition, key, payload, appended_at) VALUES (?1, ?2, ?3, ?4, ?5)";

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

    /// <summary>Adds to the appends metric once per run of messages to the same topic and partition, not once per message.</summary>
    private static void CountAppends(IReadOnlyList<LogMessage> messages, int[] partitions)
    {
        var run = 1;
        for (var i = 1; i <= messages.Count; i++)
        {
            if (i < messages.Count && partitions[i] == partitions[i - 1] && ReferenceEquals(messages[i].Topic, messages[i - 1].Topic))
            {
                run++;
                continue;
            }

            LogMetrics.Appended(messages[i - 1].Topic, partitions[i - 1], run);
            run = 1;
        }
    }

    public int PartitionCount(string topic) => _partitions;

    public void Append(WriteContext ctx, IReadOnlyList<LogMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        var now = EventTime.ToMicros(ctx.Now);
        var insert = (SqliteStatement)ctx.Statement("log.insert", InsertSql);
        var partitions = new int[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            partitions[i] = KeyPartitioner.PartitionFor(m.Key, _partitions);
            insert.Bind(1, m.Topic).Bind(2, partitions[i]).Bind(3, m.Key).Bind(4, m.Payload).Bind(5, now).Execute();
        }

        // One writer appends in order, so the messages hold the consecutive sequence numbers ending at the last rowid.
        var lastSeq = insert.LastInsertRowId;
        var firstSeq = lastSeq - messages.Count + 1;
        ctx.OnCommitted(() =>
        {
            for (var i = 0; i < messages.Count; i++)
            {
                var marks = HighWaterMarks(messages[i].Topic);
                var seq = firstSeq + i;
                var partition = partitions[i];
                if (seq > Volatile.Read(ref marks[partition]))
                {
                    Volatile.Write(ref marks[partition], seq);
                }
            }

            CountAppends(messages, partitions);
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
