using System.Data.Common;

namespace Vigil.Storage.Writes;

/// <summary>
/// What a write job sees: the writer's connection and the open group transaction, the time the job started, and a
/// place to register work that must run only once the job's changes are durable (waking consumers, dropping caches).
/// </summary>
public sealed class WriteContext
{
    private readonly Dictionary<string, object> _cache;
    private List<Action>? _afterCommit;

    internal WriteContext(DbConnection connection, DbTransaction transaction, DateTimeOffset now, Dictionary<string, object> cache)
    {
        Connection = connection;
        Transaction = transaction;
        Now = now;
        _cache = cache;
    }

    public DbConnection Connection { get; }

    public DbTransaction Transaction { get; }

    public DateTimeOffset Now { get; }

    /// <summary>Runs <paramref name="action"/> after the transaction holding this job has committed (never if it did not).</summary>
    public void OnCommitted(Action action) => (_afterCommit ??= []).Add(action);

    /// <summary>Something built once per writer connection (a prepared native statement) and disposed with it.</summary>
    public T Cached<T>(string key, Func<DbConnection, T> create)
        where T : class, IDisposable
    {
        if (!_cache.TryGetValue(key, out var cached))
        {
            _cache[key] = cached = create(Connection);
        }

        return (T)cached;
    }

    /// <summary>
    /// A hot-path statement (<c>?1</c>, <c>?2</c>... placeholders) prepared once per writer connection in the
    /// connection's dialect, under <paramref name="key"/>.
    /// </summary>
    public Statement Statement(string key, string sql) => Cached<Statement>(key, c => c switch
    {
        Microsoft.Data.Sqlite.SqliteConnection sqlite => new Sqlite.SqliteStatement(sqlite, sql),
        Npgsql.NpgsqlConnection postgres => new Postgres.PostgresStatement(postgres, sql),
        _ => throw new NotSupportedException($"No statements for {c.GetType().Name}."),
    });

    /// <summary>The SQL the writer's connection speaks.</summary>
    public SqlDialect Dialect => Connection is Npgsql.NpgsqlConnection ? SqlDialect.Postgres : SqlDialect.Sqlite;

    public DbCommand CreateCommand(string sql)
    {
        var command = Connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = sql;
        return command;
    }

    internal List<Action>? TakeAfterCommit()
    {
        var actions = _afterCommit;
        _afterCommit = null;
        return actions;
    }
}
