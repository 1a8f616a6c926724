using System.Text;
using Confluent.Kafka;

namespace Vigil.Storage.Tests.Distributed;

/// <summary>The test Kafka broker works from .NET: Confluent.Kafka produces keyed messages and a consumer group reads them back.</summary>
public sealed class KafkaSmokeTests(KafkaServer server) : IClassFixture<KafkaServer>
{
    [Fact]
    public async Task A_consumer_group_reads_back_every_keyed_message_in_order_per_key()
    {
        const int Keys = 5;
        const int PerKey = 20;
        using var timeout = TestTimeout.Start();
        var output = TestContext.Current.TestOutputHelper;
        // A fresh topic, created by the broker on first use (0.9 has no API to create topics).
        var topic = $"smoke.{Guid.NewGuid():N}";

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig(server.ClientConfig) { Acks = Acks.All })
            .SetLogHandler((_, m) => Log(output, m)).Build())
        {
            var sent = new List<Task<DeliveryResult<string, string>>>();
            for (var i = 0; i < Keys * PerKey; i++)
            {
                sent.Add(producer.ProduceAsync(topic, new Message<string, string> { Key = $"patient-{i % Keys}", Value = $"{i / Keys}" }, timeout.Token));
            }

            var results = await Task.WhenAll(sent);
            results.ShouldAllBe(r => r.Status == PersistenceStatus.Persisted);
        }

        var received = await Task.Run(() => ConsumeAll(server.ClientConfig, topic, Keys * PerKey, output, timeout.Token), timeout.Token);

        received.Count.ShouldBe(Keys * PerKey);
        foreach (var key in received.GroupBy(r => r.Message.Key))
        {
            key.Select(r => r.Message.Value).ShouldBe(Enumerable.Range(0, PerKey).Select(n => $"{n}"), $"{key.Key} in the order it was sent");
            key.Select(r => r.Partition.Value).Distinct().Count().ShouldBe(1, $"{key.Key} stays in one partition");
        }
    }

    private static List<ConsumeResult<string, string>> ConsumeAll(
        ClientConfig config, string topic, int expected, ITestOutputHelper? output, CancellationToken cancellationToken)
    {
        var consumerConfig = new ConsumerConfig(config)
        {
            GroupId = $"smoke.{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using var consumer = new ConsumerBuilder<string, string>(consumerConfig).SetLogHandler((_, m) => Log(output, m)).Build();
        consumer.Subscribe(topic);
        var received = new List<ConsumeResult<string, string>>();
        try
        {
            while (received.Count < expected)
            {
                var result = consumer.Consume(cancellationToken);
                if (!result.IsPartitionEOF)
                {
                    received.Add(result);
                }
            }

            consumer.Commit();
        }
        finally
        {
            consumer.Close();
        }

        return received;
    }

    private static void Log(ITestOutputHelper? output, LogMessage message)
    {
        try
        {
            output?.WriteLine($"librdkafka {message.Level} {message.Facility}: {message.Message}");
        }
        catch (InvalidOperationException)
        {
            // librdkafka may log after the test has finished; that output has nowhere to go.
        }
    }
}
