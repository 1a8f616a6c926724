using System.Data.Common;
using Npgsql;
using Vigil.Storage.Migrations;

namespace Vigil.Storage.Postgres;

/// <summary>
/// The distributed mode's database: PostgreSQL through one <see cref="NpgsqlDataSource"/>, which owns the connection
/// pool. A commit is durable when it returns as long as the server keeps its defaults (fsync and synchronous_commit
/// on), which is what the group committer's acknowledgement relies on. The schema is
/// Migrations/postgres (docs/postgres.md).
/// </summary>
public sealed class PostgresDatabase : IDatabase, IAsyncDisposable, IDisposable
{
    public const string DialectName = "postgres";

    static PostgresDatabase()
    {
        // Columns are snake_case, C# names PascalCase: let Dapper map created_at to CreatedAt (as SqliteDatabase does).
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    private readonly NpgsqlDataSource _dataSource;

    public PostgresDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // Shows in pg_stat_activity, so an operator can tell Vigil's sessions apart.
        builder.ApplicationName ??= "vigil";
        // Statements the stores run again and again (the hot paths' inserts and lookups) are prepared on the server
        // after a few uses, per connection.
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
        }
        ConnectionString = builder.ConnectionString;
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource => _dataSource;

    public SqlDialect Dialect => SqlDialect.Postgres;

    DbConnection IDatabase.Open() => Open();


    DbConnection IDatabase.OpenWriter() => OpenWriter();

    /// <summary>An open connection from the pool; disposing it returns it to the pool.</summary>
    public NpgsqlConnection Open() => _dataSource.OpenConnection();

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default) =>
        _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// The group writer's connection (<see cref="Writes.GroupCommitter"/>). An ordinary pooled connection: on
    /// PostgreSQL several writer processes can share a database, so there is no single-writer setting to apply.
    /// </summary>
    public NpgsqlConnection OpenWriter() => Open();

    /// <summary>Applies the embedded PostgreSQL migrations; refuses a database whose history does not match.</summary>
    public IReadOnlyList<Migrator.Applied> Migrate(TimeProvider? clock = null)
    {
        using var connection = Open();
        return Migrator.Migrate(connection, Migration.Embedded(DialectName), clock);
    }

    /// <summary>What <c>vigil migrate --storage postgres</c> runs: the embedded migrations on the database named by
    /// <paramref name="connectionString"/>, with the list of those applied now.</summary>
    public static IReadOnlyList<Migrator.Applied> Migrate(string connectionString)
    {
        using var db = new PostgresDatabase(connectionString);
        return db.Migrate();
    }

    public void Dispose() => _dataSource.Dispose();

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
