using Dapper;
using Microsoft.Data.Sqlite;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.EventLog;

/// <summary>
/// The single member of an embedded consumer group: it owns every partition of its topics, reads them through its
/// own connection (WAL readers never block the writer), and serves partitions round-robin so one busy patient
/// cannot starve the others.
/// </summary>
internal sealed class EmbeddedConsumer : ILogConsumer
{
    private readonly EmbeddedEventLog _log;
    private readonly string _groupId;
    private readonly (string Topic, int Partition)[] _assignment;
    private readonly long[] _position;   // next offset to read, per assigned partition
    private readonly long[] _committed;  // next offset the group resumes from, per assigned partition
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _read;
    private readonly Action _leave;
    private int _next;
    private int _disposed;

    public EmbeddedConsumer(EmbeddedEventLog log, SqliteDatabase db, string groupId, IReadOnlyList<string> topics, Action leave)
    {
        _log = log;
        _groupId = groupId;
        _leave = leave;
        _assignment = topics.SelectMany(t => Enumerable.Range(0, log.PartitionCount(t)).Select(p => (t, p))).ToArray();
        _position = new long[_assignment.Length];
        _committed = new long[_assignment.Length];
        _connection = db.Open();

        var stored = _connection.Query<(string Topic, long Partition, long NextOffset)>(
                "SELECT topic, partition, next_offset FROM consumer_offsets WHERE group_id = @groupId", new { groupId })
            .ToDictionary(r => (r.Topic, (int)r.Partition), r => r.NextOffset);
        for (var i = 0; i < _assignment.Length; i++)
        {
            _position[i] = _committed[i] = stored.GetValueOrDefault(_assignment[i]);
        }

        _read = _connection.CreateCommand();
        _read.CommandText = "SELECT seq, key, payload FROM log WHERE topic = $topic AND partition = $partition AND seq >= $from ORDER BY seq LIMIT $limit";
        foreach (var name in new[] { "$topic", "$partition", "$from", "$limit" })
        {
            _read.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        _read.Prepare();
    }

    public async ValueTask<ConsumedBatch> ReceiveAsync(int maxMessages, CancellationToken cancellationToken) =>
        (await ReceiveAsync(maxMessages, 1, cancellationToken))[0];

    public async ValueTask<IReadOnlyList<ConsumedBatch>> ReceiveAsync(int maxMessages, int maxPartitions, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPartitions, 1);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var wake = _log.Appended.WaitTask;
            var batches = new List<ConsumedBatch>();
            var start = _next;
            // One pass over the assignment from where the last call stopped: each partition at most once.
            for (var n = 0; n < _assignment.Length && batches.Count < maxPartitions; n++)
            {
                var i = (start + n) % _assignment.Length;
                var (topic, partition) = _assignment[i];
                if (Volatile.Read(ref _log.HighWaterMarks(topic)[partition]) < _position[i])
                {
                    continue;
                }

                var messages = Read(topic, partition, _position[i], maxMessages);
                if (messages.Count == 0)
                {
                    continue;
                }

                _position[i] = messages[^1].Offset + 1;
                _next = i + 1;
                batches.Add(new ConsumedBatch(topic, partition, messages));
            }

            if (batches.Count > 0)
            {
                return batches;
            }

            await wake.WaitAsync(cancellationToken);
        }
    }

    private List<ConsumedMessage> Read(string topic, int partition, long from, int limit)
    {
        _read.Parameters[0].Value = topic;
        _read.Parameters[1].Value = partition;
        _read.Parameters[2].Value = from;
        _read.Parameters[3].Value = limit;
        var messages = new List<ConsumedMessage>(Math.Min(limit, 256));
        using var reader = _read.ExecuteReader();
        while (reader.Read())
        {
            messages.Add(new ConsumedMessage(topic, partition, reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2)));
        }

        return messages;
    }

    public void Commit(WriteContext ctx, string topic, int partition, long nextOffset)
    {
        var index = IndexOf(topic, partition);
        ctx.Statement("consumer_offsets.commit", """
            INSERT INTO consumer_offsets (group_id, topic, partition, next_offset, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5)
            ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = MAX(consumer_offsets.next_offset, excluded.next_offset), updated_at = excluded.updated_at
            """).Bind(1, _groupId).Bind(2, topic).Bind(3, partition).Bind(4, nextOffset).Bind(5, EventTime.ToMicros(ctx.Now)).Execute();
        ctx.OnCommitted(() => Volatile.Write(ref _committed[index], Math.Max(Volatile.Read(ref _committed[index]), nextOffset)));
    }

    public long CommittedOffset(string topic, int partition) => Volatile.Read(ref _committed[IndexOf(topic, partition)]);

    public void Rewind(ConsumedBatch batch)
    {
        var index = IndexOf(batch.Topic, batch.Partition);
        _position[index] = Volatile.Read(ref _committed[index]);
    }

    private int IndexOf(string topic, int partition)
    {
        var index = Array.IndexOf(_assignment, (topic, partition));
        return index >= 0 ? index : throw new InvalidOperationException($"{topic}/{partition} is not assigned to this consumer.");
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return ValueTask.CompletedTask;
        }

        _read.Dispose();
        _connection.Dispose();
        _leave();
        return ValueTask.CompletedTask;
    }
}
