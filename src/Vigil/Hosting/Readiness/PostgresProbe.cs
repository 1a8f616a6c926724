using Dapper;
using Vigil.Storage.Postgres;

namespace Vigil.Hosting.Readiness;

/// <summary>PostgreSQL is ready when it answers a query on the migration history.</summary>
public sealed class PostgresProbe(PostgresDatabase db) : IReadinessProbe
{
    public string Dependency => "database";

    public async Task<ProbeResult> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await db.OpenAsync(cancellationToken);
            await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM schema_history", cancellationToken: cancellationToken));
            return ProbeResult.Healthy;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new ProbeResult(false, "unreachable", $"postgres: {e.Message}");
        }
    }
}
