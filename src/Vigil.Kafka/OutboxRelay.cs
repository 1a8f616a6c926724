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

    private const int BatchSize = 1000;

    // A class with setters: Dapper maps a positional record only when every column's type matches exactly.
    private sealed class Row
    {
        public long Seq { get; set; }

        public string Topic { get; set; } = "";

        public int Partition { get; set; }

        public string Key { get; set; } = "";

        public byte[] Payload { get; set; } = [];
    }

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
        await RecoverAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (await RelayBatchAsync(producer, stoppingToken) < BatchSize)
            {
                // Caught up: sleep until a writer's commit notifies (or a while, in case a notification was missed
                // while this connection was being set up).
                await listener.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    /// <summary>Relays one batch of outbox rows; returns how many there were.</summary>
    private async Task<int> RelayBatchAsync(IProducer<string, byte[]> producer, CancellationToken stoppingToken)
    {
        await using var connection = await db.OpenConnectionAsync(stoppingToken);
        var rows = (await connection.QueryAsync<Row>(new CommandDefinition(
            "SELECT seq, topic, partition, key, payload FROM outbox ORDER BY seq LIMIT @BatchSize", new { BatchSize },
            cancellationToken: stoppingToken))).AsList();
        if (rows.Count == 0)
        {
            return 0;
        }

        var sent = rows.Select(r => producer.ProduceAsync(
            new TopicPartition(options.Value.TopicName(r.Topic), new Partition(r.Partition)),
            new Message<string, byte[]> { Key = r.Key, Value = OutboxFrame.Encode(r.Seq, r.Payload) },
            stoppingToken)).ToList();
        var results = await Task.WhenAll(sent);
        await ConfirmAsync(connection, rows.Select(r => r.Seq).ToArray(), rows.Select((r, i) => (r.Topic, r.Partition, results[i].Offset.Value)), stoppingToken);
        return rows.Count;
    }

    /// <summary>
    /// Deletes relayed rows and moves each partition's confirmed position (Vigil's topic name, not Kafka's) past them, in
    /// one transaction.
    /// </summary>
    private async Task ConfirmAsync(
        NpgsqlConnection connection, long[] seqs, IEnumerable<(string Topic, int Partition, long Offset)> records, CancellationToken cancellationToken)
    {
        var next = records.GroupBy(r => (r.Topic, r.Partition)).Select(g => new { topic = g.Key.Topic, partition = g.Key.Partition, offset = g.Max(r => r.Offset) + 1 });
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM outbox WHERE seq = ANY(@seqs)", new { seqs }, transaction, cancellationToken: cancellationToken));
        foreach (var position in next)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO relay_positions (topic, partition, next_offset) VALUES (@topic, @partition, @offset)
                ON CONFLICT (topic, partition) DO UPDATE SET next_offset = GREATEST(relay_positions.next_offset, excluded.next_offset)
                """, position, transaction, cancellationToken: cancellationToken));
        }

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
        var seqs = new List<long>();
        var records = new List<(string Topic, int Partition, long Offset)>();
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

                if (OutboxFrame.TryDecode(record.Message.Value, out var seq, out _))
                {
                    seqs.Add(seq);
                    records.Add((topic, partition, record.Offset.Value));
                }
            }

            reader.Unassign();
        }

        reader.Close();
        if (seqs.Count > 0)
        {
            logger.LogWarning("Outbox relay found {Count} records sent but not confirmed by its predecessor; confirming them without sending again", seqs.Count);
            await ConfirmAsync(connection, [.. seqs], records, stoppingToken);
        }
    }
}
