using Vigil.Storage.Sqlite;

namespace Vigil.Hosting.Readiness;

/// <summary>The embedded database is ready when it answers a query on its migration history.</summary>
public sealed class SqliteProbe(SqliteDatabase db) : IReadinessProbe
{
    public string Dependency => "database";

    public Task<ProbeResult> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var connection = db.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM schema_history";
            command.ExecuteScalar();
            return Task.FromResult(ProbeResult.Healthy);
        }
        catch (Exception e)
        {
            return Task.FromResult(new ProbeResult(false, "unreachable", $"sqlite {db.Path}: {e.Message}"));
        }
    }
}
