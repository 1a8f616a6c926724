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
    private Dictionary<string, object>? _items;

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

    /// <summary>
    /// The W3C trace context (traceparent) of the message whose effects the job is writing now, if the handler set one:
    /// log messages those effects append (an alert transition) carry it on, so one trace follows a reading to its alert.
    /// </summary>
    public string? TraceParent { get; set; }

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

    /// <summary>
    /// State that lives as long as this job's attempt (what a stage read ahead for the rest of its batch): a job run
    /// again after a rollback gets a fresh context, so nothing read or changed in a rolled-back attempt survives.
    /// </summary>
    public T Item<T>(string key, Func<T> create)
        where T : class
    {
        _items ??= [];
        if (!_items.TryGetValue(key, out var item))
        {
            _items[key] = item = create();
        }

        return (T)item;
    }

    /// <summary>The item stored under <paramref name="key"/> by <see cref="Item{T}"/>, or null.</summary>
    public T? FindItem<T>(string key)
        where T : class =>
        _items is not null && _items.TryGetValue(key, out var item) ? (T)item : null;

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
