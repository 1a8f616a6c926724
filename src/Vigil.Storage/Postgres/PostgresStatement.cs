using System.Text.RegularExpressions;
using Npgsql;

namespace Vigil.Storage.Postgres;

/// <summary>
/// A <see cref="Statement"/> on PostgreSQL: one command per writer connection with positional parameters (the SQL's
/// <c>?N</c> become <c>$N</c>), which Npgsql prepares on the server once it has run a few times
/// (<c>Max Auto Prepare</c>, set by <see cref="PostgresDatabase"/>).
/// </summary>
public sealed partial class PostgresStatement : Statement
{
    private readonly NpgsqlCommand _command;
    private NpgsqlDataReader? _row;

    public PostgresStatement(NpgsqlConnection connection, string sql)
    {
        var count = 0;
        var text = Placeholder().Replace(sql, m =>
        {
            count = Math.Max(count, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            return "$" + m.Groups[1].Value;
        });
        _command = new NpgsqlCommand(text, connection);
        for (var i = 0; i < count; i++)
        {
            _command.Parameters.Add(new NpgsqlParameter { Value = DBNull.Value });
        }
    }

    [GeneratedRegex(@"\?(\d+)")]
    private static partial Regex Placeholder();

    private Statement Set(int index, object? value)
    {
        _command.Parameters[index - 1].Value = value ?? DBNull.Value;
        return this;
    }

    public override Statement Bind(int index, string? value) => Set(index, value);

    public override Statement Bind(int index, long value) => Set(index, value);

    public override Statement Bind(int index, double? value) => Set(index, value);

    public override Statement Bind(int index, ReadOnlySpan<byte> blob) => Set(index, blob.ToArray());

    public override int Execute() => _command.ExecuteNonQuery();

    public override bool QueryFirst(Action<Statement> read)
    {
        using var reader = _command.ExecuteReader();
        if (!reader.Read())
        {
            return false;
        }

        _row = reader;
        try
        {
            read(this);
        }
        finally
        {
            _row = null;
        }

        return true;
    }

    public override void QueryAll(Action<Statement> read)
    {
        using var reader = _command.ExecuteReader();
        _row = reader;
        try
        {
            while (reader.Read())
            {
                read(this);
            }
        }
        finally
        {
            _row = null;
        }
    }

    private NpgsqlDataReader Row => _row ?? throw new InvalidOperationException("A column is read only inside a query's callback.");

    public override bool IsNull(int column) => Row.IsDBNull(column);

    public override long Int64(int column) => Convert.ToInt64(Row.GetValue(column), System.Globalization.CultureInfo.InvariantCulture);

    public override double Double(int column) => Convert.ToDouble(Row.GetValue(column), System.Globalization.CultureInfo.InvariantCulture);

    public override string? Text(int column) => Row.IsDBNull(column) ? null : Row.GetString(column);

    public override void Dispose() => _command.Dispose();
}
