using System.Data.Common;
using System.Text;

namespace Vigil.Storage.Writes;

/// <summary>
/// Inserts many rows with few statements: <c>INSERT INTO t (a, b) VALUES (@p0, @p1), (@p2, @p3), ...</c>, prepared
/// once per writer connection and chunk size. One statement per row would spend most of the ingest time in the
/// driver; this is the SQLite bulk path of DESIGN.md.
/// </summary>
public sealed class MultiRowInsert<T>(string table, string[] columns, Action<T, object?[]> toValues, string suffix = "", int rowsPerStatement = 100)
{
    private readonly string _key = $"insert:{table}:{suffix}:";

    /// <summary>Inserts <paramref name="rows"/>; returns the number of rows the database reports changed.</summary>
    public int Execute(WriteContext ctx, IReadOnlyList<T> rows)
    {
        var changed = 0;
        var values = new object?[columns.Length];
        for (var start = 0; start < rows.Count; start += rowsPerStatement)
        {
            var count = Math.Min(rowsPerStatement, rows.Count - start);
            var command = ctx.Prepared(_key + count, connection => Create(connection, count));
            var parameters = command.Parameters;
            for (var i = 0; i < count; i++)
            {
                toValues(rows[start + i], values);
                for (var c = 0; c < columns.Length; c++)
                {
                    parameters[(i * columns.Length) + c].Value = values[c] ?? DBNull.Value;
                }
            }

            changed += command.ExecuteNonQuery();
        }

        return changed;
    }

    private DbCommand Create(DbConnection connection, int count)
    {
        var sql = new StringBuilder($"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ");
        var command = connection.CreateCommand();
        for (var i = 0; i < count; i++)
        {
            sql.Append(i == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Length; c++)
            {
                var name = $"@p{(i * columns.Length) + c}";
                sql.Append(c == 0 ? name : ", " + name);
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }

            sql.Append(')');
        }

        command.CommandText = sql.Append(suffix).ToString();
        return command;
    }
}
