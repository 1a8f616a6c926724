using System.Diagnostics.Metrics;
using Vigil.Domain.Diagnostics;

namespace Vigil.Storage.EventLog;

/// <summary>Messages appended to the log, by topic and partition: counted once committed (embedded) or acknowledged by the broker (Kafka).</summary>
public static class LogMetrics
{
    private static readonly Counter<long> Appends = VigilTelemetry.Meter.CreateCounter<long>(
        "vigil.log.appends", "{message}", "Messages appended to the event log, by topic and partition.");

    public static void Appended(string topic, int partition, long count) =>
        Appends.Add(count, new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("partition", VigilTelemetry.Partition(partition)));
}

/// <summary>How far one consumer group is behind the end of one partition.</summary>
public readonly record struct ConsumerLag(string Group, string Topic, int Partition, long Messages);

/// <summary>
/// Reads every consumer group's lag per topic and partition, for <c>/metrics</c>. One implementation per log: the
/// embedded log counts its rows past the committed offsets; the Kafka log asks the brokers for their end offsets.
/// </summary>
public interface IConsumerLagSource
{
    IReadOnlyList<ConsumerLag> Read(CancellationToken cancellationToken);
}
