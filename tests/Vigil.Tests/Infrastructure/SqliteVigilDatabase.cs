using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Vigil.Tests.Infrastructure;

/// <summary>The embedded mode's SQLite file, read-only: its tables and its <c>log</c> table.</summary>
public sealed class SqliteVigilDatabase(string dataDir) : VigilDatabase
{
    public override long LogCount(string topic) => Scalar("SELECT COUNT(*) FROM log WHERE topic = @t", ("@t", topic));

    /// <summary>All rows of every table, one line per row: a fingerprint to prove a refused request changed nothing.</summary>
    public string Snapshot(params string[] tables)
    {
        var lines = new List<string>();
        foreach (var table in tables)
        {
            lines.AddRange(Rows($"SELECT * FROM {table} ORDER BY rowid").Select(r => table + ": " + r));
        }

        return string.Join('\n', lines);
    }

    protected override IEnumerable<string> TenantLog(string customerId) =>
        Rows("SELECT seq, topic, key, payload FROM log WHERE key LIKE @k ORDER BY seq", ("@k", customerId + "/%"));

    public override IReadOnlyList<LogEntry> Log(string topic, string? key = null)
    {
        using var connection = Open();
        using var command = Command(connection,
            "SELECT topic, key, payload FROM log WHERE topic = @t AND (@k IS NULL OR key = @k) ORDER BY seq", [("@t", topic), ("@k", key)]);
        using var reader = command.ExecuteReader();
        var entries = new List<LogEntry>();
        while (reader.Read())
        {
            var payload = (byte[])reader.GetValue(2);
            using var doc = JsonDocument.Parse(payload);
            entries.Add(new LogEntry(reader.GetString(0), reader.GetString(1), doc.RootElement.Clone()));
        }

        return entries;
    }

    protected override DbConnection OpenForWrite()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDir, "vigil.db"),
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    protected override DbConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataDir, "vigil.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }
}
