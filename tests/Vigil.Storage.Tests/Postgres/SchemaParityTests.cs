using Dapper;
using Vigil.Storage.Migrations;
using Vigil.Storage.Postgres;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Tests.Distributed;

namespace Vigil.Storage.Tests.Postgres;

/// <summary>
/// Both dialects' migrations, applied in full, give the same tables and columns with compatible types, so the stores'
/// SQL and row mappings mean the same on both. The differences allowed are the documented ones (docs/postgres.md).
/// </summary>
public sealed class SchemaParityTests(PostgresServer server) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    /// <summary>SQLite tables PostgreSQL does without: the embedded log (PostgreSQL mode pairs with Kafka; the outbox
    /// carries its messages there).</summary>
    private static readonly string[] SqliteOnlyTables = ["log"];

    /// <summary>Tables only PostgreSQL has.</summary>
    private static readonly string[] PostgresOnlyTables = ["outbox"];

    /// <summary>Tables that are views on PostgreSQL, kept so SQLite's queries read correctly there.</summary>
    private static readonly string[] PostgresViews = ["readings_by_patient", "readings_index_state"];

    private static readonly string[] SqliteOnlyIndexes = ["ix_log_partition"];

    private readonly TempDirectory _dir = new();
    private PostgresTestDatabase _postgres = null!;

    public async ValueTask InitializeAsync() => _postgres = await PostgresTestDatabase.CreateAsync(server);

    public async ValueTask DisposeAsync()
    {
        await _postgres.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public void Every_sqlite_table_and_column_exists_on_postgres_with_a_compatible_type_and_nullability()
    {
        var (sqlite, sqliteIndexes) = SqliteSchema();
        var (postgres, postgresIndexes) = PostgresSchema();

        sqlite.Keys.Except(SqliteOnlyTables).Order().ShouldBe(postgres.Keys.Except(PostgresOnlyTables).Order());
        foreach (var (table, columns) in sqlite.Where(t => !SqliteOnlyTables.Contains(t.Key)))
        {
            var pgColumns = postgres[table];
            pgColumns.Select(c => c.Name).Order().ShouldBe(columns.Select(c => c.Name).Order(), $"columns of {table}");
            foreach (var column in columns)
            {
                var pg = pgColumns.Single(c => c.Name == column.Name);
                pg.Type.ShouldBe(PostgresTypeFor(column.Type), $"{table}.{column.Name} ({column.Type} on SQLite)");
                if (column.NotNull && !PostgresViews.Contains(table))
                {
                    pg.NotNull.ShouldBeTrue($"{table}.{column.Name} is NOT NULL on SQLite");
                }
            }
        }

        sqliteIndexes.Except(SqliteOnlyIndexes).ShouldBeSubsetOf(postgresIndexes);
    }

    [Fact]
    public void The_tables_postgres_keeps_as_views_are_views_there()
    {
        var (postgres, _) = PostgresSchema();
        using var connection = _postgres.Open();

        connection.Query<string>("SELECT table_name FROM information_schema.views WHERE table_schema = 'public'")
            .Order().ShouldBe(PostgresViews.Order());
        PostgresViews.ShouldAllBe(v => postgres.ContainsKey(v));
    }

    /// <summary>SQLite's INTEGER is 64-bit (BIGINT), REAL an 8-byte float, BLOB bytes.</summary>
    private static string PostgresTypeFor(string sqliteType) => sqliteType switch
    {
        "INTEGER" => "bigint",
        "REAL" => "double precision",
        "TEXT" => "text",
        "BLOB" => "bytea",
        _ => throw new InvalidOperationException($"No PostgreSQL counterpart known for SQLite type '{sqliteType}'"),
    };

    private sealed record Column(string Name, string Type, bool NotNull);

    private (Dictionary<string, List<Column>> Tables, List<string> Indexes) SqliteSchema()
    {
        var db = new SqliteDatabase(_dir.Combine("sqlite"));
        using var connection = db.Open();
        Migrator.Migrate(connection, Migration.Embedded("sqlite"));
        var tables = connection.Query<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .ToDictionary(
                t => t,
                t => connection.Query<(string Name, string Type, long NotNull)>(
                        "SELECT name, type, \"notnull\" FROM pragma_table_info(@t)", new { t })
                    .Select(c => new Column(c.Name, c.Type, c.NotNull == 1)).ToList());
        var indexes = connection.Query<string>(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'").ToList();
        return (tables, indexes);
    }

    private (Dictionary<string, List<Column>> Tables, List<string> Indexes) PostgresSchema()
    {
        PostgresDatabase.Migrate(_postgres.ConnectionString);
        using var connection = _postgres.Open();
        var tables = connection.Query<(string Table, string Name, string Type, string Nullable)>("""
                SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
                WHERE table_schema = 'public' ORDER BY table_name, ordinal_position
                """)
            .GroupBy(c => c.Table)
            .ToDictionary(g => g.Key, g => g.Select(c => new Column(c.Name, c.Type, c.Nullable == "NO")).ToList());
        var indexes = connection.Query<string>("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'").ToList();
        return (tables, indexes);
    }
}
