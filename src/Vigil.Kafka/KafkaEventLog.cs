using Confluent.Kafka;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Vigil.Domain;
using Vigil.Domain.Log;
using LogMessage = Vigil.Domain.Log.LogMessage;
using Vigil.Storage.EventLog;
using Vigil.Storage.Writes;

namespace Vigil.Kafka;

/// <summary>
/// The event log on Kafka, fed through a transactional outbox in PostgreSQL (docs/distributed.md): appending inserts
/// the messages into <c>outbox</c> (one row per partition, its messages packed: <see cref="OutboxFrame"/>) in the caller's transaction and notifies the relay, which produces them to Kafka once
/// the transaction has committed. A message therefore exists in Kafka only if the change that caused it was committed,
/// and every committed change's messages reach Kafka.
/// </summary>
public sealed class KafkaEventLog(NpgsqlDataSource db, IOptions<KafkaOptions> kafka, IOptions<EventLogOptions> log) : IEventLog
{
    /// <summary>The channel the relay listens on; notifications are delivered only when the appending transaction commits.</summary>
    public const string Channel = "vigil_outbox";

    /// <summary>The packed size at which a partition's messages continue in a new outbox row (below the large-object heap's 85,000 bytes).</summary>
    internal const int MaxRowBytes = 64 * 1024;

    private readonly int _partitions = log.Value.Partitions;

    public int PartitionCount(string topic) => _partitions;

    public void Append(WriteContext ctx, IReadOnlyList<LogMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        // One row per partition the append touches, its messages packed in the order they were appended; a partition
        // whose messages pack to more than MaxRowBytes continues in another row (rows relay in order), so neither the
        // packing nor the relay's read of a row is an array on the large-object heap.
        var rows = new List<(string Topic, int Partition, List<(string Key, byte[] Value)> Messages)>();
        var rowOf = new Dictionary<(string, int), (int Row, int Bytes)>();
        foreach (var m in messages)
        {
            var partition = KeyPartitioner.PartitionFor(m.Key, _partitions);
            var bytes = OutboxFrame.PackedLength(m.Key, m.Payload);
            if (!rowOf.TryGetValue((m.Topic, partition), out var open) || (open.Bytes + bytes > MaxRowBytes && open.Bytes > 0))
            {
                open = (rows.Count, 0);
                rows.Add((m.Topic, partition, []));
            }

            rows[open.Row].Messages.Add((m.Key, m.Payload));
            rowOf[(m.Topic, partition)] = (open.Row, open.Bytes + bytes);
        }

        var topics = rows.Select(r => r.Topic).ToArray();
        var partitions = rows.Select(r => r.Partition).ToArray();
        var counts = rows.Select(r => r.Messages.Count).ToArray();
        var packed = rows.Select(r => OutboxFrame.Pack(r.Messages)).ToArray();

        // One statement for the whole list; the NOTIFY is delivered at commit, never for a rolled-back append.
        ctx.Connection.Execute(
            $"""
            INSERT INTO outbox (topic, partition, count, messages, appended_at)
            SELECT t, p, c, m, @at FROM unnest(@topics, @partitions, @counts, @packed) WITH ORDINALITY AS r(t, p, c, m, n) ORDER BY n;
            SELECT pg_notify('{Channel}', '');
            """,
            new { topics, partitions, counts, packed, at = EventTime.ToMicros(ctx.Now) }, ctx.Transaction);
    }

    public ILogConsumer Subscribe(string groupId, IReadOnlyList<string> topics) => new KafkaConsumer(db, kafka.Value, groupId, topics);

    /// <summary>The producer settings every Vigil producer uses: the deployment's, plus what ordering and durability need.</summary>
    internal static ProducerConfig ProducerConfig(KafkaOptions options) =>
        new(options.ClientConfig())
        {
            // Every in-sync replica has it before it counts as sent; one request in flight per connection, so a
            // retried request cannot overtake the next and reorder a partition.
            Acks = Acks.All,
            MaxInFlight = 1,
            EnableDeliveryReports = true,
            // No retries inside the client: a request the broker wrote but whose answer was lost (a broker restarting)
            // would be written again, and without an idempotent producer (Kafka 0.9 has none) Kafka cannot tell. The
            // relay fails the batch instead, and its successor reads the partitions back to see what arrived.
            MessageSendMaxRetries = 0,
            // A delivery report's partition, offset and error are all the relay reads: no header, timestamp or status
            // objects per record.
            DeliveryReportFields = "none",
        };
}
