namespace Vigil.Hosting.Readiness;

/// <summary>The embedded log is tables in the SQLite database: it is reachable whenever the database is.</summary>
public sealed class EmbeddedLogProbe(SqliteProbe database) : IReadinessProbe
{
    public string Dependency => "log";

    public async Task<ProbeResult> CheckAsync(CancellationToken cancellationToken)
    {
        var result = await database.CheckAsync(cancellationToken);
        return result.Ready ? ProbeResult.Healthy : result with { State = "unreachable", Error = "embedded log: " + result.Error };
    }
}
