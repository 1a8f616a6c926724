namespace Vigil.Storage.EventLog;

/// <summary>Settings of the embedded log (section "EventLog").</summary>
public sealed class EventLogOptions
{
    /// <summary>Partitions per topic. Fixed once data exists: changing it would move patients between partitions.</summary>
    public int Partitions { get; set; } = 12;

    /// <summary>
    /// How long messages are kept (default 7 days, as Kafka's default). The stores keep the data itself for good; the
    /// log is the stream between roles. A message is removed only once every consumer group of its topic is past it.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often expired messages are looked for.</summary>
    public TimeSpan RetentionCheckInterval { get; set; } = TimeSpan.FromMinutes(5);
}
