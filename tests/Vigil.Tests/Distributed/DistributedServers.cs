using Dapper;
using Npgsql;
using Vigil.Storage.Tests.Distributed;

namespace Vigil.Tests.Distributed;

/// <summary>
/// The shared test PostgreSQL and Kafka for tests that start Vigil as separate processes (<see cref="TestServers"/>
/// finds them; missing ones fail the test under CI=true and skip it otherwise), and a database of a test's own on them.
/// </summary>
internal static class DistributedServers
{
    public static (string Postgres, string Kafka) Require()
    {
        var postgres = TestServers.Setting(TestServers.PostgresVariable);
        var kafka = TestServers.Setting(TestServers.KafkaVariable);
        if (postgres is null || kafka is null)
        {
            TestServers.Unavailable("The test PostgreSQL and Kafka", $"{TestServers.PostgresVariable} or {TestServers.KafkaVariable} is not set",
                "for s in scripts/test-deps/*.sh; do bash $s; done");
        }

        return (postgres, kafka);
    }

    /// <summary>Client settings the test broker needs (Kafka 0.9 cannot tell its API versions), as key=value pairs.</summary>
    public static IEnumerable<string> KafkaClientSettings() => KafkaServer.ClientSettings();

    /// <summary>Creates an empty database on the server and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string server, string name, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync(cancellationToken);
        await connection.ExecuteAsync($"CREATE DATABASE {name}");
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string server, string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }
}
