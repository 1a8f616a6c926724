using System.Data.Common;
using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Npgsql;
using Vigil.Domain.Log;
using Vigil.Kafka;

namespace Vigil.Tests.Infrastructure;

/// <summary>
/// The distributed mode's store: tables read from PostgreSQL, the log read back from the Kafka topics under the
/// server's prefix. The outbox only holds what the relay has not sent yet, so a log read first waits until everything
/// committed before it has reached Kafka, then reads each partition from its start to its end: what the embedded
/// mode's <c>log</c> table would show at that moment.
/// </summary>
public sealed class PostgresVigilDatabase(string connectionString, KafkaOptions kafka, int partitions) : VigilDatabase
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>From the partitions' offsets alone, without reading the messages (the test broker deletes nothing).</summary>
    public override long LogCount(string topic)
    {
        WaitUntilRelayed();
        using var consumer = Consumer();
        var name = kafka.TopicName(topic);
        return Enumerable.Range(0, partitions)
            .Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(name, p), Patience))
            .Sum(marks => marks.High.Value - marks.Low.Value);
    }

    protected override IEnumerable<string> TenantLog(string customerId) =>
        Topics.All.SelectMany(topic => Log(topic))
            .Where(e => e.Key.StartsWith(customerId + "/", StringComparison.Ordinal))
            .Select(e => Line([e.Topic, e.Key, e.Envelope.GetRawText()]));

    public override IReadOnlyList<LogEntry> Log(string topic, string? key = null)
    {
        WaitUntilRelayed();
        using var consumer = Consumer();
        var name = kafka.TopicName(topic);
        var wanted = key is null ? Enumerable.Range(0, partitions) : [KeyPartitioner.PartitionFor(key, partitions)];
        var ends = new Dictionary<int, long>();
        var starts = new List<TopicPartitionOffset>();
        foreach (var partition in wanted)
        {
            var tp = new TopicPartition(name, partition);
            var marks = consumer.QueryWatermarkOffsets(tp, Patience);
            if (marks.High > marks.Low)
            {
                ends[partition] = marks.High.Value;
                starts.Add(new TopicPartitionOffset(tp, marks.Low));
            }
        }

        var entries = new List<(long Seq, int Index, LogEntry Entry)>();
        consumer.Assign(starts);
        var deadline = Stopwatch.StartNew();
        while (ends.Count > 0)
        {
            if (deadline.Elapsed > Patience)
            {
                throw new TimeoutException($"{name}: partitions {string.Join(",", ends.Keys)} not read to their end in {Patience}");
            }

            var record = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (record is null)
            {
                continue;
            }

            if (!record.IsPartitionEOF)
            {
                OutboxFrame.TryDecode(record.Message.Value, out var seq, out var index, out var envelope).ShouldBeTrue($"{name} holds a record that is not an outbox frame");
                if (key is null || record.Message.Key == key)
                {
                    using var doc = JsonDocument.Parse(envelope.ToArray());
                    entries.Add((seq, index, new LogEntry(topic, record.Message.Key, doc.RootElement.Clone())));
                }
            }

            if (ends.TryGetValue(record.Partition.Value, out var end) && record.Offset.Value >= end - (record.IsPartitionEOF ? 0 : 1))
            {
                ends.Remove(record.Partition.Value);
            }
        }

        consumer.Close();
        // The outbox seq is the order of appends across partitions, as the embedded log's seq is; the index, the order
        // within one append to one partition.
        return entries.OrderBy(e => e.Seq).ThenBy(e => e.Index).Select(e => e.Entry).ToList();
    }

    /// <summary>A consumer that is assigned partitions by hand and never commits: it changes nothing on the broker.</summary>
    private IConsumer<string, byte[]> Consumer() =>
        new ConsumerBuilder<string, byte[]>(new ConsumerConfig(kafka.ClientConfig())
        {
            GroupId = "test-read-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).SetLogHandler((_, _) => { }).Build();

    /// <summary>Waits until every outbox row committed so far has been relayed to Kafka (the relay deletes what it sent).</summary>
    private void WaitUntilRelayed()
    {
        using var connection = Open();
        using var last = Command(connection, "SELECT COALESCE(MAX(seq), 0) FROM outbox", []);
        var upTo = Convert.ToInt64(last.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        using var pending = Command(connection, "SELECT EXISTS (SELECT 1 FROM outbox WHERE seq <= @s)", [("@s", upTo)]);
        var deadline = Stopwatch.StartNew();
        while ((bool)pending.ExecuteScalar()!)
        {
            if (deadline.Elapsed > Patience)
            {
                throw new TimeoutException($"the outbox relay did not send the rows up to seq {upTo} in {Patience}");
            }

            // The relay is woken by NOTIFY and needs a Kafka round trip; there is nothing to wait on from here but its delete.
            Thread.Sleep(20);
        }
    }

    protected override DbConnection Open()
    {
        var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return connection;
    }
}
