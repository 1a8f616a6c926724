using Vigil.Kafka;

namespace Vigil.Hosting.Readiness;

/// <summary>The Kafka log is ready when a broker answers a metadata request within two seconds.</summary>
public sealed class KafkaProbe(KafkaHealth kafka) : IReadinessProbe
{
    public string Dependency => "log";

    public Task<ProbeResult> CheckAsync(CancellationToken cancellationToken) =>
        Task.Run(() => kafka.Check(TimeSpan.FromSeconds(2)) is { } problem
            ? new ProbeResult(false, "unreachable", "kafka: " + problem)
            : ProbeResult.Healthy, cancellationToken);
}
