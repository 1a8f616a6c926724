using Dapper;
using Vigil.Storage.Postgres;
using Vigil.Storage.Tests.Distributed;

namespace Vigil.Storage.Tests.Postgres;

/// <summary>SQL shapes the SQLite stores use that the PostgreSQL stores are meant to keep, run on the PostgreSQL schema.</summary>
public sealed class PostgresSqlCompatibilityTests(PostgresServer server) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private PostgresTestDatabase _db = null!;

    public async ValueTask InitializeAsync()
    {
        _db = await PostgresTestDatabase.CreateAsync(server);
        PostgresDatabase.Migrate(_db.ConnectionString);
    }

    public async ValueTask DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public void Optional_filters_with_a_null_parameter_match_everything_and_with_a_value_match_it()
    {
        using var connection = _db.Open();
        connection.Execute("""
            INSERT INTO customers (id, name, created_at, updated_at) VALUES ('c1', 'One', 1, 1), ('c2', 'Two', 1, 1);
            INSERT INTO api_keys (id, customer_id, name, role, secret_hash, created_at) VALUES ('k1', 'c1', 'a', 'admin', 'h', 1), ('k2', 'c2', 'b', 'viewer', 'h', 2);
            """);
        const string Sql = "SELECT id FROM api_keys WHERE @customerId IS NULL OR customer_id = @customerId ORDER BY created_at, id";

        connection.Query<string>(Sql, new { customerId = (string?)null }).ShouldBe(["k1", "k2"]);
        connection.Query<string>(Sql, new { customerId = "c2" }).ShouldBe(["k2"]);
        connection.Query<string>("SELECT id FROM api_keys WHERE (@before IS NULL OR created_at < @before)", new { before = (long?)null })
            .Count().ShouldBe(2);
    }

    [Fact]
    public void The_news2_latest_upsert_keeps_the_newest_value_by_event_time()
    {
        using var connection = _db.Open();
        // News2Scorer's UpsertLatestSql, with named parameters for the positional ones.
        const string Upsert = """
            INSERT INTO news2_latest (customer_id, patient_id, type, reading_id, value, text, observed_at)
            VALUES (@c, @p, @t, @r, @v, NULL, @at)
            ON CONFLICT (customer_id, patient_id, type) DO UPDATE
            SET reading_id = excluded.reading_id, value = excluded.value, text = excluded.text, observed_at = excluded.observed_at
            WHERE excluded.observed_at >= news2_latest.observed_at
            """;

        connection.Execute(Upsert, new { c = "c1", p = "p1", t = "heart_rate", r = "r2", v = 90.0, at = 20L });
        connection.Execute(Upsert, new { c = "c1", p = "p1", t = "heart_rate", r = "r1", v = 80.0, at = 10L });

        connection.QuerySingle<(string ReadingId, double Value, long ObservedAt)>(
            "SELECT reading_id, value, observed_at FROM news2_latest").ShouldBe(("r2", 90.0, 20L));
    }

    [Fact]
    public void A_row_maps_to_a_record_of_longs_as_the_sqlite_stores_declare_them()
    {
        using var connection = _db.Open();
        connection.Execute("""
            INSERT INTO window_aggregates (customer_id, patient_id, type, size, window_start, window_end, count, sum, min, max, last, last_at, final, updated_at)
            VALUES ('c1', 'p1', 'heart_rate', '1m', 0, 60000000, 2, 170, 80, 90, 90, 30000000, 1, 1)
            """);

        var row = connection.QuerySingle<WindowRow>(
            "SELECT type, size, window_start, count, sum, min, max, last, last_at, final FROM window_aggregates");

        row.ShouldBe(new WindowRow("heart_rate", "1m", 0, 2, 170, 80, 90, 90, 30_000_000, 1));
    }

    /// <summary>The shape of WindowStore's row: Dapper maps a constructor only when every column's type matches.</summary>
    private sealed record WindowRow(string Type, string Size, long WindowStart, long Count, double Sum, double Min, double Max, double Last, long LastAt, long Final);
}
