using Confluent.Kafka;

namespace Vigil.Kafka;

/// <summary>Whether the brokers answer: a metadata request through an admin client, bounded in time.</summary>
public sealed class KafkaHealth(Microsoft.Extensions.Options.IOptions<KafkaOptions> options) : IDisposable
{
    private readonly Lazy<IAdminClient> _admin = new(() => new AdminClientBuilder(options.Value.ClientConfig()).Build());

    /// <summary>Null when a broker answered; otherwise why not.</summary>
    public string? Check(TimeSpan timeout)
    {
        try
        {
            var metadata = _admin.Value.GetMetadata(timeout);
            return metadata.Brokers.Count > 0 ? null : $"{options.Value.Bootstrap} lists no brokers";
        }
        catch (KafkaException e)
        {
            return $"no answer from {options.Value.Bootstrap}: {e.Error.Reason}";
        }
    }

    public void Dispose()
    {
        if (_admin.IsValueCreated)
        {
            _admin.Value.Dispose();
        }
    }
}
