using Confluent.Kafka;

namespace Vigil.Kafka;

/// <summary>
/// Whether the brokers answer: a metadata request through an admin client, bounded in time, for one of Vigil's own
/// topics (a request for every topic grows with the cluster: on a broker with a thousand topics it took seconds).
/// </summary>
public sealed class KafkaHealth(Microsoft.Extensions.Options.IOptions<KafkaOptions> options) : IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(options.Value.ClientConfig()).Build());

    /// <summary>Null when a broker answered; otherwise why not.</summary>
    public string? Check(TimeSpan timeout)
    {
        try
        {
            var metadata = _admin.Value.GetMetadata(options.Value.TopicName(Domain.Log.Topics.ReadingsRaw), timeout);
            return metadata.Brokers.Count > 0 ? null : $"{options.Value.Bootstrap} lists no brokers";
        }
        catch (KafkaException e)
        {
            return $"no answer from {options.Value.Bootstrap}: {e.Error.Reason}";
        }
    }

    /// <summary>
    /// Vigil's topics that exist with another partition count than <paramref name="partitions"/>, as "topic (n)". A
    /// patient's messages go to the partition its key hashes to among that count: a topic with another count would
    /// move patients between partitions and break their order.
    /// </summary>
    public IReadOnlyList<string> PartitionMismatches(IEnumerable<string> topics, int partitions, TimeSpan timeout)
    {
        var wrong = new List<string>();
        var deadline = DateTime.UtcNow + timeout;
        foreach (var topic in topics.Select(options.Value.TopicName))
        {
            while (true)
            {
                var metadata = _admin.Value.GetMetadata(topic, timeout).Topics.SingleOrDefault(t => t.Topic == topic);
                if (metadata is { Error.IsError: false })
                {
                    if (metadata.Partitions.Count != partitions)
                    {
                        wrong.Add($"{topic} ({metadata.Partitions.Count})");
                    }

                    break;
                }

                // A broker that creates topics on first use answers "leader not available" while it does; one that does
                // not has no such topic yet, which its operator will create (with the right count, or this check says so
                // at the next start).
                if (metadata?.Error.Code != ErrorCode.LeaderNotAvailable || DateTime.UtcNow > deadline)
                {
                    break;
                }

                Thread.Sleep(100);
            }
        }

        return wrong;
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
