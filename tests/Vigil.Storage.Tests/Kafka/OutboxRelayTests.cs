using Confluent.Kafka;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vigil.Domain;
using Vigil.Domain.Log;
using LogMessage = Vigil.Domain.Log.LogMessage;
using Vigil.Kafka;
using Vigil.Storage.EventLog;
using Vigil.Storage.Postgres;
using Vigil.Storage.Tests.Distributed;
using Vigil.Storage.Tests.Postgres;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Tests.Kafka;

/// <summary>The outbox relay on the test PostgreSQL and Kafka.</summary>
public sealed class OutboxRelayTests(PostgresServer postgres, KafkaServer kafka) : IClassFixture<PostgresServer>, IClassFixture<KafkaServer>
{
    [Fact]
    public async Task A_relay_taking_over_confirms_what_its_predecessor_sent_without_sending_it_again()
    {
        using var timeout = TestTimeout.Start();
        await using var setup = await Setup.CreateAsync(postgres, kafka);
        var (db, options, log) = (setup.Db, setup.Options, setup.Log);
        await using (var writer = new GroupCommitter(db.OpenWriter, TimeProvider.System, NullLogger<GroupCommitter>.Instance))
        {
            await writer.WriteAsync(ctx => log.Append(ctx, Enumerable.Range(0, 6).Select(i => Message($"patient-{i % 3}", i)).ToList()), timeout.Token);
        }

        // The predecessor sent every message of the first row and the first message of the second, and died before
        // confirming any of them.
        await using (var connection = await db.OpenAsync(timeout.Token))
        {
            var rows = (await connection.QueryAsync<(long Seq, string Topic, int Partition, byte[] Messages)>(
                "SELECT seq, topic, partition, messages FROM outbox ORDER BY seq")).ToList();
            rows.Count.ShouldBeGreaterThan(1, "the six messages' keys fall in more than one partition");
            rows.Sum(r => OutboxFrame.Unpack(r.Messages).Count).ShouldBe(6);
            var second = OutboxFrame.Unpack(rows[1].Messages);
            second.Count.ShouldBeGreaterThan(1, "the second row is sent in part");
            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig(options.ClientConfig()) { Acks = Acks.All }).Build();
            var sent = OutboxFrame.Unpack(rows[0].Messages).Select((m, i) => (rows[0], i, m)).Append((rows[1], 0, second[0]));
            foreach (var (row, index, (key, value)) in sent)
            {
                await producer.ProduceAsync(new TopicPartition(options.TopicName(row.Topic), new Partition(row.Partition)),
                    new Message<string, byte[]> { Key = key, Value = OutboxFrame.Encode(row.Seq, index, value.Span) }, timeout.Token);
            }
        }

        await RelayEverythingAsync(db, options, timeout.Token);

        var records = ReadAll(options, "events", timeout.Token);
        records.Count.ShouldBe(6, "each appended message is in Kafka exactly once");
        records.Select(r => (r.Seq, r.Index)).ShouldBeUnique();
        foreach (var key in records.GroupBy(r => r.Key))
        {
            key.Select(r => r.N).ShouldBeInOrder(SortDirection.Ascending, $"{key.Key} in the order it was appended");
        }
    }

    [Fact]
    public async Task A_partitions_messages_past_64_KiB_continue_in_further_rows_and_reach_Kafka_in_order()
    {
        using var timeout = TestTimeout.Start();
        await using var setup = await Setup.CreateAsync(postgres, kafka);
        var (db, options, log) = (setup.Db, setup.Options, setup.Log);
        // 200 messages of about 1.5 KB for one patient: about 300 KB in one append, to one partition.
        var padding = new string('x', 1_500);
        await using (var writer = new GroupCommitter(db.OpenWriter, TimeProvider.System, NullLogger<GroupCommitter>.Instance))
        {
            await writer.WriteAsync(ctx => log.Append(ctx, Enumerable.Range(0, 200).Select(i => Message("patient-big", i, padding)).ToList()), timeout.Token);
        }

        await using (var connection = await db.OpenAsync(timeout.Token))
        {
            var rows = (await connection.QueryAsync<(long Seq, int Partition, int Count, byte[] Messages)>(
                "SELECT seq, partition, count, messages FROM outbox ORDER BY seq")).ToList();
            rows.Count.ShouldBeGreaterThanOrEqualTo(4, "300 KB of messages need at least five rows of at most 64 KiB");
            rows.Select(r => r.Partition).Distinct().Count().ShouldBe(1);
            rows.ShouldAllBe(r => r.Messages.Length <= KafkaEventLog.MaxRowBytes && r.Count == OutboxFrame.Unpack(r.Messages).Count);
            rows.Sum(r => r.Count).ShouldBe(200);
        }

        await RelayEverythingAsync(db, options, timeout.Token);

        var records = ReadAll(options, "events", timeout.Token);
        records.Select(r => r.N).ShouldBe(Enumerable.Range(0, 200), "every message once, in the order appended, across rows");
    }

    /// <summary>A migrated database of its own, a fresh topic prefix, and the Kafka log over both.</summary>
    private sealed class Setup(PostgresTestDatabase database, PostgresDatabase db, KafkaOptions options) : IAsyncDisposable
    {
        public PostgresDatabase Db => db;

        public KafkaOptions Options => options;

        public KafkaEventLog Log { get; } = new(db.DataSource, Microsoft.Extensions.Options.Options.Create(options), Microsoft.Extensions.Options.Options.Create(new EventLogOptions { Partitions = 12 }));

        public static async Task<Setup> CreateAsync(PostgresServer postgres, KafkaServer kafka)
        {
            var database = await PostgresTestDatabase.CreateAsync(postgres);
            var db = new PostgresDatabase(database.ConnectionString);
            db.Migrate();
            var client = kafka.ClientConfig;
            return new Setup(database, db, new KafkaOptions
            {
                Bootstrap = client.BootstrapServers,
                Prefix = $"r{Guid.NewGuid():N}"[..13] + ".",
                Config = client.Where(c => c.Key != "bootstrap.servers").ToDictionary(c => c.Key, c => c.Value),
            });
        }

        public async ValueTask DisposeAsync()
        {
            await db.DisposeAsync();
            await database.DisposeAsync();
        }
    }

    /// <summary>Runs a relay until the outbox is empty (bounded by the test's timeout).</summary>
    private static async Task RelayEverythingAsync(PostgresDatabase db, KafkaOptions options, CancellationToken cancellationToken)
    {
        using var relay = new OutboxRelay(db.DataSource, Options.Create(options), NullLogger<OutboxRelay>.Instance);
        await relay.StartAsync(cancellationToken);
        await using (var connection = await db.OpenAsync(cancellationToken))
        {
            while (await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox") > 0)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        await relay.StopAsync(cancellationToken);
    }

    private static LogMessage Message(string key, int n, string? padding = null) =>
        new(Topics.Events, key, Envelope.Encode($"m{n}", "test", key, DateTimeOffset.UnixEpoch, null, (n, padding), static (w, s) =>
        {
            if (s.padding is null)
            {
                w.WriteNumberValue(s.n);
                return;
            }

            w.WriteStartObject();
            w.WriteNumber("n", s.n);
            w.WriteString("padding", s.padding);
            w.WriteEndObject();
        }));

    /// <summary>Every record of the topic's partitions, up to each partition's end.</summary>
    private static List<(string Key, long Seq, int Index, int N)> ReadAll(KafkaOptions options, string topic, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig(options.ClientConfig()) { GroupId = options.GroupName("reader"), EnableAutoCommit = false, EnablePartitionEof = true };
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        var records = new List<(string, long, int, int)>();
        for (var partition = 0; partition < 12; partition++)
        {
            var tp = new TopicPartition(options.TopicName(topic), new Partition(partition));
            var end = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value;
            if (end == 0)
            {
                continue;
            }

            consumer.Assign(new TopicPartitionOffset(tp, Offset.Beginning));
            while (true)
            {
                var record = consumer.Consume(cancellationToken);
                if (record.IsPartitionEOF)
                {
                    break;
                }

                OutboxFrame.TryDecode(record.Message.Value, out var seq, out var index, out var envelope).ShouldBeTrue();
                var body = Envelope.Decode(envelope).Body;
                records.Add((record.Message.Key, seq, index, body.ValueKind == System.Text.Json.JsonValueKind.Number ? body.GetInt32() : body.GetProperty("n").GetInt32()));
            }

            consumer.Unassign();
        }

        consumer.Close();
        return records;
    }
}
