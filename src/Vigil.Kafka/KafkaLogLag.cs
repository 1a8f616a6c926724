using Confluent.Kafka;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Vigil.Storage.EventLog;

namespace Vigil.Kafka;

/// <summary>
/// The Kafka log's lag: each partition's end offset (the broker's high watermark) minus the group's next offset stored
/// in PostgreSQL. Messages still in the outbox are not on the broker yet and are not counted.
/// </summary>
public sealed class KafkaLogLag(NpgsqlDataSource db, IOptions<KafkaOptions> options) : IConsumerLagSource, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    // A consumer handle only for offset queries: it subscribes to nothing, so it never joins a group.
    private readonly Lazy<IConsumer<byte[], byte[]>> _client = new(() => new ConsumerBuilder<byte[], byte[]>(
        new ConsumerConfig(options.Value.ClientConfig()) { GroupId = options.Value.GroupName("metrics"), EnableAutoCommit = false }).Build());

    public IReadOnlyList<ConsumerLag> Read(CancellationToken cancellationToken)
    {
        using var connection = db.OpenConnection();
        var committed = connection.Query<(string Group, string Topic, long Partition, long NextOffset)>(
            "SELECT group_id, topic, partition, next_offset FROM consumer_offsets ORDER BY group_id, topic, partition").ToList();
        var ends = new Dictionary<(string, int), long>();
        var lag = new List<ConsumerLag>(committed.Count);
        foreach (var (group, topic, partition, next) in committed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!ends.TryGetValue((topic, (int)partition), out var end))
            {
                end = _client.Value.QueryWatermarkOffsets(new TopicPartition(options.Value.TopicName(topic), new Partition((int)partition)), Timeout).High.Value;
                ends[(topic, (int)partition)] = end;
            }

            lag.Add(new ConsumerLag(group, topic, (int)partition, Math.Max(0, end - next)));
        }

        return lag;
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }
}
