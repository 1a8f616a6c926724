namespace Vigil.Storage;

/// <summary>
/// A statement the writer runs again and again (the hot paths' inserts, upserts and lookups), prepared once per writer
/// connection and bound by position: <c>?1</c>, <c>?2</c>... in the SQL, for both dialects. It runs inside whatever
/// transaction its connection has open. A row handed to a query's callback is read with the column accessors and must
/// not be kept, nor another statement run from inside the callback (PostgreSQL allows one open reader per connection).
/// </summary>
public abstract class Statement : IDisposable
{
    public abstract Statement Bind(int index, string? value);

    public abstract Statement Bind(int index, long value);

    public abstract Statement Bind(int index, double? value);

    /// <summary>
    /// A nullable integer (an optional timestamp in microseconds). Without this overload C# would bind a <c>long?</c> as
    /// <c>double?</c>: SQLite stores it back as an integer, but PostgreSQL receives a float8 for a BIGINT column.
    /// </summary>
    public Statement Bind(int index, long? value) => value is { } v ? Bind(index, v) : Bind(index, (string?)null);

    public abstract Statement Bind(int index, ReadOnlySpan<byte> blob);

    /// <summary>Runs the statement to completion and returns the rows it changed.</summary>
    public abstract int Execute();

    /// <summary>Reads the first row, if any, with <paramref name="read"/>; false when there is none.</summary>
    public abstract bool QueryFirst(Action<Statement> read);

    /// <summary>Reads every row with <paramref name="read"/>.</summary>
    public abstract void QueryAll(Action<Statement> read);

    public abstract bool IsNull(int column);

    public abstract long Int64(int column);

    public abstract double Double(int column);

    public abstract string? Text(int column);

    public abstract void Dispose();
}
