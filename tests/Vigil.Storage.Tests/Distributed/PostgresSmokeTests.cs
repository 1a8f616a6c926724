using Npgsql;
using NpgsqlTypes;

namespace Vigil.Storage.Tests.Distributed;

/// <summary>The test PostgreSQL server works from .NET: Npgsql connects, queries and bulk-loads with binary COPY.</summary>
public sealed class PostgresSmokeTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Npgsql_connects_and_runs_a_query()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync(cancellationToken);

        await using var command = new NpgsqlCommand("SELECT current_database(), current_setting('server_version_num')::int", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);

        (await reader.ReadAsync(cancellationToken)).ShouldBeTrue();
        reader.GetString(0).ShouldBe(new NpgsqlConnectionStringBuilder(server.ConnectionString).Database);
        reader.GetInt32(1).ShouldBeGreaterThanOrEqualTo(150000, "Vigil's PostgreSQL stores target PostgreSQL 15");
    }

    [Fact]
    public async Task A_binary_copy_of_ten_thousand_readings_lands_every_row()
    {
        const int Rows = 10_000;
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE readings (patient_id text NOT NULL, code text NOT NULL, value double precision NOT NULL, observed_at timestamptz NOT NULL)",
            connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var start = new DateTime(2026, 11, 21, 10, 0, 0, DateTimeKind.Utc);
        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY readings (patient_id, code, value, observed_at) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            for (var i = 0; i < Rows; i++)
            {
                await import.StartRowAsync(cancellationToken);
                await import.WriteAsync($"p{i % 100}", NpgsqlDbType.Text, cancellationToken);
                await import.WriteAsync("8867-4", NpgsqlDbType.Text, cancellationToken); // LOINC heart rate
                await import.WriteAsync(60.0 + (i % 40), NpgsqlDbType.Double, cancellationToken);
                await import.WriteAsync(start.AddSeconds(i), NpgsqlDbType.TimestampTz, cancellationToken);
            }

            (await import.CompleteAsync(cancellationToken)).ShouldBe((ulong)Rows);
        }

        await using var count = new NpgsqlCommand("SELECT count(*), count(DISTINCT patient_id), max(observed_at) FROM readings", connection);
        await using var reader = await count.ExecuteReaderAsync(cancellationToken);
        (await reader.ReadAsync(cancellationToken)).ShouldBeTrue();
        reader.GetInt64(0).ShouldBe(Rows);
        reader.GetInt64(1).ShouldBe(100);
        reader.GetFieldValue<DateTime>(2).ShouldBe(start.AddSeconds(Rows - 1));
    }
}
