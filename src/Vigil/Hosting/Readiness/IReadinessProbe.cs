namespace Vigil.Hosting.Readiness;

/// <summary>
/// A dependency every running module needs (the store, the event log), checked on each <c>/health/ready</c>. The
/// store and the log register theirs, one implementation per kind (SQLite, PostgreSQL; embedded, Kafka).
/// </summary>
public interface IReadinessProbe
{
    /// <summary>The dependency's name in <c>/health/ready</c>: "database", "log", "kafka".</summary>
    string Dependency { get; }

    Task<ProbeResult> CheckAsync(CancellationToken cancellationToken);
}

/// <summary>A dependency's state ("healthy", "unreachable", "assigned"...) and, when it is not ready, why.</summary>
public sealed record ProbeResult(bool Ready, string State, string? Error = null)
{
    public static ProbeResult Healthy { get; } = new(true, "healthy");
}
