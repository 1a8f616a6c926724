namespace Vigil.Kafka;

/// <summary>
/// Where the Kafka event log lives and how to talk to it (section "Kafka"). <see cref="Config"/> goes to every producer
/// and consumer unchanged, so any client setting a deployment needs (security, a broker's version fallbacks) is
/// configuration, not code.
/// </summary>
public sealed class KafkaOptions
{
    public const string Section = "Kafka";

    /// <summary>bootstrap.servers: host:port[,host:port...].</summary>
    public string Bootstrap { get; set; } = "";

    /// <summary>Prepended to Vigil's topic and group names: readings.raw is vigil.readings.raw.</summary>
    public string Prefix { get; set; } = "vigil.";

    /// <summary>Client settings passed through as they are (librdkafka names: "security.protocol", ...).</summary>
    public Dictionary<string, string> Config { get; set; } = [];

    public string TopicName(string topic) => Prefix + topic;

    /// <summary>
    /// A new client configuration from <see cref="Config"/> and <see cref="Bootstrap"/>. New each time: Confluent's
    /// configuration objects write through to the dictionary they are built on, so a producer setting would otherwise
    /// end up in every consumer.
    /// </summary>
    public Confluent.Kafka.ClientConfig ClientConfig() =>
        new(new Dictionary<string, string>(Config)) { BootstrapServers = Bootstrap };

    public string GroupName(string group) => Prefix + group;
}
