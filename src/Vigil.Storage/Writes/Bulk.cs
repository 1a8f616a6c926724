using System.Data.Common;
using Npgsql;

namespace Vigil.Storage.Writes;

/// <summary>The type of a <see cref="BulkUpsert"/> column: what its values are in .NET and in PostgreSQL.</summary>
public enum BulkType
{
    /// <summary><c>string?</c>, <c>text</c>.</summary>
    Text,

    /// <summary><c>long?</c>, <c>bigint</c>.</summary>
    Int64,

    /// <summary><c>double?</c>, <c>double precision</c>.</summary>
    Double,
}

/// <summary>
/// One <c>INSERT ... ON CONFLICT</c> for many rows, for the processing stages that write a row per patient, window or
/// device of a batch. On PostgreSQL it is one statement over <c>unnest</c>ed arrays: one round trip for the whole batch
/// instead of one per row, which is what a consumer's batch costs on a database across the network. On SQLite, in
/// process, it is the same statement prepared once and run per row. The rows must differ in the conflict key
/// (PostgreSQL refuses to update one row twice in a statement): callers fold a batch's rows per key first.
/// </summary>
public sealed class BulkUpsert
{
    private readonly string _key;
    private readonly (string Name, BulkType Type)[] _columns;
    private readonly string _postgresSql;
    private readonly string _sqliteSql;

    /// <param name="key">The statement's name among the writer connection's prepared statements.</param>
    /// <param name="table">The table.</param>
    /// <param name="columns">The columns each row gives values for, in order.</param>
    /// <param name="onConflict">What follows the VALUES: <c>ON CONFLICT (...) DO UPDATE SET ... [WHERE ...]</c>, speaking of <c>excluded</c>.</param>
    public BulkUpsert(string key, string table, (string Name, BulkType Type)[] columns, string onConflict)
    {
        _key = key;
        _columns = columns;
        var names = string.Join(", ", columns.Select(c => c.Name));
        var arrays = string.Join(", ", columns.Select((c, i) => $"@p{i}::{PostgresType(c.Type)}[]"));
        _postgresSql = $"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {onConflict}";
        _sqliteSql = $"INSERT INTO {table} ({names}) VALUES ({string.Join(", ", columns.Select((_, i) => $"?{i + 1}"))}) {onConflict}";
    }

    /// <summary>Writes <paramref name="rows"/> (each value a <c>string</c>, <c>long</c>, <c>double</c> or null, as its column's type says).</summary>
    public void Execute(WriteContext ctx, IReadOnlyCollection<object?[]> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        if (ctx.Dialect == SqlDialect.Postgres)
        {
            using var command = (NpgsqlCommand)ctx.CreateCommand(_postgresSql);
            for (var c = 0; c < _columns.Length; c++)
            {
                command.Parameters.AddWithValue($"p{c}", Column(rows, c, _columns[c].Type));
            }

            command.ExecuteNonQuery();
            return;
        }

        var statement = ctx.Statement(_key, _sqliteSql);
        foreach (var row in rows)
        {
            for (var c = 0; c < _columns.Length; c++)
            {
                _ = row[c] switch
                {
                    null => statement.Bind(c + 1, (string?)null),
                    string text => statement.Bind(c + 1, text),
                    long number => statement.Bind(c + 1, number),
                    double number => statement.Bind(c + 1, number),
                    var other => throw new ArgumentException($"{_key}: column {_columns[c].Name} cannot take a {other.GetType().Name}"),
                };
            }

            statement.Execute();
        }
    }

    private static Array Column(IReadOnlyCollection<object?[]> rows, int c, BulkType type) => type switch
    {
        BulkType.Text => rows.Select(r => (string?)r[c]).ToArray(),
        BulkType.Int64 => rows.Select(r => (long?)r[c]).ToArray(),
        BulkType.Double => rows.Select(r => (double?)r[c]).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static string PostgresType(BulkType type) => type switch
    {
        BulkType.Text => "text",
        BulkType.Int64 => "bigint",
        BulkType.Double => "double precision",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}

/// <summary>
/// A query over many patients' rows at once: on PostgreSQL one statement for all of them, on SQLite one per patient
/// (in process). <c>{patients}</c> in the SQL's WHERE stands for "the row's (customer_id, patient_id) is one of these".
/// </summary>
public static class PatientRows
{
    public static void Read(WriteContext ctx, string sql, IReadOnlyCollection<(string CustomerId, string PatientId)> patients, Action<DbDataReader> read)
    {
        if (patients.Count == 0)
        {
            return;
        }

        if (ctx.Dialect == SqlDialect.Postgres)
        {
            using var command = (NpgsqlCommand)ctx.CreateCommand(
                sql.Replace("{patients}", "(customer_id, patient_id) IN (SELECT * FROM unnest(@customers::text[], @patients::text[]))", StringComparison.Ordinal));
            command.Parameters.AddWithValue("customers", patients.Select(p => p.CustomerId).ToArray());
            command.Parameters.AddWithValue("patients", patients.Select(p => p.PatientId).ToArray());
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                read(reader);
            }

            return;
        }

        // Kept with the writer's connection, so SQLite prepares it once rather than once per batch.
        var each = ctx.Cached("patient-rows:" + sql, connection =>
        {
            var command = connection.CreateCommand();
            command.CommandText = sql.Replace("{patients}", "customer_id = $customer AND patient_id = $patient", StringComparison.Ordinal);
            foreach (var name in (string[])["$customer", "$patient"])
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }

            return command;
        });
        each.Transaction = ctx.Transaction;
        var (customer, patient) = (each.Parameters[0], each.Parameters[1]);
        foreach (var (customerId, patientId) in patients)
        {
            customer.Value = customerId;
            patient.Value = patientId;
            using var reader = each.ExecuteReader();
            while (reader.Read())
            {
                read(reader);
            }
        }
    }
}
