using Npgsql;

namespace Vigil.Bench;

/// <summary>Databases of a run on a PostgreSQL server the benchmark may create databases on (the test server's superuser).</summary>
public static class PgDatabase
{
    /// <summary>
    /// <c>pg-database --connection-string CS --create PREFIX</c> creates PREFIX_random and prints its connection string;
    /// <c>--drop NAME</c> drops NAME (and ends its sessions).
    /// </summary>
    public static int Run(Options options)
    {
        var server = options.Get("connection-string");
        var drop = options.Get("drop", "");
        if (drop.Length > 0)
        {
            Drop(server, drop);
            return 0;
        }

        Console.WriteLine(ConnectionString(server, Create(server, options.Get("create"))));
        return 0;
    }

    public static string Create(string server, string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];
        Execute(server, $"CREATE DATABASE {Quote(name)}");
        return name;
    }

    public static void Drop(string server, string name) => Execute(server, $"DROP DATABASE IF EXISTS {Quote(name)} WITH (FORCE)");

    public static string ConnectionString(string server, string database) =>
        new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;

    private static void Execute(string server, string sql)
    {
        using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static string Quote(string name) =>
        name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')
            ? name
            : throw new BenchException($"'{name}' is not a plain database name (a-z, 0-9, _)");
}
