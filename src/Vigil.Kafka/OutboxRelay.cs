using Confluent.Kafka;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Vigil.Kafka;

/// <summary>
/// Moves committed outbox rows to Kafka (docs/distributed.md, "Producing"). Every writing process runs one; the one that
/// holds a PostgreSQL advisory lock relays, the others wait for the lock, so a relay that dies is replaced at once.
/// It listens for the outbox's notifications instead of polling, produces rows in <c>seq</c> order with one request in
/// flight per connection, and once Kafka has acknowledged a batch deletes its rows and records, per partition, the
/// Kafka offset it has confirmed up to (<c>relay_positions</c>), in one transaction. A relay that died between Kafka's
/// acknowledgement and that transaction left records in Kafka whose rows are still in the outbox: its successor reads
/// each partition back from the confirmed position, takes the outbox seq out of each record's frame, and deletes those
/// rows instead of sending them again. Rows of concurrent transactions may commit in another order than their seq;
/// relaying whatever is visible in seq order keeps each partition in commit order for changes that happen one after
/// another, which is all the order the writers themselves define.
/// </summary>
public sealed class OutboxRelay(NpgsqlDataSource db, IOptions<KafkaOptions> options, ILogger<OutboxRelay> logger) : BackgroundService
{
    /// <summary>The advisory lock key of the relay's leadership ("vigil-relay").</summary>
    public const long LockKey = 0x7669_6769_6C72_6C79;

    /// <summary>At most this many rows, and this many messages (after the first row), are relayed in one round.</summary>
    private const int MaxRows = 500;

    private const int MaxMessages = 20_000;

    /// <summary>Records of rows still in the outbox that a predecessor sent (found by recovery): skipped when relayed.</summary>
    private readonly Dictionary<long, HashSet<int>> _alreadySent = [];

    private sealed record Row(long Seq, string Topic, int Partition, byte[] Messages);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await LeadAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Outbox relay stopped; starting again in {Delay}", delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    private async Task LeadAsync(CancellationToken stoppingToken)
    {
        await using var listener = await db.OpenConnectionAsync(stoppingToken);
        // Session-level lock: held while this connection lives; another process's relay waits here.
        await listener.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@LockKey)", new { LockKey }, cancellationToken: stoppingToken));
        await listener.ExecuteAsync(new CommandDefinition($"LISTEN {KafkaEventLog.Channel}", cancellationToken: stoppingToken));
        logger.LogInformation("Outbox relay is active");

        using var producer = new ProducerBuilder<string, byte[]>(KafkaEventLog.ProducerConfig(options.Value)).Build();
        _alreadySent.Clear();
        await RecoverAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!await RelayBatchAsync(producer, stoppingToken))
            {
                // Caught up: sleep until a writer's commit notifies (or a while, in case a notification was missed
                // while this connection was being set up).
                await listener.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    /// <summary>Relays one round of outbox rows; true when it was full (more rows are likely waiting).</summary>
    private async Task<bool> RelayBatchAsync(IProducer<string, byte[]> producer, CancellationToken stoppingToken)
    {
        await using var connection = await db.OpenConnectionAsync(stoppingToken);
        var rows = await OldestRowsAsync(connection, stoppingToken);
        if (rows.Count == 0)
        {
            return false;
        }

        // Per row, the messages still to send (every message of a row goes to the same partition).
        var sends = rows.Select(row =>
        {
            var sent = _alreadySent.GetValueOrDefault(row.Seq);
            var messages = OutboxFrame.Unpack(row.Messages).Select((m, i) => (Index: i, m.Key, m.Value)).Where(m => sent is null || !sent.Contains(m.Index)).ToList();
            return (Row: row, Messages: messages);
        }).ToList();
        var records = sends.Sum(s => s.Messages.Count);
        var delivery = new Delivery(records);
        foreach (var (row, messages) in sends)
        {
            var to = new TopicPartition(options.Value.TopicName(row.Topic), new Partition(row.Partition));
            Action<DeliveryReport<string, byte[]>> reported = report => delivery.Report(row.Topic, row.Partition, report);
            foreach (var (index, key, value) in messages)
            {
                producer.Produce(to, new Message<string, byte[]> { Key = key, Value = OutboxFrame.Encode(row.Seq, index, value.Span) }, reported);
            }
        }

        var confirmed = await delivery.Task.WaitAsync(stoppingToken);
        await ConfirmAsync(connection, [.. rows.Select(r => r.Seq)], confirmed, stoppingToken);
        foreach (var (row, messages) in sends)
        {
            Storage.EventLog.LogMetrics.Appended(row.Topic, row.Partition, messages.Count);
        }

        foreach (var row in rows)
        {
            _alreadySent.Remove(row.Seq);
        }

        return rows.Count == MaxRows || records >= MaxMessages;
    }

    /// <summary>
    /// The oldest rows, at most MaxRows, and no further row once MaxMessages messages are taken. Read sequentially: a
    /// row's packed messages (tens of kilobytes) go straight into their array instead of through a buffer of the
    /// row's size that the driver would allocate for every row larger than its read buffer.
    /// </summary>
    private static async Task<List<Row>> OldestRowsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT seq, topic, partition, messages FROM (
                SELECT seq, topic, partition, messages, SUM(count) OVER (ORDER BY seq) - count AS before
                FROM outbox ORDER BY seq LIMIT @max_rows) AS r
            WHERE before < @max_messages
            ORDER BY seq
            """, connection);
        command.Parameters.AddWithValue("max_rows", MaxRows);
        command.Parameters.AddWithValue("max_messages", (long)MaxMessages);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        var rows = new List<Row>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), await reader.GetFieldValueAsync<byte[]>(3, cancellationToken)));
        }

        return rows;
    }

    /// <summary>
    /// Counts a round's delivery reports (they arrive on the producer's thread); completes with the highest offset per
    /// partition once every record is acknowledged, or fails once every report is in if any record failed.
    /// </summary>
    private sealed class Delivery
    {
        private readonly TaskCompletionSource<List<(string Topic, int Partition, long Offset)>> _done =
            new(TaskCreationOptions.RunContinuationsAsynchronously);

        private readonly Dictionary<(string Topic, int Partition), long> _highest = [];
        private int _outstanding;
        private Error? _error;

        public Delivery(int records)
        {
            _outstanding = records;
            if (records == 0)
            {
                _done.SetResult([]);
            }
        }

        public Task<List<(string Topic, int Partition, long Offset)>> Task => _done.Task;

        public void Report(string topic, int partition, DeliveryReport<string, byte[]> report)
        {
            lock (_highest)
            {
                if (report.Error.IsError)
                {
                    _error ??= report.Error;
                }
                else if (!_highest.TryGetValue((topic, partition), out var offset) || report.Offset.Value > offset)
                {
                    _highest[(topic, partition)] = report.Offset.Value;
                }

                if (--_outstanding > 0)
                {
                    return;
                }
            }

            if (_error is { } error)
            {
                _done.SetException(new KafkaException(error));
            }
            else
            {
                _done.SetResult([.. _highest.Select(h => (h.Key.Topic, h.Key.Partition, h.Value))]);
            }
        }
    }

    /// <summary>
    /// Deletes relayed rows and moves each partition's confirmed position (Vigil's topic name, not Kafka's) past the
    /// highest offset it has confirmed, in one transaction.
    /// </summary>
    private static async Task ConfirmAsync(
        NpgsqlConnection connection, long[] seqs, IReadOnlyCollection<(string Topic, int Partition, long Offset)> highest, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM outbox WHERE seq = ANY(@seqs);
            INSERT INTO relay_positions (topic, partition, next_offset)
            SELECT t, p, o + 1 FROM unnest(@topics, @partitions, @offsets) AS h(t, p, o)
            ON CONFLICT (topic, partition) DO UPDATE SET next_offset = GREATEST(relay_positions.next_offset, excluded.next_offset);
            """,
            new
            {
                seqs,
                topics = highest.Select(h => h.Topic).ToArray(),
                partitions = highest.Select(h => (long)h.Partition).ToArray(),
                offsets = highest.Select(h => h.Offset).ToArray(),
            },
            transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Reads every partition back from its confirmed position to its end and confirms what a predecessor sent but did
    /// not live to confirm.
    /// </summary>
    private async Task RecoverAsync(CancellationToken stoppingToken)
    {
        await using var connection = await db.OpenConnectionAsync(stoppingToken);
        var pending = (await connection.QueryAsync<(string Topic, int Partition)>(new CommandDefinition(
            "SELECT DISTINCT topic, partition FROM outbox", cancellationToken: stoppingToken))).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        var confirmed = (await connection.QueryAsync<(string Topic, long Partition, long NextOffset)>(new CommandDefinition(
                "SELECT topic, partition, next_offset FROM relay_positions", cancellationToken: stoppingToken)))
            .ToDictionary(p => (p.Topic, (int)p.Partition), p => p.NextOffset);
        var config = new ConsumerConfig(options.Value.ClientConfig())
        {
            GroupId = options.Value.GroupName("relay-recovery"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        };
        using var reader = new ConsumerBuilder<string, byte[]>(config).Build();
        var found = new Dictionary<long, HashSet<int>>();
        var highest = new Dictionary<(string Topic, int Partition), long>();
        foreach (var (topic, partition) in pending)
        {
            var tp = new TopicPartition(options.Value.TopicName(topic), new Partition(partition));
            var end = reader.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value;
            var from = confirmed.GetValueOrDefault((topic, partition));
            if (from >= end)
            {
                continue;
            }

            reader.Assign(new TopicPartitionOffset(tp, new Offset(from)));
            while (true)
            {
                var record = reader.Consume(stoppingToken);
                if (record.IsPartitionEOF || record.Offset.Value >= end)
                {
                    break;
                }

                if (OutboxFrame.TryDecode(record.Message.Value, out var seq, out var index, out _))
                {
                    (found.TryGetValue(seq, out var indexes) ? indexes : found[seq] = []).Add(index);
                    highest[(topic, partition)] = record.Offset.Value;
                }
            }

            reader.Unassign();
        }

        reader.Close();
        if (found.Count == 0)
        {
            return;
        }

        // A row whose every message is in Kafka goes; one partly sent (its round failed midway) stays, and only its
        // missing messages are sent when it is relayed.
        var counts = (await connection.QueryAsync<(long Seq, int Count)>(new CommandDefinition(
            "SELECT seq, count FROM outbox WHERE seq = ANY(@seqs)", new { seqs = found.Keys.ToArray() }, cancellationToken: stoppingToken))).ToList();
        var complete = counts.Where(c => found[c.Seq].Count >= c.Count).Select(c => c.Seq).ToArray();
        foreach (var (seq, _) in counts.Where(c => found[c.Seq].Count < c.Count))
        {
            _alreadySent[seq] = found[seq];
        }

        logger.LogWarning(
            "Outbox relay found {Records} records sent but not confirmed by its predecessor ({Complete} rows complete, {Partial} partly sent); confirming them without sending again",
            found.Values.Sum(f => f.Count), complete.Length, _alreadySent.Count);
        await ConfirmAsync(connection, complete, [.. highest.Select(h => (h.Key.Topic, h.Key.Partition, h.Value))], stoppingToken);
    }
}
