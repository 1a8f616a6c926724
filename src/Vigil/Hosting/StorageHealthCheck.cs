using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vigil.Storage.Sqlite;

namespace Vigil.Hosting;

/// <summary>Ready when the database answers a query.</summary>
public sealed class StorageHealthCheck(SqliteDatabase db) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var connection = db.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM schema_history";
            var migrations = (long)command.ExecuteScalar()!;
            return Task.FromResult(HealthCheckResult.Healthy("sqlite", new Dictionary<string, object> { ["migrations"] = migrations, ["path"] = db.Path }));
        }
        catch (Exception e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("sqlite unreachable", e));
        }
    }
}
