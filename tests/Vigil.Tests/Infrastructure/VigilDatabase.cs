using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace Vigil.Tests.Infrastructure;

/// <summary>
/// Read-only look at what a running server really stored and appended to its log, in either mode: the tables through
/// plain SQL (the same statements run on SQLite and PostgreSQL), the log through <see cref="Log"/>.
/// </summary>
public abstract class VigilDatabase
{
    public sealed record LogEntry(string Topic, string Key, JsonElement Envelope)
    {
        public JsonElement Body => Envelope.GetProperty("body");
    }

    protected abstract DbConnection Open();

    /// <summary>Log entries of <paramref name="topic"/>, in append order, optionally only those with <paramref name="key"/>.</summary>
    public abstract IReadOnlyList<LogEntry> Log(string topic, string? key = null);

    /// <summary>How many messages <paramref name="topic"/> holds.</summary>
    public abstract long LogCount(string topic);

    /// <summary>Every log message whose key belongs to <paramref name="customerId"/>, one line each.</summary>
    protected abstract IEnumerable<string> TenantLog(string customerId);

    public long Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = Open();
        using var command = Command(connection, sql, parameters);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
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
            lines.Add(Line(values));
        }

        return lines;
    }

    /// <summary>Every row that belongs to <paramref name="customerId"/>, including its log messages.</summary>
    public IReadOnlyList<string> TenantRows(string customerId)
    {
        var rows = new List<string>();
        rows.AddRange(Rows("SELECT * FROM customers WHERE id = @c", ("@c", customerId)).Select(r => "customers: " + r));
        foreach (var table in new[] { "departments", "patients", "devices", "api_keys", "readings", "events", "thresholds", "anomaly_rules", "vital_baselines", "alerts", "alert_transitions", "alert_conditions", "device_activity", "notification_subscriptions", "notification_deliveries" })
        {
            rows.AddRange(Rows($"SELECT * FROM {table} WHERE customer_id = @c ORDER BY 1, 2, 3", ("@c", customerId)).Select(r => table + ": " + r));
        }

        rows.AddRange(TenantLog(customerId).Select(r => "log: " + r));
        return rows;
    }

    protected static string Line(IEnumerable<object?> values) =>
        string.Join(" | ", values.Select(v => v is byte[] b ? Convert.ToHexString(b) : Convert.ToString(v, CultureInfo.InvariantCulture)));

    protected static DbCommand Command(DbConnection connection, string sql, (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
