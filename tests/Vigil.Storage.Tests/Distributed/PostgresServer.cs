using Npgsql;

namespace Vigil.Storage.Tests.Distributed;

/// <summary>The test PostgreSQL server, probed once per test class (<see cref="TestServers"/>).</summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _connectionString;
    private string _problem = $"{TestServers.PostgresVariable} is not set, nor in artifacts/test-deps/env";

    /// <summary>The server's connection string; ends the test (skip, or failure under CI=true) when it is unreachable.</summary>
    public string ConnectionString
    {
        get
        {
            if (_connectionString is null)
            {
                TestServers.Unavailable("PostgreSQL", _problem, "scripts/test-deps/postgres.sh");
            }

            return _connectionString;
        }
    }

    /// <summary>Whether the server answered; when false, <see cref="ConnectionString"/> ends the test.</summary>
    public bool Available => _connectionString is not null;

    public async ValueTask InitializeAsync()
    {
        if (TestServers.Setting(TestServers.PostgresVariable) is not { } setting)
        {
            return;
        }

        var builder = new NpgsqlConnectionStringBuilder(setting) { Timeout = 5 };
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            _connectionString = setting;
        }
        catch (NpgsqlException e)
        {
            _problem = $"no answer from {builder.Host}:{builder.Port} ({e.Message})";
        }
    }

    public ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }
}
