using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Vigil.Tests.Infrastructure;

/// <summary>Read-only look at a running server's SQLite database: what was really stored and appended to the log.</summary>
public sealed class VigilDatabase(string dataDir)
{
    public sealed record LogEntry(string Topic, string Key, JsonElement Envelope)
    {
        public JsonElement Body => Envelope.GetProperty("body");
    }

    public long Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = Open();
        using var command = Command(connection, sql, parameters);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public string? Text(string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = Open();
        using var command = Command(connection, sql, parameters);
        return command.ExecuteScalar() as string;
    }

    /// <summary>Rows of <paramref name="table"/> belonging to <paramref name="customerId"/>.</summary>
    public long Count(string table, string customerId) =>
        Scalar($"SELECT COUNT(*) FROM {table} WHERE customer_id = @c", ("@c", customerId));

    public long LogCount(string topic) => Scalar("SELECT COUNT(*) FROM log WHERE topic = @t", ("@t", topic));

    /// <summary>All rows of every table, one line per row: a fingerprint to prove a refused request changed nothing.</summary>
    public string Snapshot(params string[] tables)
    {
        using var connection = Open();
        var lines = new List<string>();
        foreach (var table in tables)
        {
            using var command = Command(connection, $"SELECT * FROM {table} ORDER BY rowid", []);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                lines.Add(table + ": " + string.Join(" | ", values.Select(v => v is byte[] b ? Convert.ToHexString(b) : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))));
            }
        }

        return string.Join('\n', lines);
    }

    /// <summary>The rows <paramref name="sql"/> selects, one line each, for before/after comparisons.</summary>
    public IReadOnlyList<string> Rows(string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = Open();
        using var command = Command(connection, sql, parameters);
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            lines.Add(string.Join(" | ", values.Select(v => v is byte[] b ? Convert.ToHexString(b) : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))));
        }

        return lines;
    }

    /// <summary>Every row that belongs to <paramref name="customerId"/>, including its log messages.</summary>
    public IReadOnlyList<string> TenantRows(string customerId)
    {
        var rows = new List<string>();
        rows.AddRange(Rows("SELECT * FROM customers WHERE id = @c", ("@c", customerId)).Select(r => "customers: " + r));
        foreach (var table in new[] { "departments", "patients", "devices", "api_keys", "readings", "events", "thresholds", "alerts", "alert_transitions", "alert_conditions", "device_activity" })
        {
            rows.AddRange(Rows($"SELECT * FROM {table} WHERE customer_id = @c ORDER BY 1, 2, 3", ("@c", customerId)).Select(r => table + ": " + r));
        }

        rows.AddRange(Rows("SELECT seq, topic, key, payload FROM log WHERE key LIKE @k ORDER BY seq", ("@k", customerId + "/%")).Select(r => "log: " + r));
        return rows;
    }

    /// <summary>Log entries of <paramref name="topic"/>, in offset order, optionally only those with <paramref name="key"/>.</summary>
    public IReadOnlyList<LogEntry> Log(string topic, string? key = null)
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

    private SqliteConnection Open()
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

    private static SqliteCommand Command(SqliteConnection connection, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
